/** Visit counters on Fastify 5: none, coatcheck's plugin, @fastify/session's. */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyPluginCallback } from 'fastify';
import { sessionPlugin } from '../../../src/adapters/fastify.ts';
import { createSessions } from '../../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../../src/session/engine.ts';
import type { SessionStore } from '../../../src/stores/store.ts';
import { AGE_SECONDS, SECRET, type Visits } from './visits.ts';

// @fastify/session's types redeclare `request.session` (and a `Session` interface) on Fastify's
// own, which coatcheck/fastify declares too; loaded through require, its types stay out of the
// program and the slice used here is written out.
const fastifySession = createRequire(import.meta.url)('@fastify/session') as FastifyPluginCallback<{
  secret: string;
  saveUninitialized: boolean;
  cookie: { secure: boolean; maxAge: number };
}>;
type FastifySessionObject = {
  get(key: 'visits'): number | undefined;
  set(key: 'visits', value: number): void;
};

// Fastify builds its routes on ready(); its server then serves once listened on.
async function ready(app: ReturnType<typeof Fastify>): Promise<Server> {
  await app.ready();
  return app.server;
}

export function bare(): Promise<Server> {
  const app = Fastify();
  let visits = 0;
  app.get('/', async () => String(++visits));
  return ready(app);
}

export async function coatcheck(engine: SessionStore | EngineProvider): Promise<Server> {
  const sessions = createSessions<Visits>({ secretKey: SECRET, engine });
  const app = Fastify();
  await app.register(sessionPlugin, { sessions });
  app.get('/', async (request) => {
    const session = await request.session<Visits>();
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return String(visits);
  });
  return ready(app);
}

/** @fastify/session on its MemoryStore, with @fastify/cookie as it requires. */
export async function fastifySessionApp(): Promise<Server> {
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: SECRET,
    saveUninitialized: false,
    // Its cookie is Secure by default, which a browser would not send back over plain HTTP.
    cookie: { secure: false, maxAge: AGE_SECONDS * 1000 },
  });
  app.get('/', async (request) => {
    const session = request.session as unknown as FastifySessionObject;
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return String(visits);
  });
  return ready(app);
}
