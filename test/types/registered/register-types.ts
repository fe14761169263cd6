/**
 * Compile-only checks of a registered session data type (coatcheck's `Register`), run by
 * `npm run typecheck` as a program of its own (tsconfig.json here): a registration holds for a
 * whole program, and the root program's demo and tests use the unregistered form
 * (`req.session<Data>()`). The registration is the one examples/typed-express.ts makes from
 * its Zod schema, which this program includes. Each `@ts-expect-error` line must fail to
 * compile; if one compiles, tsc reports the unused directive.
 */
import {
  createSessions,
  type RegisteredData,
  type RequestContext,
  type Session,
  type Sessions,
} from 'coatcheck';
import { sessionMiddleware as expressSessions } from 'coatcheck/express';
import { sessionPlugin } from 'coatcheck/fastify';
import { sessionMiddleware as honoSessions, type SessionVariables } from 'coatcheck/hono';
import { sessionMiddleware as koaSessions } from 'coatcheck/koa';
import { sessionMiddleware as nodeSessions, requestContext } from 'coatcheck/node';
import { memoryStore } from 'coatcheck/stores/memory';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { z } from 'zod';
import type { sessions as exampleSessions } from '../../../examples/typed-express.ts';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

/** What the example registers: its schema's output. */
type Data = {
  visits?: number | undefined;
  user?: { name: string; admin: boolean } | undefined;
};
expectType<Equal<RegisteredData, Data>>();

// createSessions takes the registered type when given neither a type nor a schema.
const sessions = createSessions({ secretKey: 'x'.repeat(50), engine: memoryStore() });
expectType<Equal<typeof sessions, Sessions<Data>>>();
expectType<Equal<typeof exampleSessions, Sessions<Data>>>();

/** Sessions that keep something else under `visits`. */
const other = createSessions<{ visits?: string }>({ secretKey: 'x'.repeat(50) });

// Express: req.session() is typed with no annotation, and takes no other type.
const app = express();
app.use(expressSessions(sessions));
// @ts-expect-error sessions of another data type than the registered one
app.use(expressSessions(other));
app.get('/', async (req) => {
  const session = await req.session();
  expectType<Equal<typeof session, Session<Data>>>();
  const visits = session.get('visits');
  expectType<Equal<typeof visits, number | undefined>>();
  session.set('user', { name: 'alice', admin: false });
  // @ts-expect-error a value of the wrong type
  session.set('visits', 'three');
  // @ts-expect-error a key the registered data does not have
  session.get('basket');
  // @ts-expect-error undefined is no value a session keeps: delete the key instead
  session.set('visits', undefined);
  // @ts-expect-error no type argument can contradict the registered type
  await req.session<{ visits: string }>();
  expectType<Equal<typeof req.coatcheck, RequestContext<Data>>>();
});

// Fastify: request.session() the same way; the plugin refuses sessions of another type.
const fastify = Fastify();
await fastify.register(sessionPlugin, { sessions });
// @ts-expect-error sessions of another data type than the registered one
await fastify.register(sessionPlugin, { sessions: other });
fastify.get('/', async (request) => {
  const session = await request.session();
  expectType<Equal<typeof session, Session<Data>>>();
  // @ts-expect-error no type argument can contradict the registered type
  await request.session<{ visits: string }>();
  return session.get('visits', 0);
});

// Koa: ctx.session() the same way.
const koa = new Koa();
koa.use(koaSessions(sessions));
// @ts-expect-error sessions of another data type than the registered one
koa.use(koaSessions(other));
koa.use(async (ctx) => {
  const session = await ctx.session();
  expectType<Equal<typeof session, Session<Data>>>();
  // @ts-expect-error a value of the wrong type
  session.set('visits', 'three');
});

// node:http's connect-style middleware: requestContext(req) gives the registered type.
nodeSessions(sessions);
// @ts-expect-error sessions of another data type than the registered one
nodeSessions(other);
export function handler(req: import('node:http').IncomingMessage): void {
  const context = requestContext(req);
  expectType<Equal<typeof context, RequestContext<Data>>>();
  // @ts-expect-error no type argument can contradict the registered type
  requestContext<{ visits: string }>(req);
}

// Hono names its variables per app; SessionVariables defaults to the registered type.
expectType<Equal<SessionVariables, SessionVariables<Data>>>();
const hono = new Hono<{ Variables: SessionVariables }>();
hono.use(honoSessions(sessions));
hono.get('/', async (c) => {
  const session = await c.var.session();
  expectType<Equal<typeof session, Session<Data>>>();
  return c.text(String(session.get('visits', 0)));
});

// Sessions whose schema outputs another type are refused where the registered type is used.
const otherSchema = createSessions({
  secretKey: 'x'.repeat(50),
  schema: z.object({ visits: z.string().optional() }),
});
// @ts-expect-error the schema's output is not the registered type
app.use(expressSessions(otherSchema));
