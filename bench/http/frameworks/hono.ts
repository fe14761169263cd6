/**
 * Visit counters on Hono 4 served by @hono/node-server: none, coatcheck's, hono-sessions'
 * (memory and cookie stores), @hono/session's (an encrypted cookie).
 */
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { type SessionEnv, useSession } from '@hono/session';
import { Hono } from 'hono';
import { CookieStore, MemoryStore, type Session, sessionMiddleware } from 'hono-sessions';
import {
  sessionMiddleware as coatcheckMiddleware,
  type SessionVariables,
} from '../../../src/adapters/hono.ts';
import { createSessions } from '../../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../../src/session/engine.ts';
import type { SessionStore } from '../../../src/stores/store.ts';
import { AGE_SECONDS, SECRET, type Visits } from './visits.ts';

const serve = (app: { fetch: (request: Request) => Response | Promise<Response> }): Server =>
  createAdaptorServer({ fetch: app.fetch }) as Server;

export function bare(): Server {
  const app = new Hono();
  let visits = 0;
  app.get('/', (c) => c.text(String(++visits)));
  return serve(app);
}

export function coatcheck(engine: SessionStore | EngineProvider): Server {
  const sessions = createSessions<Visits>({ secretKey: SECRET, engine });
  const app = new Hono<{ Variables: SessionVariables<Visits> }>();
  app.use(coatcheckMiddleware(sessions));
  app.get('/', async (c) => {
    const session = await c.var.session();
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return c.text(String(visits));
  });
  return serve(app);
}

/**
 * hono-sessions on its MemoryStore (the session id in the cookie as it is, like coatcheck's
 * key: its optional encryption of the id is left off) or its CookieStore (the data sealed
 * with iron in the cookie, the key it requires).
 */
export function honoSessionsApp(store: 'memory' | 'cookie'): Server {
  const app = new Hono<{ Variables: { session: Session<Visits> } }>();
  const cookieOptions = { sameSite: 'Lax', path: '/', httpOnly: true } as const;
  app.use(
    store === 'memory'
      ? sessionMiddleware({
          store: new MemoryStore(),
          expireAfterSeconds: AGE_SECONDS,
          cookieOptions,
        })
      : sessionMiddleware({
          store: new CookieStore(),
          encryptionKey: SECRET,
          expireAfterSeconds: AGE_SECONDS,
          cookieOptions,
        }),
  );
  app.get('/', (c) => {
    const session = c.get('session');
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return c.text(String(visits));
  });
  return serve(app);
}

/** @hono/session: the data in a JSON Web Encryption cookie (jose, A256GCM, its key from HKDF). */
export function honoSessionApp(): Server {
  const app = new Hono<SessionEnv<Partial<Visits>>>();
  app.use(useSession<Partial<Visits>>({ secret: SECRET, duration: { absolute: AGE_SECONDS } }));
  app.get('/', async (c) => {
    const data = await c.var.session.get();
    const visits = (data?.visits ?? 0) + 1;
    await c.var.session.update({ visits });
    return c.text(String(visits));
  });
  return serve(app);
}
