/**
 * The one session store over Django's `django_session` table, whatever the database: every
 * statement is written here once, spelled by a {@link SqlDialect} and run by a
 * {@link SqlClient}. `sqlite.ts`, `postgres.ts` and `mysql.ts` only pick those two.
 *
 * Django's db engine rules (django-spec §5.1): a row keeps Django's encoded session data; load
 * finds rows with `expire_date > now` and leaves expired rows in place; `exists` counts expired
 * rows, so their keys are not handed out again until `clearExpired` (`expire_date < now`)
 * removes them; create is an INSERT, so a taken key is a `CreateError`; a save that must
 * update a row that is gone is an `UpdateError`.
 *
 * Beyond Django, saves compare and swap: an UPDATE applies only where `session_data` is still
 * what the request loaded, so two requests that change different keys of one session both
 * keep their change (the engine re-reads and re-applies on a conflict). The common case is
 * still one statement.
 *
 * @module
 */

import {
  CoatcheckError,
  CreateError,
  ImproperlyConfigured,
  StoreUnavailable,
  UpdateError,
} from '../../errors.ts';
import type {
  CompareAndSaveOutcome,
  SessionStore,
  StoreContext,
  StoreRecord,
  StoreSaveOptions,
} from '../store.ts';
import type { SqlClient, SqlDialect, SqlRow, SqlValue, TableName } from './dialect.ts';
import { qualifiedName, sessionTableDdl } from './schema.ts';

/** What {@link SqlSessionStore.migrate} did. */
export interface MigrateResult {
  /** Whether the table was missing and is now created; `false` leaves an existing table as it was. */
  created: boolean;
  /** The table, as configured (`django_session`, or `schema.table`). */
  table: string;
}

/** Progress of {@link SqlSessionStore.clearExpired}, reported after each batch. */
export interface ClearProgress {
  /** Rows deleted so far by this sweep. */
  deleted: number;
  /** Rows the last batch deleted. */
  batch: number;
}

/** Options of {@link SqlSessionStore.clearExpired}. */
export interface ClearExpiredOptions {
  /**
   * Rows deleted per statement. Each batch is its own short statement, so requests keep flowing
   * while a million expired rows go.
   * @default 1000
   */
  batchSize?: number;
  /** Called after each batch, for a progress bar or a count. */
  onProgress?: (progress: ClearProgress) => void;
  /** Stops the sweep between batches; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What {@link SqlSessionStore.count} reports about the table. */
export interface SessionCounts {
  /** Every row, expired or not. */
  total: number;
  /** Rows `clearExpired` would delete now (`expire_date` before now). */
  expired: number;
  /** Lengths of the stored `session_data` text, in characters; `null` for an empty table. */
  dataLength: { min: number; max: number; mean: number } | null;
}

/** One row of the session table as it is stored, for `coatcheck inspect` and `stats`. */
export interface SessionRow {
  key: string;
  /** The stored text: Django's encoded session data (decode it with the secret key). */
  sessionData: string;
  expiresAt: Date;
  /** Whether the row no longer loads (`expire_date` is now or before). */
  expired: boolean;
}

/** Options of {@link SqlSessionStore.rows}. */
export interface RowsOptions {
  /** Rows fetched per query. @default 1000 */
  batchSize?: number;
}

/**
 * A session store on Django's session table: the `SessionStore` contract plus what the
 * `coatcheck` CLI and operators need (migrate, a batched sweep, counts, raw rows).
 */
export interface SqlSessionStore extends SessionStore {
  readonly name: SqlDialect['name'];
  /** The table, as configured. */
  readonly table: string;
  /**
   * Creates the table and its indexes, as Django's migration does, when the table is missing.
   * An existing table (one Django made, say) is left exactly as it is. Safe to run from several
   * processes at once.
   */
  migrate(): Promise<MigrateResult>;
  /**
   * Deletes rows whose `expire_date` is before now, in batches; returns how many. Django's
   * `clearsessions`. Safe while traffic flows: rows being saved at that moment are left alone.
   */
  clearExpired(options?: ClearExpiredOptions): Promise<number>;
  /** Counts rows, expired rows, and the spread of their sizes. */
  count(): Promise<SessionCounts>;
  /** The stored row under `key`, expired or not, or `null`. Reads only; never decodes. */
  inspect(key: string): Promise<SessionRow | null>;
  /** Every row, in key order, fetched in batches. */
  rows(options?: RowsOptions): AsyncIterable<SessionRow>;
}

/** How a database file configures the shared store. */
export interface SqlStoreConfig {
  dialect: SqlDialect;
  client: SqlClient;
  table: TableName;
  /** Create the table on first use when it is missing, rather than refuse to start. */
  autoMigrate: boolean;
}

const DEFAULT_BATCH = 1000;

function checkBatchSize(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`coatcheck: ${option} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const SWEEP_PAUSE_FACTOR = 3;

/** The statements, written once per store. */
interface Statements {
  load: string;
  exists: string;
  current: string;
  insert: string;
  upsert: string;
  update: string;
  compareAndUpdate: string;
  delete: string;
  inspect: string;
  count: string;
  page(batchSize: number, after: boolean): string;
  clearBatch(batchSize: number): string;
}

function statements(dialect: SqlDialect, name: TableName): Statements {
  const t = qualifiedName(dialect, name);
  const key = dialect.quote('session_key');
  const data = dialect.quote('session_data');
  const date = dialect.quote('expire_date');
  const p = (index: number) => dialect.placeholder(index);
  const selectRow = `SELECT ${key} AS session_key, ${data} AS session_data, ${dialect.selectDate(date)} AS expire_date FROM ${t}`;
  const insert = `INSERT INTO ${t} (${key}, ${data}, ${date}) VALUES (${p(1)}, ${p(2)}, ${p(3)})`;
  const update = `UPDATE ${t} SET ${data} = ${p(1)}, ${date} = ${p(2)} WHERE ${key} = ${p(3)}`;
  return {
    load: `SELECT ${data} AS session_data, ${dialect.selectDate(date)} AS expire_date FROM ${t} WHERE ${key} = ${p(1)} AND ${date} > ${p(2)}`,
    exists: `SELECT 1 AS found FROM ${t} WHERE ${key} = ${p(1)}`,
    current: `SELECT ${data} AS session_data FROM ${t} WHERE ${key} = ${p(1)}`,
    insert,
    upsert: `${insert} ${dialect.upsertTail(key, [data, date])}`,
    update,
    compareAndUpdate: `${update} AND ${data} = ${p(4)}`,
    delete: `DELETE FROM ${t} WHERE ${key} = ${p(1)}`,
    inspect: `${selectRow} WHERE ${key} = ${p(1)}`,
    count:
      `SELECT COUNT(*) AS total, SUM(CASE WHEN ${date} < ${p(1)} THEN 1 ELSE 0 END) AS expired, ` +
      `MIN(LENGTH(${data})) AS min_length, MAX(LENGTH(${data})) AS max_length, ` +
      `AVG(LENGTH(${data})) AS mean_length FROM ${t}`,
    // The batch size is a checked integer, written into the text so every database takes it.
    page: (batchSize, after) =>
      `${selectRow}${after ? ` WHERE ${key} > ${p(1)}` : ''} ORDER BY ${key} LIMIT ${batchSize}`,
    clearBatch: (batchSize) => dialect.deleteExpiredBatch(t, batchSize),
  };
}

class SqlStore implements SqlSessionStore {
  readonly kind = 'store';
  readonly name: SqlDialect['name'];
  readonly table: string;
  readonly #dialect: SqlDialect;
  readonly #client: SqlClient;
  readonly #tableName: TableName;
  readonly #autoMigrate: boolean;
  readonly #sql: Statements;
  #context: StoreContext | undefined;
  #ready: Promise<void> | undefined;

  constructor(config: SqlStoreConfig) {
    this.#dialect = config.dialect;
    this.#client = config.client;
    this.#tableName = config.table;
    this.#autoMigrate = config.autoMigrate;
    this.name = config.dialect.name;
    this.table =
      config.table.schema === undefined
        ? config.table.table
        : `${config.table.schema}.${config.table.table}`;
    this.#sql = statements(config.dialect, config.table);
  }

  open(context: StoreContext): Promise<void> {
    this.#context = context;
    this.#client.useLogger?.(context.logger);
    this.#ready ??= this.#prepareTable().catch((error: unknown) => {
      this.#ready = undefined; // the server may be back, or the table made, by the next try
      throw error;
    });
    return this.#ready;
  }

  async #prepareTable(): Promise<void> {
    if (this.#autoMigrate) await this.migrate();
    else if (!(await this.#tableExists())) throw this.#missingTable();
  }

  get #codec() {
    if (this.#context === undefined) {
      throw new ImproperlyConfigured(
        `coatcheck: the ${this.name} store is used before createSessions opened it`,
      );
    }
    return this.#context.djangoCodec;
  }

  #missingTable(cause?: unknown): ImproperlyConfigured {
    return new ImproperlyConfigured(
      `coatcheck: the session table ${this.table} does not exist in the ${this.name} database; ` +
        `create it with \`coatcheck migrate\` (or Django's \`manage.py migrate\`), ` +
        `or pass autoMigrate: true to ${this.name}Store`,
      cause === undefined ? undefined : { cause },
    );
  }

  #failure(action: string, error: unknown): Error {
    // Our own errors (a missing driver, a closed store) already say what to do.
    if (error instanceof CoatcheckError) return error;
    if (this.#dialect.classify(error) === 'missing-table') return this.#missingTable(error);
    const detail = error instanceof Error ? error.message : String(error);
    return new StoreUnavailable(
      `coatcheck: the ${this.name} store could not ${action} (table ${this.table}): ${detail}`,
      { cause: error },
    );
  }

  async #query(action: string, sql: string, params: readonly SqlValue[]): Promise<SqlRow[]> {
    try {
      return await this.#client.query(sql, params);
    } catch (error) {
      throw this.#failure(action, error);
    }
  }

  async #run(action: string, sql: string, params: readonly SqlValue[]): Promise<number> {
    try {
      return await this.#client.run(sql, params);
    } catch (error) {
      throw this.#failure(action, error);
    }
  }

  async #tableExists(): Promise<boolean> {
    try {
      return await this.#client.tableExists(this.#tableName);
    } catch (error) {
      throw this.#failure('look up its table', error);
    }
  }

  #now(): SqlValue {
    return this.#dialect.dateValue(new Date(Date.now()));
  }

  async load(key: string): Promise<StoreRecord | null> {
    const codec = this.#codec;
    const [row] = await this.#query('load a session', this.#sql.load, [key, this.#now()]);
    if (row === undefined) return null;
    const text = String(row.session_data);
    const { data, origin } = codec.decodeWithOrigin(text);
    return { data, expiresAt: this.#dialect.readDate(row.expire_date), version: text, origin };
  }

  async create(key: string, record: StoreRecord): Promise<void> {
    const text = this.#codec.encode(record.data, record.origin);
    try {
      await this.#client.run(this.#sql.insert, [
        key,
        text,
        this.#dialect.dateValue(record.expiresAt),
      ]);
    } catch (error) {
      if (this.#dialect.classify(error) === 'duplicate-key') {
        throw new CreateError(`coatcheck: session key ${key} already exists`, { cause: error });
      }
      throw this.#failure('create a session', error);
    }
  }

  async save(key: string, record: StoreRecord, options: StoreSaveOptions): Promise<void> {
    const text = this.#codec.encode(record.data, record.origin);
    const expires = this.#dialect.dateValue(record.expiresAt);
    if (!options.mustExist) {
      await this.#run('save a session', this.#sql.upsert, [key, text, expires]);
      return;
    }
    const matched = await this.#run('save a session', this.#sql.update, [text, expires, key]);
    // MySQL counts only rows it changed unless the client sets FOUND_ROWS (mysql2 does; a
    // pool may not): an unchanged row reads 0, so look before calling the session deleted.
    if (matched === 0 && (await this.#current(key)) === undefined) {
      throw new UpdateError('coatcheck: the session was deleted before it could be saved');
    }
  }

  async #current(key: string): Promise<string | undefined> {
    const [row] = await this.#query('read a session', this.#sql.current, [key]);
    return row === undefined ? undefined : String(row.session_data);
  }

  async compareAndSave(
    key: string,
    record: StoreRecord,
    version: string,
  ): Promise<CompareAndSaveOutcome> {
    const text = this.#codec.encode(record.data, record.origin);
    const expires = this.#dialect.dateValue(record.expiresAt);
    const matched = await this.#run('save a session', this.#sql.compareAndUpdate, [
      text,
      expires,
      key,
      version,
    ]);
    if (matched > 0) return 'saved';
    const current = await this.#current(key);
    if (current === undefined) return 'missing';
    // Already what this request meant to write (MySQL reports an unchanged row as 0).
    return current === text ? 'saved' : 'conflict';
  }

  async delete(key: string): Promise<void> {
    await this.#run('delete a session', this.#sql.delete, [key]);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#query('look up a session', this.#sql.exists, [key])).length > 0;
  }

  async clearExpired(options: ClearExpiredOptions = {}): Promise<number> {
    const batchSize = checkBatchSize(options.batchSize ?? DEFAULT_BATCH, 'clearExpired batchSize');
    const sql = this.#sql.clearBatch(batchSize);
    // One cutoff for the whole sweep: rows that expire while it runs wait for the next one.
    const cutoff = this.#now();
    let deleted = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const started = performance.now();
      const batch = await this.#run('clear expired sessions', sql, [cutoff]);
      deleted += batch;
      options.onProgress?.({ deleted, batch });
      if (batch < batchSize) return deleted;
      // Each batch holds the table's write lock (all of it, on SQLite) while it runs. Pausing
      // three times as long between batches leaves requests that wait to save a session
      // three quarters of the time: without it, an SQLite writer in another process backs off
      // for up to 100 ms at a time and requests stall while the sweep runs.
      await pause(Math.max(1, (performance.now() - started) * SWEEP_PAUSE_FACTOR));
    }
  }

  async migrate(): Promise<MigrateResult> {
    if (await this.#tableExists()) return { created: false, table: this.table };
    const ddl = sessionTableDdl(this.#dialect, this.#tableName, { ifNotExists: true });
    try {
      await this.#client.script(ddl);
    } catch (error) {
      // Another process may have made it at the same moment (PostgreSQL can then fail even
      // with IF NOT EXISTS); that is the outcome we wanted.
      if (await this.#tableExists()) return { created: false, table: this.table };
      throw this.#failure('create its table', error);
    }
    return { created: true, table: this.table };
  }

  async count(): Promise<SessionCounts> {
    const [row = {}] = await this.#query('count sessions', this.#sql.count, [this.#now()]);
    const total = Number(row.total ?? 0);
    return {
      total,
      expired: Number(row.expired ?? 0),
      dataLength:
        total === 0
          ? null
          : {
              min: Number(row.min_length),
              max: Number(row.max_length),
              mean: Number(row.mean_length),
            },
    };
  }

  #row(row: SqlRow, now: number): SessionRow {
    const expiresAt = this.#dialect.readDate(row.expire_date);
    return {
      key: String(row.session_key),
      sessionData: String(row.session_data),
      expiresAt,
      expired: expiresAt.getTime() <= now,
    };
  }

  async inspect(key: string): Promise<SessionRow | null> {
    const [row] = await this.#query('read a session', this.#sql.inspect, [key]);
    return row === undefined ? null : this.#row(row, Date.now());
  }

  async *rows(options: RowsOptions = {}): AsyncIterableIterator<SessionRow> {
    const batchSize = checkBatchSize(options.batchSize ?? DEFAULT_BATCH, 'rows batchSize');
    let after: string | undefined;
    for (;;) {
      const page =
        after === undefined
          ? await this.#query('list sessions', this.#sql.page(batchSize, false), [])
          : await this.#query('list sessions', this.#sql.page(batchSize, true), [after]);
      const now = Date.now();
      for (const row of page) yield this.#row(row, now);
      if (page.length < batchSize) return;
      after = String(page.at(-1)?.session_key);
    }
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Builds the shared SQL store; each database's factory calls it with its dialect and client. */
export function createSqlStore(config: SqlStoreConfig): SqlSessionStore {
  return new SqlStore(config);
}
