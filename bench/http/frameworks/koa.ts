/** Visit counters on Koa 3: none, coatcheck's, koa-session's (cookie, and an external store). */
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import koaSession from 'koa-session';
import { sessionMiddleware } from '../../../src/adapters/koa.ts';
import { createSessions } from '../../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../../src/session/engine.ts';
import type { SessionStore } from '../../../src/stores/store.ts';
import { AGE_SECONDS, SECRET, type Visits } from './visits.ts';

export function bare(): Server {
  const app = new Koa();
  let visits = 0;
  app.use((ctx) => {
    ctx.body = String(++visits);
  });
  return createServer(app.callback());
}

export function coatcheck(engine: SessionStore | EngineProvider): Server {
  const sessions = createSessions<Visits>({ secretKey: SECRET, engine });
  const app = new Koa();
  app.use(sessionMiddleware(sessions));
  app.use(async (ctx) => {
    const session = await ctx.session<Visits>();
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    ctx.body = String(visits);
  });
  return createServer(app.callback());
}

/**
 * A Map of JSON text as koa-session's external store, as express-session's MemoryStore and
 * coatcheck's keep theirs: what crosses a store boundary is serialised, and a load is a copy.
 */
function mapStore() {
  const records = new Map<string, string>();
  return {
    get: async (key: string) => {
      const json = records.get(key);
      return json === undefined ? undefined : JSON.parse(json);
    },
    set: async (key: string, session: unknown) => void records.set(key, JSON.stringify(session)),
    destroy: async (key: string) => void records.delete(key),
  };
}

/**
 * koa-session with its default store, the data itself in a base64 cookie signed by Koa's
 * Keygrip (a second cookie), or with `store: 'memory'`, a key in the cookie and the data in an
 * external store.
 */
export function koaSessionApp(store: 'cookie' | 'memory'): Server {
  const app = new Koa();
  app.keys = [SECRET];
  const options = { key: 'koa.sess', maxAge: AGE_SECONDS * 1000 };
  app.use(koaSession(store === 'memory' ? { ...options, store: mapStore() } : options, app));
  app.use((ctx) => {
    const session = ctx.session as Partial<Visits>;
    session.visits = (session.visits ?? 0) + 1;
    ctx.body = String(session.visits);
  });
  return createServer(app.callback());
}
