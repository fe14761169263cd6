/**
 * `coatcheck/stores/sqlite`: sessions in an SQLite file on Django's `django_session` table,
 * through Node's built-in `node:sqlite` (no native build, nothing to install). The embedded
 * default: `createSessions({ secretKey })` without an engine keeps sessions in
 * `.coatcheck/sessions.sqlite3`.
 *
 * The database opens on first use, creating its directory and the table; it runs in WAL mode
 * (readers never wait for the writer) with a busy timeout, so several processes can share one
 * file, and every statement is prepared once and reused. A Django project pointed at the same
 * file (`USE_TZ = True`) shares the sessions: `expire_date` is written as Django writes it.
 *
 * `node:sqlite` is synchronous: each statement runs on the event loop thread. Session
 * statements take microseconds, so this is faster than a round trip to a server; a request
 * waiting on another process's write lock waits up to `busyTimeout` on that thread.
 *
 * @module
 */

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ImproperlyConfigured, StoreUnavailable } from '../../errors.ts';
import {
  djangoDateText,
  errorCode,
  readDateText,
  type SqlClient,
  type SqlDialect,
  type SqlErrorKind,
  type SqlRow,
  type SqlValue,
  type TableName,
} from './dialect.ts';
import { DEFAULT_TABLE, parseTableName, sessionTableDdl } from './schema.ts';
import { createSqlStore, type SqlSessionStore } from './sql-store.ts';

export type {
  ClearExpiredOptions,
  ClearProgress,
  MigrateResult,
  RowsOptions,
  SessionCounts,
  SessionRow,
  SqlSessionStore,
} from './sql-store.ts';

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The database file, resolved against the working directory when the store is made; its
   * directory is created on first use. `':memory:'` keeps a private database in this process.
   */
  path: string;
  /** The session table: Django's, unless the Django project uses a custom session model. @default 'django_session' */
  table?: string | undefined;
  /**
   * Create the table (and its index, as Django's migration does) on first use when it is
   * missing. An existing table is never changed. @default true
   */
  autoMigrate?: boolean | undefined;
  /**
   * How long, in milliseconds, a statement waits for another connection's write lock before
   * the store reports `StoreUnavailable`. @default 5000
   */
  busyTimeout?: number | undefined;
  /**
   * SQLite's `synchronous` setting. `'NORMAL'` (WAL's usual companion) never corrupts the file
   * and survives a crashed process; a power cut may lose the last moments of writes. `'FULL'`
   * syncs every commit to disk. @default 'NORMAL'
   */
  synchronous?: 'NORMAL' | 'FULL' | undefined;
}

// SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE (extended result codes).
const DUPLICATE_KEY_CODES = new Set([1555, 2067]);

/** How SQLite spells the session store's SQL, as Django's sqlite3 backend does. */
export const sqliteDialect: SqlDialect = Object.freeze({
  name: 'sqlite' as const,
  // Django's SQLite backend sets no limit and shortens index names past 200 characters.
  maxIdentifierLength: 200,
  quote: (identifier: string) => `"${identifier}"`,
  // Numbered, so a statement can use one parameter twice.
  placeholder: (index: number) => `?${index}`,
  // Text, compared as text: exactly Django's form, or expiry comparisons go wrong.
  dateValue: djangoDateText,
  selectDate: (column: string) => column,
  readDate: (value: unknown) => readDateText(String(value)),
  upsertTail: (key: string, columns: readonly string[]) =>
    `ON CONFLICT (${key}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  deleteExpiredBatch: (table: string, limit: number) =>
    `DELETE FROM ${table} WHERE "expire_date" < ?1 AND "session_key" IN ` +
    `(SELECT "session_key" FROM ${table} WHERE "expire_date" < ?1 LIMIT ${limit})`,
  classify(error: unknown): SqlErrorKind {
    const { errcode, message } = (error ?? {}) as { errcode?: unknown; message?: unknown };
    if (errorCode(error) !== 'ERR_SQLITE_ERROR') return 'unavailable';
    if (typeof errcode === 'number' && DUPLICATE_KEY_CODES.has(errcode)) return 'duplicate-key';
    if (typeof message === 'string' && message.startsWith('no such table')) return 'missing-table';
    return 'unavailable';
  },
});

type SqliteModule = typeof import('node:sqlite');

function loadSqlite(): SqliteModule {
  // Loaded on first use, not on import: `coatcheck` itself imports this file for its default
  // engine, and Node 22 warns that node:sqlite is experimental whenever it is loaded.
  const sqlite = process.getBuiltinModule?.('node:sqlite') as SqliteModule | undefined;
  if (sqlite === undefined) {
    throw new ImproperlyConfigured(
      `coatcheck: sqliteStore needs node:sqlite, which this Node.js (${process.version}) lacks; ` +
        'use Node.js 22.13 or later, or pass another engine to createSessions',
    );
  }
  return sqlite;
}

/** A prepared statement, and which argument each of its anonymous parameters takes. */
interface Prepared {
  statement: StatementSync;
  order: readonly number[];
}

// Node.js 22.13's node:sqlite binds arguments to anonymous "?" parameters only: a numbered
// "?1" fails with "column index out of range". So "?N" is rewritten to "?", and the arguments
// are passed in the order the parameters appear, repeated where one is used twice.
function anonymousParameters(sql: string): { sql: string; order: number[] } {
  const order: number[] = [];
  const rewritten = sql.replace(/\?(\d+)/g, (_, index: string) => {
    order.push(Number(index) - 1);
    return '?';
  });
  return { sql: rewritten, order };
}

function argumentsFor(prepared: Prepared, params: readonly SqlValue[]): SqlValue[] {
  return prepared.order.length === 0 ? [...params] : prepared.order.map((i) => params[i] ?? null);
}

// SQLITE_CONSTRAINT: a failed statement that SQLite undoes alone, leaving the transaction open.
const SQLITE_CONSTRAINT = 19;

/** A write waiting for the next group commit. */
interface PendingWrite {
  statement: StatementSync;
  params: readonly SqlValue[];
  resolve(changes: number): void;
  reject(error: unknown): void;
}

/**
 * One connection to one database file; statements prepared once, kept for reuse.
 *
 * Writes are committed in groups: the writes requested while the event loop is busy run
 * together in one transaction on its next turn, and each resolves once that transaction is
 * committed. A commit, not a statement, is what costs (a WAL append and its bookkeeping), so
 * thirty-two concurrent saves cost about what four did one at a time. Each write keeps its own
 * outcome: one that breaks a constraint (a taken key) fails alone.
 */
class SqliteClient implements SqlClient {
  readonly #path: string;
  readonly #pragmas: readonly string[];
  readonly #ddl: readonly string[] | undefined;
  readonly #tableName: string;
  readonly #statements = new Map<string, Prepared>();
  #pending: PendingWrite[] = [];
  #db: DatabaseSync | undefined;
  #closed = false;

  constructor(
    path: string,
    pragmas: readonly string[],
    table: TableName,
    ddl: readonly string[] | undefined,
  ) {
    this.#path = path;
    this.#pragmas = pragmas;
    this.#tableName = table.table;
    this.#ddl = ddl;
  }

  get #database(): DatabaseSync {
    if (this.#db !== undefined) return this.#db;
    if (this.#closed) throw new StoreUnavailable('coatcheck: the sqlite store is closed');
    const { DatabaseSync } = loadSqlite();
    if (this.#path !== ':memory:') mkdirSync(dirname(this.#path), { recursive: true });
    const db = new DatabaseSync(this.#path);
    try {
      for (const pragma of this.#pragmas) db.exec(pragma);
      // The embedded default makes its table before the first statement needs it, whatever
      // calls first (a request, or the CLI).
      if (this.#ddl !== undefined && !this.#exists(db)) this.#transaction(db, this.#ddl);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    return db;
  }

  #exists(db: DatabaseSync, table = this.#tableName): boolean {
    const sql = `SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?`;
    return db.prepare(sql).get(table) !== undefined;
  }

  #transaction(db: DatabaseSync, statements: readonly string[]): void {
    // IMMEDIATE takes the write lock at once, so two processes making the table take turns.
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const statement of statements) db.exec(statement);
      db.exec('COMMIT');
    } catch (error) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite already rolled back; the error that made it is the one to report.
      }
      throw error;
    }
  }

  #prepared(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) {
      const anonymous = anonymousParameters(sql);
      prepared = { statement: this.#database.prepare(anonymous.sql), order: anonymous.order };
      this.#statements.set(sql, prepared);
    }
    return prepared;
  }

  async query(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]> {
    const prepared = this.#prepared(sql);
    return prepared.statement.all(...argumentsFor(prepared, params)) as SqlRow[];
  }

  async run(sql: string, sqlParams: readonly SqlValue[]): Promise<number> {
    const prepared = this.#prepared(sql);
    const { statement } = prepared;
    const params = argumentsFor(prepared, sqlParams);
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ statement, params, resolve, reject }) === 1) {
        setImmediate(() => this.#commit());
      }
    });
  }

  #commit(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    let db: DatabaseSync;
    try {
      db = this.#database;
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      // Alone: SQLite's own implicit transaction is the same thing, two statements cheaper.
      try {
        only.resolve(Number(only.statement.run(...only.params).changes));
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    const done: [PendingWrite, number][] = [];
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const write of batch) {
        try {
          done.push([write, Number(write.statement.run(...write.params).changes)]);
        } catch (error) {
          const { errcode } = error as { errcode?: unknown };
          if (typeof errcode !== 'number' || (errcode & 0xff) !== SQLITE_CONSTRAINT) throw error;
          write.reject(error);
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      // Nothing of the group was committed: every write fails (one that already failed alone
      // keeps its own error; a promise settles once).
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite already rolled back (an I/O error does), or BEGIN itself failed.
      }
      for (const write of batch) write.reject(error);
      return;
    }
    for (const [write, changes] of done) write.resolve(changes);
  }

  async script(statements: readonly string[]): Promise<void> {
    this.#transaction(this.#database, statements);
  }

  async tableExists(name: TableName): Promise<boolean> {
    return this.#exists(this.#database, name.table);
  }

  async close(): Promise<void> {
    this.#commit(); // writes already asked for are not dropped
    this.#closed = true;
    this.#statements.clear();
    this.#db?.close();
    this.#db = undefined;
  }
}

function checkOptions(options: SqliteStoreOptions): void {
  if (typeof options !== 'object' || options === null || typeof options.path !== 'string') {
    throw new TypeError(
      "coatcheck: sqliteStore needs a path, e.g. sqliteStore({ path: 'sessions.sqlite3' })",
    );
  }
  if (options.path === '') {
    throw new TypeError(
      "coatcheck: sqliteStore path is empty; name a file, or ':memory:' for a private database",
    );
  }
  const timeout = options.busyTimeout;
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 0)) {
    throw new TypeError(
      `coatcheck: sqliteStore busyTimeout must be a whole number of milliseconds, got ${String(timeout)}`,
    );
  }
  const { synchronous } = options;
  if (synchronous !== undefined && synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new TypeError(
      `coatcheck: sqliteStore synchronous must be 'NORMAL' or 'FULL', got ${String(synchronous)}`,
    );
  }
}

/**
 * A store that keeps sessions in an SQLite file, on Django's session table. Opens nothing
 * until first used.
 *
 * @example
 * const sessions = createSessions({
 *   secretKey,
 *   engine: sqliteStore({ path: '/var/lib/myapp/sessions.sqlite3' }),
 * });
 */
export function sqliteStore(options: SqliteStoreOptions): SqlSessionStore {
  checkOptions(options);
  // A Node.js without node:sqlite fails here, at startup, rather than at the first request.
  loadSqlite();
  const table = parseTableName(options.table ?? DEFAULT_TABLE, sqliteDialect);
  const autoMigrate = options.autoMigrate ?? true;
  const path = options.path === ':memory:' ? options.path : resolve(options.path);
  const pragmas = [
    // First, so that switching to WAL waits for another process's lock instead of failing.
    `PRAGMA busy_timeout = ${options.busyTimeout ?? 5000}`,
    'PRAGMA journal_mode = WAL',
    `PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'}`,
  ];
  const ddl = autoMigrate
    ? sessionTableDdl(sqliteDialect, table, { ifNotExists: true })
    : undefined;
  return createSqlStore({
    dialect: sqliteDialect,
    client: new SqliteClient(path, pragmas, table, ddl),
    table,
    autoMigrate,
  });
}
