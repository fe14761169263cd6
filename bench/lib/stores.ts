/**
 * The database-backed stores the benchmarks compare, made the same way for every section: a
 * fresh SQLite file per server process (WAL, synchronous NORMAL, for coatcheck and for the
 * express-session store alike) and one table per store on the local PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import sqliteStoreFactory from 'better-sqlite3-session-store';
import connectPgSimple from 'connect-pg-simple';
import { RedisStore } from 'connect-redis';
import expressSession from 'express-session';
import pg from 'pg';
import { createClient } from 'redis';
import { redisStore } from '../../src/stores/redis.ts';
import { postgresStore } from '../../src/stores/sql/postgres.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import type { SessionStore } from '../../src/stores/store.ts';

/** The PostgreSQL the benchmarks use; `COATCHECK_BENCH_POSTGRES` overrides it. */
export const BENCH_POSTGRES: string =
  process.env.COATCHECK_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The Redis the benchmarks use; `COATCHECK_BENCH_REDIS` overrides it. */
export const BENCH_REDIS: string = process.env.COATCHECK_BENCH_REDIS ?? 'redis://127.0.0.1:6379';

/** The part of an express-session store the benchmarks call themselves. */
export interface ExpressSessionStore {
  get(sid: string, callback: (error: unknown, session?: unknown) => void): void;
}

const COATCHECK_TABLE = 'coatcheck_bench_sessions';
const EXPRESS_TABLE = 'express_session_bench';

// Gone when the server process exits (the benchmarks end theirs with SIGTERM, which they turn
// into an exit), so a full run does not leave a directory behind per server started.
function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

/** coatcheck's SQLite store on a new file. */
export function coatcheckSqlite(): SessionStore {
  return sqliteStore({ path: tempFile('sessions.sqlite3') });
}

/** coatcheck's PostgreSQL store on its own pool, on a table emptied first. */
export async function coatcheckPostgres(): Promise<SessionStore> {
  const pool = new pg.Pool({ connectionString: BENCH_POSTGRES, max: 10 });
  const store = postgresStore({ pool }, { table: COATCHECK_TABLE });
  await store.migrate();
  await pool.query(`DELETE FROM ${COATCHECK_TABLE}`);
  return store;
}

/**
 * The fastest express-session store for SQLite we measured: better-sqlite3-session-store,
 * synchronous like coatcheck's. It takes any client with better-sqlite3's prepare/run/get;
 * better-sqlite3 itself needs a native build for this Node.js, node:sqlite's DatabaseSync
 * has the same methods, so it runs on that, in WAL mode with synchronous NORMAL as ours does.
 */
export function expressSessionSqlite(): ExpressSessionStore {
  const client = new DatabaseSync(tempFile('express-sessions.sqlite3'));
  client.exec('PRAGMA journal_mode = WAL');
  client.exec('PRAGMA synchronous = NORMAL');
  const SqliteStore = sqliteStoreFactory(expressSession);
  return new SqliteStore({
    client,
    expired: { clear: true, intervalMs: 3_600_000 },
  }) as ExpressSessionStore;
}

/** connect-pg-simple, the usual PostgreSQL store of express-session, on a table emptied first. */
export async function expressSessionPostgres(): Promise<ExpressSessionStore> {
  const pool = new pg.Pool({ connectionString: BENCH_POSTGRES, max: 10 });
  const PgStore = connectPgSimple(expressSession);
  const store = new PgStore({
    pool,
    tableName: EXPRESS_TABLE,
    createTableIfMissing: true,
    pruneSessionInterval: false,
  }) as ExpressSessionStore;
  // The store creates its table lazily, on its first query: make it exist before emptying it.
  await new Promise<void>((resolve, reject) =>
    store.get('warm-up', (error: unknown) => (error ? reject(error) : resolve())),
  );
  await pool.query(`DELETE FROM ${EXPRESS_TABLE}`);
  return store;
}

/** A node-redis client of the benchmark's own, connected. */
export async function benchRedisClient() {
  const client = createClient({ url: BENCH_REDIS });
  client.on('error', (error: Error) => console.error(`bench redis: ${error.message}`));
  await client.connect();
  return client;
}

/** coatcheck's Redis store on its own client, under a key prefix of the benchmark's own. */
export function coatcheckRedis(): SessionStore {
  return redisStore({ url: BENCH_REDIS }, { keyPrefix: 'coatcheck-bench' });
}

/** connect-redis, the usual Redis store of express-session, on node-redis as it asks. */
export async function expressSessionRedis(): Promise<ExpressSessionStore> {
  const client = await benchRedisClient();
  return new RedisStore({ client, prefix: 'connect-redis-bench:' }) as ExpressSessionStore;
}
