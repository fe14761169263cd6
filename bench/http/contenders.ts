/**
 * Every server the HTTP section measures, each the same visit counter (read the count, add
 * one, write it back), described by the framework it runs on, the kind of store its sessions
 * live in, and its role: a framework with no sessions, a hand-written "line", coatcheck, or a
 * peer (the session library that framework's users reach for). The report compares coatcheck
 * with each peer on the same framework and kind of store, and each with its bare framework.
 *
 * The factories load their framework only when called, in the server process, so one server's
 * start does not pay for importing every framework.
 *
 * Adding a contender is one entry here. Next.js is one app for all its contenders
 * (bench/http/next-app/, a route handler each), built by `prepare` in the bench's process
 * before the first round; each entry names its route's `path`.
 */
import type { Server } from 'node:http';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import { SECRET } from './frameworks/visits.ts';

export type Framework = 'node:http' | 'Express' | 'Fastify' | 'Koa' | 'Hono' | 'Next.js';

/** Where the session data lives: `cookie` is the data itself in the cookie, signed or sealed. */
export type StoreKind = 'none' | 'memory' | 'cookie' | 'SQLite' | 'PostgreSQL' | 'Redis';

export type Role = 'bare' | 'line' | 'coatcheck' | 'peer';

export interface Contender {
  name: string;
  framework: Framework;
  store: StoreKind;
  role: Role;
  /** The npm packages it runs on besides coatcheck, for the report's list of versions. */
  packages: readonly string[];
  /** Builds the server (not yet listening), in the server process. */
  server(): Server | Promise<Server>;
  /** The counter's path on that server. @default '/' */
  path?: string;
  /** Work done once, in the bench's own process, before the first round (a build, say). */
  prepare?(): Promise<void>;
  /** How it is set up where a reader could ask whether the comparison is fair. */
  note?: string;
}

const node = () => import('./frameworks/node.ts');
const lines = () => import('./lines.ts');
const express = () => import('./frameworks/express.ts');
const fastify = () => import('./frameworks/fastify.ts');
const koa = () => import('./frameworks/koa.ts');
const hono = () => import('./frameworks/hono.ts');
const nextjs = () => import('./frameworks/next.ts');
const stores = () => import('../lib/stores.ts');

export const contenders: readonly Contender[] = [
  // node:http
  {
    name: 'node:http (no sessions)',
    framework: 'node:http',
    store: 'none',
    role: 'bare',
    packages: [],
    server: async () => (await node()).bare(),
  },
  {
    name: 'line node:http memory',
    framework: 'node:http',
    store: 'memory',
    role: 'line',
    packages: ['cookie'],
    server: async () => (await lines()).memoryLine(),
    note: "hand-written on node:http (bench/http/lines.ts): the `cookie` package's parser, a Map of JSON text, the same headers as coatcheck; the least work the same bytes on the wire could take.",
  },
  {
    name: 'coatcheck/node memory',
    framework: 'node:http',
    store: 'memory',
    role: 'coatcheck',
    packages: [],
    server: async () => (await node()).coatcheck(memoryStore()),
  },
  {
    name: 'line node:http signed-cookie',
    framework: 'node:http',
    store: 'cookie',
    role: 'line',
    packages: ['cookie'],
    server: async () => (await lines()).signedCookieLine(SECRET),
    note: 'hand-written: base64url JSON and an HMAC-SHA256 prepared once, checked in constant time.',
  },
  {
    name: 'coatcheck/node signed-cookie',
    framework: 'node:http',
    store: 'cookie',
    role: 'coatcheck',
    packages: [],
    server: async () => (await node()).coatcheck(signedCookies()),
  },
  {
    name: 'iron-session node:http',
    framework: 'node:http',
    store: 'cookie',
    role: 'peer',
    packages: ['iron-session'],
    server: async () => (await node()).ironSession(),
    note: 'the data sealed with iron (AES-256-CBC and HMAC-SHA256) in the cookie.',
  },
  {
    name: 'line node:http sqlite',
    framework: 'node:http',
    store: 'SQLite',
    role: 'line',
    packages: ['cookie'],
    server: async () => (await lines()).sqliteLine(),
    note: 'hand-written: one prepared SELECT by primary key and one UPDATE per request on node:sqlite (WAL), each committed on its own.',
  },
  {
    name: 'coatcheck/node sqlite',
    framework: 'node:http',
    store: 'SQLite',
    role: 'coatcheck',
    packages: [],
    server: async () => (await node()).coatcheck((await stores()).coatcheckSqlite()),
  },
  {
    name: 'coatcheck/node postgres',
    framework: 'node:http',
    store: 'PostgreSQL',
    role: 'coatcheck',
    packages: ['pg'],
    server: async () => (await node()).coatcheck(await (await stores()).coatcheckPostgres()),
  },
  {
    name: 'line node:http + redis',
    framework: 'node:http',
    store: 'Redis',
    role: 'line',
    packages: ['cookie', 'redis'],
    server: async () => (await lines()).redisLine(await (await stores()).benchRedisClient()),
    note: 'hand-written: one GET and one SET with PX through node-redis.',
  },
  {
    name: 'coatcheck/node redis',
    framework: 'node:http',
    store: 'Redis',
    role: 'coatcheck',
    packages: ['redis'],
    server: async () => (await node()).coatcheck((await stores()).coatcheckRedis()),
  },
  // Express
  {
    name: 'express (no sessions)',
    framework: 'Express',
    store: 'none',
    role: 'bare',
    packages: ['express'],
    server: async () => (await express()).bare(),
  },
  {
    name: 'coatcheck/express memory',
    framework: 'Express',
    store: 'memory',
    role: 'coatcheck',
    packages: ['express'],
    server: async () => (await express()).coatcheck(memoryStore()),
  },
  {
    name: 'express-session MemoryStore',
    framework: 'Express',
    store: 'memory',
    role: 'peer',
    packages: ['express', 'express-session'],
    server: async () => (await express()).expressSessionApp(undefined),
    note: '`resave: false, saveUninitialized: false`, its own MemoryStore (JSON text per session).',
  },
  {
    name: 'coatcheck/express-session memory',
    framework: 'Express',
    store: 'memory',
    role: 'coatcheck',
    packages: ['express'],
    server: async () => (await express()).coatcheckExpressSession(memoryStore()),
    note: "express-session's route, unchanged, on coatcheck's compat mode.",
  },
  {
    name: 'coatcheck/express signed-cookie',
    framework: 'Express',
    store: 'cookie',
    role: 'coatcheck',
    packages: ['express'],
    server: async () => (await express()).coatcheck(signedCookies()),
  },
  {
    name: 'cookie-session express',
    framework: 'Express',
    store: 'cookie',
    role: 'peer',
    packages: ['express', 'cookie-session'],
    server: async () => (await express()).cookieSessionApp(),
    note: 'the data as base64 JSON in one cookie and its Keygrip signature (HMAC-SHA1) in a second.',
  },
  {
    name: 'coatcheck/express sqlite',
    framework: 'Express',
    store: 'SQLite',
    role: 'coatcheck',
    packages: ['express'],
    server: async () => (await express()).coatcheck((await stores()).coatcheckSqlite()),
  },
  {
    name: 'express-session better-sqlite3-session-store',
    framework: 'Express',
    store: 'SQLite',
    role: 'peer',
    packages: ['express', 'express-session', 'better-sqlite3-session-store'],
    server: async () =>
      (await express()).expressSessionApp((await stores()).expressSessionSqlite()),
    note: "the fastest express-session SQLite store we measured, run on node:sqlite's DatabaseSync (WAL, synchronous NORMAL, as coatcheck's).",
  },
  {
    name: 'coatcheck/express-session sqlite',
    framework: 'Express',
    store: 'SQLite',
    role: 'coatcheck',
    packages: ['express'],
    server: async () =>
      (await express()).coatcheckExpressSession((await stores()).coatcheckSqlite()),
    note: "express-session's route, unchanged, on coatcheck's compat mode.",
  },
  {
    name: 'coatcheck/express postgres',
    framework: 'Express',
    store: 'PostgreSQL',
    role: 'coatcheck',
    packages: ['express', 'pg'],
    server: async () => (await express()).coatcheck(await (await stores()).coatcheckPostgres()),
  },
  {
    name: 'express-session connect-pg-simple',
    framework: 'Express',
    store: 'PostgreSQL',
    role: 'peer',
    packages: ['express', 'express-session', 'connect-pg-simple', 'pg'],
    server: async () =>
      (await express()).expressSessionApp(await (await stores()).expressSessionPostgres()),
  },
  {
    name: 'coatcheck/express redis',
    framework: 'Express',
    store: 'Redis',
    role: 'coatcheck',
    packages: ['express', 'redis'],
    server: async () => (await express()).coatcheck((await stores()).coatcheckRedis()),
  },
  {
    name: 'express-session connect-redis',
    framework: 'Express',
    store: 'Redis',
    role: 'peer',
    packages: ['express', 'express-session', 'connect-redis', 'redis'],
    server: async () =>
      (await express()).expressSessionApp(await (await stores()).expressSessionRedis()),
  },
  // Fastify
  {
    name: 'fastify (no sessions)',
    framework: 'Fastify',
    store: 'none',
    role: 'bare',
    packages: ['fastify'],
    server: async () => (await fastify()).bare(),
  },
  {
    name: 'coatcheck/fastify memory',
    framework: 'Fastify',
    store: 'memory',
    role: 'coatcheck',
    packages: ['fastify', 'fastify-plugin'],
    server: async () => (await fastify()).coatcheck(memoryStore()),
  },
  {
    name: '@fastify/session MemoryStore',
    framework: 'Fastify',
    store: 'memory',
    role: 'peer',
    packages: ['fastify', '@fastify/session', '@fastify/cookie'],
    server: async () => (await fastify()).fastifySessionApp(),
    note: 'its default MemoryStore (session objects in a Map), with @fastify/cookie; `saveUninitialized: false`, and `secure: false` so the cookie comes back over plain HTTP.',
  },
  // Koa
  {
    name: 'koa (no sessions)',
    framework: 'Koa',
    store: 'none',
    role: 'bare',
    packages: ['koa'],
    server: async () => (await koa()).bare(),
  },
  {
    name: 'coatcheck/koa memory',
    framework: 'Koa',
    store: 'memory',
    role: 'coatcheck',
    packages: ['koa'],
    server: async () => (await koa()).coatcheck(memoryStore()),
  },
  {
    name: 'koa-session external memory store',
    framework: 'Koa',
    store: 'memory',
    role: 'peer',
    packages: ['koa', 'koa-session'],
    server: async () => (await koa()).koaSessionApp('memory'),
    note: "koa-session ships no server-side store: this one is a Map of JSON text written for the benchmark, as express-session's MemoryStore and coatcheck's memory store keep theirs.",
  },
  {
    name: 'coatcheck/koa signed-cookie',
    framework: 'Koa',
    store: 'cookie',
    role: 'coatcheck',
    packages: ['koa'],
    server: async () => (await koa()).coatcheck(signedCookies()),
  },
  {
    name: 'koa-session cookie',
    framework: 'Koa',
    store: 'cookie',
    role: 'peer',
    packages: ['koa', 'koa-session'],
    server: async () => (await koa()).koaSessionApp('cookie'),
    note: "its default: the data as base64 JSON in the cookie, signed by Koa's Keygrip in a second cookie.",
  },
  // Hono
  {
    name: 'hono (no sessions)',
    framework: 'Hono',
    store: 'none',
    role: 'bare',
    packages: ['hono', '@hono/node-server'],
    server: async () => (await hono()).bare(),
  },
  {
    name: 'coatcheck/hono memory',
    framework: 'Hono',
    store: 'memory',
    role: 'coatcheck',
    packages: ['hono', '@hono/node-server'],
    server: async () => (await hono()).coatcheck(memoryStore()),
  },
  {
    name: 'hono-sessions MemoryStore',
    framework: 'Hono',
    store: 'memory',
    role: 'peer',
    packages: ['hono', '@hono/node-server', 'hono-sessions'],
    server: async () => (await hono()).honoSessionsApp('memory'),
    note: "the session id sent as it is, like coatcheck's key (its optional encryption of the id left off).",
  },
  {
    name: 'coatcheck/hono signed-cookie',
    framework: 'Hono',
    store: 'cookie',
    role: 'coatcheck',
    packages: ['hono', '@hono/node-server'],
    server: async () => (await hono()).coatcheck(signedCookies()),
  },
  {
    name: 'hono-sessions CookieStore',
    framework: 'Hono',
    store: 'cookie',
    role: 'peer',
    packages: ['hono', '@hono/node-server', 'hono-sessions'],
    server: async () => (await hono()).honoSessionsApp('cookie'),
    note: 'the data sealed with iron in the cookie (the encryption key it requires).',
  },
  {
    name: '@hono/session',
    framework: 'Hono',
    store: 'cookie',
    role: 'peer',
    packages: ['hono', '@hono/node-server', '@hono/session'],
    server: async () => (await hono()).honoSessionApp(),
    note: 'the data in a JSON Web Encryption cookie (A256GCM, its key from HKDF of the secret).',
  },
  // Next.js: route handlers in one app (bench/http/next-app/)
  {
    name: 'next (no sessions)',
    framework: 'Next.js',
    store: 'none',
    role: 'bare',
    packages: ['next', 'react'],
    server: async () => (await nextjs()).server(),
    path: '/bare',
    prepare: async () => (await nextjs()).build(),
  },
  {
    name: 'coatcheck/next signed-cookie',
    framework: 'Next.js',
    store: 'cookie',
    role: 'coatcheck',
    packages: ['next', 'react'],
    server: async () => (await nextjs()).server(),
    path: '/coatcheck',
    prepare: async () => (await nextjs()).build(),
    note: "a route handler in `withSession`, its cookies set through Next's `cookies()`.",
  },
  {
    name: 'iron-session next',
    framework: 'Next.js',
    store: 'cookie',
    role: 'peer',
    packages: ['next', 'react', 'iron-session'],
    server: async () => (await nextjs()).server(),
    path: '/iron',
    prepare: async () => (await nextjs()).build(),
    note: '`getIronSession(await cookies(), ...)` in a route handler, as its documentation sets it up for the App Router: the data sealed with iron in the cookie.',
  },
];

/** The contender named `name`; throws with the list of names when there is none. */
export function contender(name: string): Contender {
  const found = contenders.find((entry) => entry.name === name);
  if (found === undefined) {
    throw new Error(
      `unknown HTTP contender ${JSON.stringify(name)}; one of: ${contenders.map((entry) => entry.name).join(', ')}`,
    );
  }
  return found;
}
