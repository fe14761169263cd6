/**
 * Live sessions made fast for the scaling section: the keys written to a file (which the wrk
 * script and the memory server read), and the database tables filled in one transaction with
 * copies, one under each key, of a session coatcheck itself wrote.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { SESSION_KEY_LENGTH, VALID_KEY_CHARS } from '../../src/session/keys.ts';
import { postgresStore } from '../../src/stores/sql/postgres.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { SECRET } from '../http/frameworks/visits.ts';
import { BENCH_POSTGRES } from '../lib/stores.ts';

/** The SQLite table: Django's name, in a file of the case's own. */
const SQLITE_TABLE = 'django_session';

/**
 * A session whose JSON is `bytes` long: the visit count and a note of random text. Random, so
 * that Django's compression (the database stores compress) cannot shrink it.
 */
export function sessionData(bytes: number): { visits: number; note: string } {
  const empty = JSON.stringify({ visits: 0, note: '' }).length;
  const length = Math.max(0, bytes - empty);
  return { visits: 0, note: randomBytes(length).toString('base64url').slice(0, length) };
}

/**
 * `count` new session keys, one a line in `path`; returns them. Written byte by byte into one
 * buffer: a million keys made one string at a time take seconds.
 */
export function writeKeys(path: string, count: number): string[] {
  const line = SESSION_KEY_LENGTH + 1;
  const random = randomBytes(count * SESSION_KEY_LENGTH);
  const text = Buffer.allocUnsafe(count * line);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < SESSION_KEY_LENGTH; i++) {
      const byte = random[k * SESSION_KEY_LENGTH + i] ?? 0;
      text[k * line + i] = VALID_KEY_CHARS.charCodeAt(byte % VALID_KEY_CHARS.length);
    }
    text[k * line + SESSION_KEY_LENGTH] = 0x0a;
  }
  writeFileSync(path, text);
  return text.toString('latin1').split('\n', count);
}

// One session written by coatcheck through its public API, so the copies carry exactly what a
// request would find (Django's encoding under the benchmark's secret, a two-week expiry).
async function writeSeed(store: SessionStore, data: object): Promise<string> {
  const sessions = createSessions({ secretKey: SECRET, engine: store });
  try {
    const session = await sessions.open();
    for (const [name, value] of Object.entries(data)) session.set(name, value);
    return await session.save();
  } finally {
    await sessions.close();
  }
}

const COPY = (table: string) =>
  `INSERT INTO ${table} (session_key, session_data, expire_date) ` +
  `SELECT k, s.session_data, s.expire_date FROM`;

// Keys per statement: a statement per key costs more than the insert itself.
const BATCH = 50_000;

// Inserted in key order, each row lands at the end of the primary key's index instead of at a
// random page of it, which makes a million rows a good deal faster to insert.
const inKeyOrder = (keys: readonly string[]) => [...keys].sort();

/** A SQLite file at `path` holding a live session under each key. */
export async function fillSqlite(path: string, keys: readonly string[], data: object) {
  const sorted = inKeyOrder(keys);
  const seed = await writeSeed(sqliteStore({ path }), data);
  const db = new DatabaseSync(path);
  const copy = db.prepare(
    `${COPY(SQLITE_TABLE)} (SELECT value AS k FROM json_each(?)), ${SQLITE_TABLE} AS s ` +
      'WHERE s.session_key = ?',
  );
  db.exec('BEGIN');
  for (let i = 0; i < sorted.length; i += BATCH) {
    copy.run(JSON.stringify(sorted.slice(i, i + BATCH)), seed);
  }
  db.prepare(`DELETE FROM ${SQLITE_TABLE} WHERE session_key = ?`).run(seed);
  db.exec('COMMIT');
  db.close();
}

/** The PostgreSQL table `table`, made anew, holding a live session under each key. */
export async function fillPostgres(table: string, keys: readonly string[], data: object) {
  const sorted = inKeyOrder(keys);
  await dropPostgres([table]);
  const store = postgresStore({ url: BENCH_POSTGRES }, { table });
  await store.migrate();
  const seed = await writeSeed(store, data);
  const client = new pg.Client({ connectionString: BENCH_POSTGRES });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (let i = 0; i < sorted.length; i += BATCH) {
      await client.query(
        `${COPY(table)} unnest($1::text[]) AS k, ${table} AS s WHERE s.session_key = $2`,
        [sorted.slice(i, i + BATCH), seed],
      );
    }
    await client.query(`DELETE FROM ${table} WHERE session_key = $1`, [seed]);
    await client.query('COMMIT');
    await client.query(`ANALYZE ${table}`);
  } finally {
    await client.end();
  }
}

/** Drops the tables the section made. */
export async function dropPostgres(tables: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES });
  await client.connect();
  try {
    for (const table of tables) await client.query(`DROP TABLE IF EXISTS ${table}`);
  } finally {
    await client.end();
  }
}
