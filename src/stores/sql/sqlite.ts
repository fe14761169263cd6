/**
 * `coatcheck/stores/sqlite`: sessions in an SQLite file on Django's `django_session` table,
 * through Node's built-in `node:sqlite` (no native build, nothing to install). The embedded
 * default: `createSessions({ secretKey })` without an engine keeps sessions in
 * `.coatcheck/sessions.sqlite3`.
 *
 * The database opens on first use, creating its directory (0700) and the table; its files are
 * owner-only (0600). It runs in WAL mode (readers never wait for the writer), so several
 * processes can share one file, and every statement is prepared once and reused. A Django
 * project pointed at the same file (`USE_TZ = True`) shares the sessions: `expire_date` is
 * written as Django writes it.
 *
 * `node:sqlite` is synchronous: each statement runs on the event loop thread. Session
 * statements take microseconds, so this is faster than a round trip to a server. What must not
 * run on that thread is a wait: SQLite's own busy handler sleeps the thread while another
 * process holds the write lock, which would freeze every request of this process, sessions or
 * not. So SQLite is told never to wait (`busy_timeout = 0`), and a statement that finds the
 * database locked is tried again from a timer, with growing pauses, for up to `busyTimeout`.
 *
 * @module
 */

import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ImproperlyConfigured, StoreUnavailable } from '../../errors.ts';
import type { SessionLogger } from '../../session/logger.ts';
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
   * the store reports `StoreUnavailable`. The wait is asynchronous: the event loop, and every
   * other request, carries on meanwhile. @default 5000
   */
  busyTimeout?: number | undefined;
  /**
   * SQLite's `synchronous` setting. `'NORMAL'` (WAL's usual companion) never corrupts the file
   * and survives a crashed process; a power cut may lose the last moments of writes. `'FULL'`
   * syncs every commit to disk. @default 'NORMAL'
   */
  synchronous?: 'NORMAL' | 'FULL' | undefined;
  /**
   * The permissions of the database file and its `-wal` and `-shm` files, whatever the process
   * umask: an existing file is changed to it when the store opens. Session keys in the file are
   * as good as logins, so other local users get nothing by default; `0o660` shares the file
   * with the owner's group (a Django process, say). The owner needs read and write. Directories
   * the store creates are always `0700`. @default 0o600
   */
  fileMode?: number | undefined;
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

// Owner only, as the file store's session files: a session key read from the file is a login.
const DIRECTORY_MODE = 0o700;
const DEFAULT_FILE_MODE = 0o600;

/**
 * Makes the database's directory (0700, each level the store creates, whatever the umask) and
 * the database file itself with `mode` before SQLite opens it: SQLite gives the `-wal` and
 * `-shm` files it creates the database file's mode. A directory that exists is the owner's
 * choice and stays as it is; the files are made `mode` even when they exist, so a file an older
 * version left world-readable is closed on upgrade.
 */
function prepareFiles(path: string, mode: number, logger: SessionLogger | undefined): void {
  const directory = dirname(path);
  const first = mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
  if (first !== undefined) {
    // mkdir's mode passes through the umask; chmod does not.
    for (let made = directory; ; made = dirname(made)) {
      chmodSync(made, DIRECTORY_MODE);
      if (made === first || made === dirname(made)) break;
    }
  }
  try {
    const fd = openSync(path, 'wx', mode);
    try {
      fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o777) !== mode) chmodSync(file, mode);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue;
      // Another user's file: usable, but not ours to change. Say so rather than refuse to run.
      logger?.warn(
        `coatcheck: could not set the mode of the session database file ${file} to ` +
          `${mode.toString(8).padStart(4, '0')} (${String(errorCode(error))}); other local users ` +
          'may read session keys from it: change its mode as its owner',
      );
    }
  }
}

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
// SQLITE_BUSY (and its extended codes): another connection holds the lock this one needs.
const SQLITE_BUSY = 5;
// Pauses between tries on a locked database, in milliseconds: short at first, as most locks
// are a commit's microseconds, growing to a ceiling: a long lock costs forty failed BEGINs a
// second, microseconds each.
const FIRST_PAUSE = 1;
const LONGEST_PAUSE = 25;

function isBusy(error: unknown): boolean {
  const { errcode } = (error ?? {}) as { errcode?: unknown };
  return typeof errcode === 'number' && (errcode & 0xff) === SQLITE_BUSY;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A write waiting for the next group commit. */
interface PendingWrite {
  sql: string;
  params: readonly SqlValue[];
  /** When, on `performance.now()`'s clock, a locked database fails it. */
  deadline: number;
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
 * outcome: one that breaks a constraint (a taken key) fails alone. A group that finds the
 * database locked by another process waits, on a timer, and is tried again; each write in it
 * fails once it has waited `busyTimeout`.
 */
class SqliteClient implements SqlClient {
  readonly #path: string;
  readonly #pragmas: readonly string[];
  readonly #ddl: readonly string[] | undefined;
  readonly #tableName: string;
  readonly #fileMode: number;
  readonly #busyTimeout: number;
  readonly #statements = new Map<string, Prepared>();
  #pending: PendingWrite[] = [];
  #commitScheduled = false;
  #nextPause = FIRST_PAUSE;
  #db: DatabaseSync | undefined;
  #closed = false;
  #logger: SessionLogger | undefined;

  constructor(
    path: string,
    pragmas: readonly string[],
    table: TableName,
    ddl: readonly string[] | undefined,
    fileMode: number,
    busyTimeout: number,
  ) {
    this.#path = path;
    this.#pragmas = pragmas;
    this.#tableName = table.table;
    this.#ddl = ddl;
    this.#fileMode = fileMode;
    this.#busyTimeout = busyTimeout;
  }

  useLogger(logger: SessionLogger): void {
    this.#logger = logger;
  }

  get #database(): DatabaseSync {
    if (this.#db !== undefined) return this.#db;
    if (this.#closed) throw new StoreUnavailable('coatcheck: the sqlite store is closed');
    const { DatabaseSync } = loadSqlite();
    if (this.#path !== ':memory:') prepareFiles(this.#path, this.#fileMode, this.#logger);
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

  /** The rows a statement returns, its parameters bound in the order Node.js 22.13 needs. */
  #all(sql: string, params: readonly SqlValue[]): SqlRow[] {
    const prepared = this.#prepared(sql);
    return prepared.statement.all(...argumentsFor(prepared, params)) as SqlRow[];
  }

  /** How many rows a statement changed; see {@link #all}. */
  #changes(sql: string, params: readonly SqlValue[]): number {
    const prepared = this.#prepared(sql);
    return Number(prepared.statement.run(...argumentsFor(prepared, params)).changes);
  }

  /**
   * Runs `attempt` until the database is not locked, pausing on a timer in between, for up to
   * `busyTimeout`; then the last SQLITE_BUSY error stands.
   */
  async #unlocked<T>(attempt: () => T): Promise<T> {
    const deadline = performance.now() + this.#busyTimeout;
    for (let wait = FIRST_PAUSE; ; wait = Math.min(wait * 2, LONGEST_PAUSE)) {
      try {
        return attempt();
      } catch (error) {
        const left = deadline - performance.now();
        if (!isBusy(error) || left <= 0) throw error;
        await pause(Math.min(wait, left));
      }
    }
  }

  query(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]> {
    // A reader in WAL mode waits for no writer, but opening the database (the switch to WAL,
    // the table made on first use) can find it locked.
    return this.#unlocked(() => this.#all(sql, params));
  }

  run(sql: string, params: readonly SqlValue[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const deadline = performance.now() + this.#busyTimeout;
      this.#pending.push({ sql, params, deadline, resolve, reject });
      this.#scheduleCommit(0);
    });
  }

  #scheduleCommit(delay: number): void {
    if (this.#commitScheduled) return; // the writes join the group already waiting
    this.#commitScheduled = true;
    const commit = () => {
      this.#commitScheduled = false;
      this.#commit();
    };
    if (delay === 0) setImmediate(commit);
    else setTimeout(commit, delay);
  }

  #commit(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const settled = new Set<PendingWrite>();
    try {
      this.#write(batch, settled);
      this.#nextPause = FIRST_PAUSE;
    } catch (error) {
      const waiting = batch.filter((write) => !settled.has(write));
      if (!isBusy(error)) {
        for (const write of waiting) write.reject(error);
        return;
      }
      // Locked by another connection: nothing of the group was written. Wait on a timer, never
      // on this thread, and try again; a write that has waited its busyTimeout fails.
      const now = performance.now();
      const again = waiting.filter((write) => {
        if (write.deadline > now) return true;
        write.reject(error);
        return false;
      });
      if (again.length === 0) return;
      this.#pending = [...again, ...this.#pending];
      const soonest = Math.min(...again.map((write) => write.deadline));
      const wait = Math.min(this.#nextPause, Math.max(1, soonest - now));
      this.#nextPause = Math.min(this.#nextPause * 2, LONGEST_PAUSE);
      this.#scheduleCommit(wait);
    }
  }

  /**
   * Writes a group in one transaction, settling each write. Throws, with nothing written, when
   * the group could not commit; `settled` then holds the writes that already failed alone.
   */
  #write(batch: readonly PendingWrite[], settled: Set<PendingWrite>): void {
    const db = this.#database;
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      // Alone: SQLite's own implicit transaction is the same thing, two statements cheaper.
      let changes: number;
      try {
        changes = this.#changes(only.sql, only.params);
      } catch (error) {
        if (isBusy(error)) throw error;
        only.reject(error);
        return;
      }
      only.resolve(changes);
      return;
    }
    const done: [PendingWrite, number][] = [];
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const write of batch) {
        try {
          done.push([write, this.#changes(write.sql, write.params)]);
        } catch (error) {
          const { errcode } = error as { errcode?: unknown };
          if (typeof errcode !== 'number' || (errcode & 0xff) !== SQLITE_CONSTRAINT) throw error;
          settled.add(write);
          write.reject(error);
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      // Nothing of the group was committed: the caller fails or retries every write still open.
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite already rolled back (an I/O error does).
      }
      throw error;
    }
    for (const [write, changes] of done) write.resolve(changes);
  }

  script(statements: readonly string[]): Promise<void> {
    return this.#unlocked(() => this.#transaction(this.#database, statements));
  }

  tableExists(name: TableName): Promise<boolean> {
    return this.#unlocked(() => this.#exists(this.#database, name.table));
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
  const mode = options.fileMode;
  if (
    mode !== undefined &&
    (!Number.isSafeInteger(mode) || mode < 0 || mode > 0o777 || (mode & 0o600) !== 0o600)
  ) {
    throw new TypeError(
      'coatcheck: sqliteStore fileMode must be permission bits from 0o600 to 0o777 that let the ' +
        `owner read and write, got ${typeof mode === 'number' ? `0o${mode.toString(8)}` : String(mode)}`,
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
    // SQLite never waits for a lock itself (it would sleep the event loop's thread): a locked
    // database fails at once and the store tries again from a timer, up to busyTimeout.
    'PRAGMA busy_timeout = 0',
    'PRAGMA journal_mode = WAL',
    `PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'}`,
  ];
  const ddl = autoMigrate
    ? sessionTableDdl(sqliteDialect, table, { ifNotExists: true })
    : undefined;
  return createSqlStore({
    dialect: sqliteDialect,
    client: new SqliteClient(
      path,
      pragmas,
      table,
      ddl,
      options.fileMode ?? DEFAULT_FILE_MODE,
      options.busyTimeout ?? 5000,
    ),
    table,
    autoMigrate,
  });
}
