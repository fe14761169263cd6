/**
 * Lost updates over real HTTP: one session, fifty concurrent requests that each set a key of
 * their own after a little work (10 ms, as a handler that queries something does), then one
 * request that reads the session back. Each server runs in its own process
 * (`node bench/lost-updates.ts serve <variant>`); the report is how many of the fifty keys each
 * kept. Django and express-session save the whole session on every write, so the last writer
 * wins and the others' keys are gone; coatcheck merges concurrent writes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import express from 'express';
import expressSession from 'express-session';
import { withSessions } from '../src/adapters/node.ts';
import { createSessions } from '../src/middleware/lifecycle.ts';
import type { SessionStore } from '../src/stores/store.ts';
import { childEnv } from './lib/child-env.ts';
import { markdownTable } from './lib/markdown.ts';
import type { SectionReport } from './lib/section.ts';
import {
  coatcheckPostgres,
  coatcheckRedis,
  coatcheckSqlite,
  type ExpressSessionStore,
  expressSessionPostgres,
  expressSessionRedis,
  expressSessionSqlite,
} from './lib/stores.ts';

const SECRET = 'lost-update-benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const WRITERS = 50;
const WORK_MS = 10;

function coatcheckServer(store: SessionStore): Server {
  const sessions = createSessions({ secretKey: SECRET, engine: store });
  return createServer(
    withSessions(sessions, async (request, response, ctx) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const session = await ctx.session();
      if (url.pathname === '/start') session.set('shared', 'start');
      if (url.pathname === '/write') {
        await sleep(WORK_MS);
        session.set(`writer${url.searchParams.get('i')}`, true);
      }
      response.end(JSON.stringify(session.toJSON()));
    }),
  );
}

function expressSessionServer(store: ExpressSessionStore): Server {
  const app = express();
  app.use(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, store }));
  type Data = Record<string, unknown>;
  app.get('/start', (req, res) => {
    (req as unknown as { session: Data }).session.shared = 'start';
    res.send('{}');
  });
  app.get('/write', async (req, res) => {
    await sleep(WORK_MS);
    (req as unknown as { session: Data }).session[`writer${req.query.i}`] = true;
    res.send('{}');
  });
  app.get('/read', (req, res) => {
    const { cookie: _cookie, ...data } = (req as unknown as { session: Data }).session;
    res.send(JSON.stringify(data));
  });
  return createServer(app);
}

const variants: Record<string, () => Promise<Server>> = {
  'coatcheck/node sqlite': async () => coatcheckServer(coatcheckSqlite()),
  'coatcheck/node postgres': async () => coatcheckServer(await coatcheckPostgres()),
  'express-session better-sqlite3-session-store': async () =>
    expressSessionServer(expressSessionSqlite()),
  'express-session connect-pg-simple': async () =>
    expressSessionServer(await expressSessionPostgres()),
  'coatcheck/node redis': async () => coatcheckServer(coatcheckRedis()),
  'express-session connect-redis': async () => expressSessionServer(await expressSessionRedis()),
};

async function start(variant: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv,
  });
  if (child.stdout === null) throw new Error('server has no stdout');
  const data = await Promise.race([
    once(child.stdout, 'data').then(([chunk]) => chunk as Buffer),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the ${variant} server exited (${code}) before listening`);
    }),
  ]);
  return { child, url: `http://127.0.0.1:${data.toString().trim()}` };
}

/** Runs the workload against one server; returns how many writers' keys the session kept. */
async function keptKeys(url: string): Promise<number> {
  const first = await fetch(`${url}/start`);
  await first.text();
  const cookie = first.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, i) => {
      const response = await fetch(`${url}/write?i=${i}`, { headers: { cookie } });
      await response.text();
      if (!response.ok) throw new Error(`writer ${i}: HTTP ${response.status}`);
    }),
  );
  const read = await fetch(`${url}/read`, { headers: { cookie } });
  const data = JSON.parse(await read.text()) as Record<string, unknown>;
  return Object.keys(data).filter((key) => key.startsWith('writer')).length;
}

/** `npm run bench -- lost-updates`: the table of keys kept per store. */
export async function runLostUpdatesBench(): Promise<SectionReport> {
  console.log('\nLost updates');
  const rows: string[][] = [];
  for (const variant of Object.keys(variants)) {
    let child: ChildProcess | undefined;
    try {
      const server = await start(variant);
      child = server.child;
      rows.push([variant, `${await keptKeys(server.url)} of ${WRITERS}`]);
    } catch (error) {
      console.log(`  ${variant}: skipped (${(error as Error).message.split('\n')[0]})`);
    } finally {
      if (child !== undefined) {
        child.kill();
        await once(child, 'exit');
      }
    }
  }
  return {
    title: 'Lost updates',
    body: [
      `${WRITERS} concurrent requests on one session over HTTP, each setting a key of its own ` +
        `after ${WORK_MS} ms of work, then one request reading the session back.`,
      markdownTable([{ header: 'server' }, { header: 'keys kept', align: 'right' }], rows),
    ].join('\n\n'),
  };
}

if (import.meta.main && process.argv[2] === 'serve') {
  const make = variants[process.argv[3] ?? ''];
  if (make === undefined) {
    console.error(`unknown variant; one of: ${Object.keys(variants).join(', ')}`);
    process.exit(2);
  }
  const server = await make();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
}
