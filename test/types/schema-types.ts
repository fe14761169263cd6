/**
 * Compile-only checks that the data type flows from `createSessions` (its type argument, or its
 * schema's output) to every session the lifecycle and the adapters hand out, with no second
 * annotation; and that without a registered type (see registered/ for that), the globally typed
 * requests keep their type argument. Checked by tsc, never executed; each `@ts-expect-error`
 * line must fail to compile, or tsc reports the unused directive.
 */
import type { IncomingMessage } from 'node:http';
import { type } from 'arktype';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import * as v from 'valibot';
import { z } from 'zod';
import { sessionMiddleware as expressSessions } from '../../src/adapters/express.ts';
import { sessionPlugin } from '../../src/adapters/fastify.ts';
import { withSessions as fetchSessions } from '../../src/adapters/fetch.ts';
import { sessionMiddleware as honoSessions } from '../../src/adapters/hono.ts';
import { sessionMiddleware as koaSessions } from '../../src/adapters/koa.ts';
import { withSessions as nodeSessions, requestContext } from '../../src/adapters/node.ts';
import {
  createSessions,
  type RequestContext,
  type Sessions,
} from '../../src/middleware/lifecycle.ts';
import type { SessionData } from '../../src/session/data.ts';
import type { RegisteredData } from '../../src/session/register.ts';
import type { Session } from '../../src/session/session.ts';
import type { StandaloneSession } from '../../src/session/standalone-session.ts';
import type { InferSchemaOutput } from '../../src/session/standard-schema.ts';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

const secretKey = 'x'.repeat(50);

// The same data written in three schema libraries: each one's output is the session's type.
type Cart = { items?: string[] | undefined; coupon?: string | undefined };
const zodCart = z.object({ items: z.array(z.string()).optional(), coupon: z.string().optional() });
const valibotCart = v.object({
  items: v.optional(v.array(v.string())),
  coupon: v.optional(v.string()),
});
const arkCart = type({ 'items?': 'string[]', 'coupon?': 'string' });

const withZod = createSessions({ secretKey, schema: zodCart });
expectType<Equal<typeof withZod, Sessions<Cart>>>();
const withValibot = createSessions({ secretKey, schema: valibotCart });
expectType<Equal<typeof withValibot, Sessions<Cart>>>();
const withArk = createSessions({ secretKey, schema: arkCart });
// ArkType writes optional keys without `| undefined`.
expectType<Equal<typeof withArk, Sessions<{ items?: string[]; coupon?: string }>>>();
expectType<Equal<InferSchemaOutput<typeof zodCart>, Cart>>();

// An async schema (a refinement that awaits) types the same way.
const asyncCart = zodCart.refine(async (cart) => (cart.items?.length ?? 0) < 100);
const withAsync = createSessions({ secretKey, schema: asyncCart });
expectType<Equal<typeof withAsync, Sessions<Cart>>>();

// Defaults and transforms: the output type, not the input type, is the session's.
const counted = createSessions({
  secretKey,
  schema: z.object({ visits: z.number().default(0), tags: z.string().transform((s) => s.length) }),
});
expectType<Equal<typeof counted, Sessions<{ visits: number; tags: number }>>>();

// A type argument and a schema must agree.
createSessions<Cart>({ secretKey, schema: zodCart });
// @ts-expect-error the schema's output is not the data type given
createSessions<{ items?: number[] }>({ secretKey, schema: zodCart });
// @ts-expect-error a schema whose output holds a Date: JSON would give a string back
createSessions({ secretKey, schema: z.object({ lastVisit: z.date() }) });
// @ts-expect-error not a Standard Schema
createSessions({ secretKey, schema: { parse: (value: unknown) => value } });

// Without a schema, a type argument or a registration: any keys, unknown values.
const loose = createSessions({ secretKey });
expectType<Equal<RegisteredData, SessionData>>();
expectType<Equal<typeof loose, Sessions<SessionData>>>();

export async function lifecycle(): Promise<void> {
  const session = await withZod.begin(undefined).session();
  expectType<Equal<typeof session, Session<Cart>>>();
  const items = session.get('items', []);
  expectType<Equal<typeof items, string[]>>();
  // @ts-expect-error a value of the wrong type
  session.set('coupon', 42);
  // @ts-expect-error undefined is no value a session keeps: delete the key instead
  session.set('coupon', undefined);
  // @ts-expect-error nor through update
  session.update({ coupon: undefined });
  session.update({ coupon: 'SPRING' });
  const opened = await withZod.open('somekey');
  expectType<Equal<typeof opened, StandaloneSession<Cart>>>();
}

// node:http and Fetch: the handler's context has the sessions' type.
nodeSessions(withZod, async (_req, res, ctx) => {
  expectType<Equal<typeof ctx, RequestContext<Cart>>>();
  const session = await ctx.session();
  // @ts-expect-error a value of the wrong type
  session.set('items', 'apple');
  res.end();
});
fetchSessions(withValibot, async (_request, ctx) => {
  expectType<Equal<typeof ctx, RequestContext<Cart>>>();
  return new Response();
});

// Hono: an app made with the middleware carries its variables' types.
const hono = new Hono().use(honoSessions(withZod));
hono.get('/', async (c) => {
  const session = await c.var.session();
  expectType<Equal<typeof session, Session<Cart>>>();
  expectType<Equal<typeof c.var.coatcheck, RequestContext<Cart>>>();
  // @ts-expect-error a value of the wrong type
  session.set('coupon', 42);
  return c.text('ok');
});
// So does a route given the middleware.
new Hono().get('/', honoSessions(withArk), async (c) => {
  const session = await c.var.session();
  expectType<Equal<typeof session, Session<{ items?: string[]; coupon?: string }>>>();
  return c.text('ok');
});

// Express, Fastify and Koa without a registered type: as before, any sessions, and the type
// argument of session() says what the route keeps (unchecked: registering is the checked way).
const app = express();
app.use(expressSessions(withZod));
app.get('/', async (req) => {
  const untyped = await req.session();
  expectType<Equal<typeof untyped, Session<SessionData>>>();
  const typed = await req.session<Cart>();
  expectType<Equal<typeof typed, Session<Cart>>>();
  expectType<Equal<typeof req.coatcheck, RequestContext<SessionData>>>();
});
const fastify = Fastify();
await fastify.register(sessionPlugin, { sessions: withArk });
fastify.get('/', async (request) => (await request.session<Cart>()).get('items', []));
new Koa().use(koaSessions(withValibot)).use(async (ctx) => {
  const session = await ctx.session<Cart>();
  expectType<Equal<typeof session, Session<Cart>>>();
});
export function connectStyle(req: IncomingMessage): void {
  const context = requestContext<Cart>(req);
  expectType<Equal<typeof context, RequestContext<Cart>>>();
}
