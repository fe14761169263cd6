/**
 * The "lines": hand-written visit counters on bare node:http that put the same bytes on the wire
 * as coatcheck's engines (one `Set-Cookie` with Expires, HttpOnly, Max-Age, Path and SameSite,
 * plus `Vary: Cookie`) and do the least work that could: parse the Cookie header with the
 * `cookie` package, find the record, parse and re-serialise its JSON, write it back. Each is the
 * limit for its engine on this machine; coatcheck's rate divided by its line's says how much the
 * session machinery costs beyond the work itself.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseCookie } from 'cookie';
import { prepareHmac } from '../../src/signing/hmac.ts';
import type { benchRedisClient } from '../lib/stores.ts';

const COOKIE = 'sessionid';
const AGE_SECONDS = 1_209_600;
type Visits = { visits?: number };

// Expires changes once a second; building it once per second is what a careful hand would do.
let expiresSecond = 0;
let expiresText = '';
function cookieLine(value: string): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== expiresSecond) {
    expiresSecond = second;
    expiresText = new Date((second + AGE_SECONDS) * 1000).toUTCString();
  }
  return `${COOKIE}=${value}; expires=${expiresText}; HttpOnly; Max-Age=${AGE_SECONDS}; Path=/; SameSite=Lax`;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// Only new visitors take a key, once each; the modulo's slight bias is of no matter to a benchmark.
function newKey(): string {
  const bytes = randomBytes(32);
  let key = '';
  for (const byte of bytes) key += ALPHABET[byte % 36];
  return key;
}

/** A visit counter over any synchronous or asynchronous key-value record store. */
function counter(
  read: (key: string) => string | undefined | Promise<string | undefined>,
  write: (key: string, json: string, isNew: boolean) => void | Promise<void>,
): Server {
  return createServer(async (request, response) => {
    let key = parseCookie(request.headers.cookie ?? '')[COOKIE];
    let json = key === undefined ? undefined : await read(key);
    const isNew = json === undefined;
    if (isNew) {
      key = newKey();
      json = '{}';
    }
    const data = JSON.parse(json as string) as Visits;
    data.visits = (data.visits ?? 0) + 1;
    await write(key as string, JSON.stringify(data), isNew);
    response.setHeader('Set-Cookie', cookieLine(key as string));
    response.setHeader('Vary', 'Cookie');
    response.end(String(data.visits));
  });
}

/** Sessions in a Map, as coatcheck's memory store keeps them (as JSON text). */
export function memoryLine(): Server {
  const records = new Map<string, string>();
  return counter(
    (key) => records.get(key),
    (key, json) => void records.set(key, json),
  );
}

/** Django's table in SQLite: one prepared SELECT by primary key, one UPDATE (or INSERT). */
export function sqliteLine(): Server {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-line-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'line.sqlite3');
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(
    'CREATE TABLE django_session (session_key varchar(40) NOT NULL PRIMARY KEY, ' +
      'session_data text NOT NULL, expire_date datetime NOT NULL)',
  );
  const select = db.prepare(
    'SELECT session_data FROM django_session WHERE session_key = ? AND expire_date > ?',
  );
  const update = db.prepare(
    'UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ?',
  );
  const insert = db.prepare('INSERT INTO django_session VALUES (?, ?, ?)');
  const now = () => new Date().toISOString().replace('T', ' ').slice(0, 19);
  const expiry = () =>
    new Date(Date.now() + AGE_SECONDS * 1000).toISOString().replace('T', ' ').slice(0, 19);
  return counter(
    (key) => (select.get(key, now()) as { session_data: string } | undefined)?.session_data,
    (key, json, isNew) => {
      if (isNew) insert.run(key, json, expiry());
      else update.run(json, expiry(), key);
    },
  );
}

/**
 * The data itself in the cookie, signed: base64url JSON, a dot, an HMAC-SHA256 of it, checked
 * in constant time. The HMAC's key blocks are prepared once, with the helper coatcheck itself
 * signs with (`src/signing/hmac.ts`), so the line does the same cryptographic work per request.
 */
export function signedCookieLine(secret: string): Server {
  const key = createHmac('sha256', secret).update('line.signed-cookie').digest();
  const hmac = prepareHmac('sha256', key);
  const sign = (payload: string) => hmac.sign(payload);
  return createServer((request, response) => {
    const value = parseCookie(request.headers.cookie ?? '')[COOKIE];
    let data: Visits = {};
    const dot = value?.lastIndexOf('.') ?? -1;
    if (value !== undefined && dot > 0) {
      const payload = value.slice(0, dot);
      const given = Buffer.from(value.slice(dot + 1));
      const expected = Buffer.from(sign(payload));
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        data = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Visits;
      }
    }
    data.visits = (data.visits ?? 0) + 1;
    const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
    response.setHeader('Set-Cookie', cookieLine(`${payload}.${sign(payload)}`));
    response.setHeader('Vary', 'Cookie');
    response.end(String(data.visits));
  });
}

/**
 * Sessions in Redis through node-redis: one GET, one SET with a PX expiry, JSON values, as a
 * careful hand would write it on the same client coatcheck's Redis store uses.
 */
export function redisLine(client: Awaited<ReturnType<typeof benchRedisClient>>): Server {
  const ttl = AGE_SECONDS * 1000;
  return counter(
    async (key) => (await client.get(`line:${key}`)) ?? undefined,
    async (key, json) => void (await client.set(`line:${key}`, json, { PX: ttl })),
  );
}
