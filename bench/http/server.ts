/**
 * One benchmark server per process: `node bench/http/server.ts <variant>` listens on a free
 * loopback port and prints it. Every variant serves the same visit counter (read the count,
 * add one, write it back) so the numbers compare the session machinery, nothing else.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import expressSession from 'express-session';
import { getIronSession } from 'iron-session';
import { sessionMiddleware } from '../../src/adapters/express.ts';
import { sessionMiddleware as expressSessionCompat } from '../../src/adapters/express-session.ts';
import { withSessions } from '../../src/adapters/node.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../src/session/engine.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import {
  benchRedisClient,
  coatcheckPostgres,
  coatcheckRedis,
  coatcheckSqlite,
  type ExpressSessionStore,
  expressSessionPostgres,
  expressSessionRedis,
  expressSessionSqlite,
} from '../lib/stores.ts';
import { memoryLine, redisLine, signedCookieLine, sqliteLine } from './lines.ts';

export const SECRET = 'benchmark-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG';

type Visits = { visits: number };
type Server = ReturnType<typeof createServer>;

function coatcheckNode(engine: SessionStore | EngineProvider) {
  const sessions = createSessions<Visits>({ secretKey: SECRET, engine });
  return createServer(
    withSessions(sessions, async (_req, res, ctx) => {
      const session = await ctx.session();
      const visits = (session.get('visits') ?? 0) + 1;
      session.set('visits', visits);
      res.end(String(visits));
    }),
  );
}

function coatcheckExpress(engine: SessionStore | EngineProvider) {
  const sessions = createSessions<Visits>({ secretKey: SECRET, engine });
  const app = express();
  app.use(sessionMiddleware(sessions));
  app.get('/', async (req, res) => {
    const session = await req.session<Visits>();
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    res.send(String(visits));
  });
  return createServer(app);
}

// The route written for express-session, served by express-session or by coatcheck's compat mode.
function expressSessionRoute(app: express.Express): Server {
  app.get('/', (req, res) => {
    const session = (req as unknown as { session: Partial<Visits> }).session;
    session.visits = (session.visits ?? 0) + 1;
    res.send(String(session.visits));
  });
  return createServer(app);
}

function expressSessionApp(store: ExpressSessionStore | undefined) {
  const app = express();
  app.use(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, store }));
  return expressSessionRoute(app);
}

function coatcheckExpressSession(engine: SessionStore | EngineProvider) {
  const app = express();
  app.use(expressSessionCompat(createSessions({ secretKey: SECRET, engine })));
  return expressSessionRoute(app);
}

const variants: Record<string, () => Server | Promise<Server>> = {
  'node:http (no sessions)': () => {
    let visits = 0;
    return createServer((_req, res) => {
      visits++;
      res.end(String(visits));
    });
  },
  'line node:http memory': memoryLine,
  'coatcheck/node memory': () => coatcheckNode(memoryStore()),
  'line node:http signed-cookie': () => signedCookieLine(SECRET),
  'coatcheck/node signed-cookie': () => coatcheckNode(signedCookies()),
  'iron-session node:http': () =>
    createServer(async (req: IncomingMessage, res: ServerResponse) => {
      const session = await getIronSession<Partial<Visits>>(req, res, {
        password: SECRET,
        cookieName: 'iron',
      });
      session.visits = (session.visits ?? 0) + 1;
      await session.save();
      res.end(String(session.visits));
    }),
  'express (no sessions)': () => {
    const app = express();
    let visits = 0;
    app.get('/', (_req, res) => {
      visits++;
      res.send(String(visits));
    });
    return createServer(app);
  },
  'coatcheck/express memory': () => coatcheckExpress(memoryStore()),
  'express-session MemoryStore': () => expressSessionApp(undefined),
  'coatcheck/express-session memory': () => coatcheckExpressSession(memoryStore()),
  'line node:http sqlite': sqliteLine,
  'coatcheck/node sqlite': () => coatcheckNode(coatcheckSqlite()),
  'coatcheck/express sqlite': () => coatcheckExpress(coatcheckSqlite()),
  'express-session better-sqlite3-session-store': () => expressSessionApp(expressSessionSqlite()),
  'coatcheck/express-session sqlite': () => coatcheckExpressSession(coatcheckSqlite()),
  'coatcheck/node postgres': async () => coatcheckNode(await coatcheckPostgres()),
  'coatcheck/express postgres': async () => coatcheckExpress(await coatcheckPostgres()),
  'express-session connect-pg-simple': async () =>
    expressSessionApp(await expressSessionPostgres()),
  'line node:http + redis': async () => redisLine(await benchRedisClient()),
  'coatcheck/node redis': () => coatcheckNode(coatcheckRedis()),
  'coatcheck/express redis': () => coatcheckExpress(coatcheckRedis()),
  'express-session connect-redis': async () => expressSessionApp(await expressSessionRedis()),
};

export const variantNames: string[] = Object.keys(variants);

if (import.meta.main) {
  const name = process.argv[2] ?? '';
  const make = variants[name];
  if (make === undefined) {
    console.error(`unknown variant ${JSON.stringify(name)}; one of: ${variantNames.join(', ')}`);
    process.exit(2);
  }
  const server = await make();
  // Exit through process.exit so --cpu-prof can write its profile.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
  server.listen(0, '127.0.0.1', () => {
    console.log((server.address() as AddressInfo).port);
  });
}
