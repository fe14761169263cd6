/**
 * `coatcheck/stores/postgres`: sessions in PostgreSQL on Django's `django_session` table,
 * through the `pg` driver, an optional peer dependency (`npm install pg`). Pass a connection
 * URL and the store makes its own pool, or pass the application's pool (or client) and keep
 * one pool for the whole app: the store calls nothing but `query` on it.
 *
 * The table is not created behind anyone's back: run `coatcheck migrate` (or Django's
 * `migrate`), or pass `autoMigrate: true`. A Django project on the same database shares the
 * sessions; a table Django made is used as it is.
 *
 * A server that is down, refuses a statement or does not answer within `timeout` gives
 * `StoreUnavailable` (HTTP 503), with the driver's error as `cause`. A connection that failed
 * or went silent is destroyed rather than handed back, so requests succeed again as soon as the
 * server, or the path to it, is back (see `deadline.ts`).
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { ImproperlyConfigured } from '../../errors.ts';
import type { SessionLogger } from '../../session/logger.ts';
import { checkTimeout, type Lease, StatementDeadline } from './deadline.ts';
import {
  describeConnectionArgument,
  errorCode,
  type SqlClient,
  type SqlDialect,
  type SqlErrorKind,
  type SqlRow,
  type SqlValue,
  type TableName,
} from './dialect.ts';
import { DEFAULT_TABLE, parseTableName, qualifiedName } from './schema.ts';
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

/** A statement as `pg` takes it: a name makes the server parse and plan it once per connection. */
export interface PgQueryConfig {
  name?: string;
  text: string;
  values?: unknown[];
}

/** What `pg` resolves a query to; the store reads `rows` and `rowCount`. */
export interface PgQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/**
 * The slice of a `pg` `Pool` (or `Client`) the store calls. Declared here so coatcheck needs no
 * import of `pg`: any object with this `query` works. A `pg.Pool` (anything with `connect()` and
 * pg-pool's `totalCount`) is used a connection at a time, so one that fails or goes silent can
 * be destroyed; anything else gets its statements raced against the timeout only.
 */
export interface PgPool {
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  query(text: string): Promise<PgQueryResult>;
}

/** A connection checked out of a `pg.Pool`: `release(error)` destroys it instead. */
interface PgPoolClient {
  query(config: PgQueryConfig): Promise<PgQueryResult>;
  query(text: string): Promise<PgQueryResult>;
  release(error?: Error): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The pool half of `pg.Pool`, found at run time (a `pg.Client` has `connect` too). */
interface PgCheckoutPool {
  connect(): Promise<PgPoolClient>;
  totalCount: number;
}

function isCheckoutPool(pool: PgPool): pool is PgPool & PgCheckoutPool {
  const candidate = pool as Partial<PgCheckoutPool>;
  return typeof candidate.connect === 'function' && typeof candidate.totalCount === 'number';
}

/** Where the store's connections come from: a URL (the store's own pool) or the app's pool. */
export type PostgresConnection =
  | {
      /** `postgres://user:password@host:5432/database`, as `pg` reads it (`?sslmode=` too). */
      url: string;
      /** Connections in the store's pool. @default 10 */
      maxConnections?: number | undefined;
    }
  | {
      /**
       * The application's `pg.Pool` (or a connected `pg.Client`). The store never ends it; listen
       * for its `error` event, as `pg` asks, or an idle connection's failure ends the process.
       */
      pool: PgPool;
    };

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** The session table, optionally `schema.table`. @default 'django_session' */
  table?: string | undefined;
  /**
   * Create the table and its indexes when it is missing, the first time the store is used.
   * Off by default: production schemas change through migrations (`coatcheck migrate`).
   * @default false
   */
  autoMigrate?: boolean | undefined;
  /**
   * Use named prepared statements, parsed once per connection. Turn off behind a pooler that
   * cannot keep them (PgBouncer in transaction mode before 1.21). @default true
   */
  preparedStatements?: boolean | undefined;
  /**
   * Milliseconds each statement may take, waiting for a free connection included, before the
   * request gets `StoreUnavailable` (HTTP 503) and the connection is destroyed. The store's own
   * pool also uses it as its connection timeout and as PostgreSQL's `statement_timeout`, and
   * turns TCP keepalive on. @default 5000
   */
  timeout?: number | undefined;
}

const CODES: Record<string, SqlErrorKind> = {
  '23505': 'duplicate-key', // unique_violation
  '42P01': 'missing-table', // undefined_table
  '3F000': 'missing-table', // invalid_schema_name
};

/** How PostgreSQL spells the session store's SQL, as Django's postgresql backend does. */
export const postgresDialect: SqlDialect = Object.freeze({
  name: 'postgres' as const,
  maxIdentifierLength: 63,
  quote: (identifier: string) => `"${identifier}"`,
  placeholder: (index: number) => `$${index}`,
  // An ISO 8601 instant: the server reads it exactly, whatever the pool's time zone or its
  // Date serializer.
  dateValue: (date: Date) => date.toISOString(),
  // Milliseconds since the epoch as a double, which pg returns as a number, whatever type
  // parsers the application set for timestamps.
  selectDate: (column: string) => `CAST(EXTRACT(EPOCH FROM ${column}) * 1000 AS double precision)`,
  readDate: (value: unknown) => new Date(Number(value)),
  upsertTail: (key: string, columns: readonly string[]) =>
    `ON CONFLICT (${key}) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
  // SKIP LOCKED passes over rows a request is saving right now; the outer condition is checked
  // again on a row that changed meanwhile, so a session renewed mid-sweep is kept.
  deleteExpiredBatch: (table: string, limit: number) =>
    `DELETE FROM ${table} WHERE "expire_date" < $1 AND "session_key" IN ` +
    `(SELECT "session_key" FROM ${table} WHERE "expire_date" < $1 LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
  classify(error: unknown): SqlErrorKind {
    const code = errorCode(error);
    return (typeof code === 'string' ? CODES[code] : undefined) ?? 'unavailable';
  },
});

/** The part of the `pg` module the store uses to make its own pool. */
interface PgModule {
  Pool: new (
    config: Record<string, unknown>,
  ) => PgPool & {
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): unknown;
  };
}

async function loadPg(): Promise<PgModule> {
  try {
    const module = (await import('pg')) as unknown as { default?: PgModule } & PgModule;
    return module.default ?? module;
  } catch (error) {
    if (errorCode(error) !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ImproperlyConfigured(
      'coatcheck: postgresStore({ url }) needs the pg package: run `npm install pg`, ' +
        'or pass your own pool as postgresStore({ pool })',
      { cause: error },
    );
  }
}

/** Runs statements through a pg pool, made from a URL on first use or handed in. */
class PgClient implements SqlClient {
  readonly #connection: PostgresConnection;
  readonly #prepare: boolean;
  readonly #timeout: number;
  readonly #deadline: StatementDeadline;
  readonly #names = new Map<string, string>();
  readonly #watched = new WeakSet<object>();
  #pool: Promise<PgPool> | undefined;
  #end: (() => Promise<void>) | undefined;
  #logger: SessionLogger | undefined;

  constructor(connection: PostgresConnection, prepare: boolean, timeout: number) {
    this.#connection = connection;
    this.#prepare = prepare;
    this.#timeout = timeout;
    this.#deadline = new StatementDeadline(timeout, 'PostgreSQL');
  }

  useLogger(logger: SessionLogger): void {
    this.#logger = logger;
  }

  #getPool(): Promise<PgPool> {
    const connection = this.#connection;
    if ('pool' in connection) return Promise.resolve(connection.pool);
    if (this.#pool !== undefined) return this.#pool;
    const made = loadPg().then(({ Pool }) => {
      const pool = new Pool({
        connectionString: connection.url,
        max: connection.maxConnections ?? 10,
        // A server that does not answer fails the request after this long, not never.
        connectionTimeoutMillis: this.#timeout,
        // The server gives up on a statement when this store does, rather than run on unheard.
        statement_timeout: this.#timeout,
        // The kernel probes idle connections, so one whose path died is found and closed.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      // pg emits an idle connection's failure (a server restart) on the pool, and an
      // unheard 'error' event ends the process. The pool drops that connection by itself.
      pool.on('error', (error) => {
        this.#logger?.error('an idle PostgreSQL connection failed; the pool replaces it', error);
      });
      this.#end = () => pool.end();
      return pool;
    });
    made.catch(() => {
      this.#pool = undefined; // let a later call try again, and say again what is missing
    });
    this.#pool = made;
    return made;
  }

  // The statement's name is derived from its text: the same text always gets the same name,
  // on every connection, and no two texts share one (pg refuses a name reused for new text).
  #config(text: string, values: readonly SqlValue[]): PgQueryConfig {
    if (!this.#prepare) return { text, values: [...values] };
    let name = this.#names.get(text);
    if (name === undefined) {
      name = `coatcheck_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`;
      this.#names.set(text, name);
    }
    return { name, text, values: [...values] };
  }

  /** Checks out a connection of a pool, or lends the one client the application passed. */
  async #lease(): Promise<Lease<PgPool>> {
    const pool = await this.#getPool();
    if (!isCheckoutPool(pool)) {
      return { connection: pool, identity: pool, pooled: false, release() {}, destroy() {} };
    }
    const client = await pool.connect();
    if (!this.#watched.has(client)) {
      this.#watched.add(client);
      // pg emits a checked-out client's failure on the client, and an unheard 'error' event
      // ends the process. The statement running on it fails with the same error (and destroys
      // it); an idle client's failure goes to the pool's 'error' listeners as before.
      client.on?.('error', () => {});
    }
    return {
      connection: client,
      identity: client,
      pooled: true,
      release: () => client.release(),
      destroy: () => client.release(new Error('coatcheck: connection discarded')),
    };
  }

  /** Runs one statement under the deadline. */
  #statement(config: PgQueryConfig | string): Promise<PgQueryResult> {
    return this.#deadline.run(
      () => this.#lease(),
      // Overload resolution needs the two shapes apart.
      (client) => (typeof config === 'string' ? client.query(config) : client.query(config)),
      (error) => postgresDialect.classify(error) !== 'unavailable',
    );
  }

  async query(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]> {
    return (await this.#statement(this.#config(sql, params))).rows;
  }

  async run(sql: string, params: readonly SqlValue[]): Promise<number> {
    return (await this.#statement(this.#config(sql, params))).rowCount ?? 0;
  }

  async script(statements: readonly string[]): Promise<void> {
    // Without parameters pg sends one simple query, which PostgreSQL runs as one transaction.
    await this.#statement(statements.join(';\n'));
  }

  async tableExists(name: TableName): Promise<boolean> {
    const { rows } = await this.#statement({
      text: 'SELECT to_regclass($1) IS NOT NULL AS found',
      values: [qualifiedName(postgresDialect, name)],
    });
    return rows[0]?.found === true;
  }

  async close(): Promise<void> {
    const end = this.#end;
    this.#end = undefined;
    this.#pool = undefined;
    await end?.();
  }
}

function checkConnection(connection: PostgresConnection): void {
  const given = connection as { url?: unknown; pool?: unknown } | null;
  const url = given?.url;
  const pool = given?.pool as { query?: unknown } | undefined;
  if (typeof url === 'string' && url !== '') return;
  if (typeof pool?.query === 'function') return;
  throw new TypeError(
    'coatcheck: postgresStore needs { url: "postgres://..." } or { pool } (a pg Pool or Client), ' +
      `got ${describeConnectionArgument(given)}`,
  );
}

/**
 * A store that keeps sessions in PostgreSQL, on Django's session table. Connects on first use.
 *
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const sessions = createSessions({ secretKey, engine: postgresStore({ pool }) });
 *
 * @example
 * const engine = postgresStore({ url: 'postgres://app@db/app' }, { autoMigrate: true });
 */
export function postgresStore(
  connection: PostgresConnection,
  options: PostgresStoreOptions = {},
): SqlSessionStore {
  checkConnection(connection);
  const table = parseTableName(options.table ?? DEFAULT_TABLE, postgresDialect);
  const timeout = checkTimeout(options.timeout, 'postgresStore');
  return createSqlStore({
    dialect: postgresDialect,
    client: new PgClient(connection, options.preparedStatements ?? true, timeout),
    table,
    autoMigrate: options.autoMigrate ?? false,
  });
}
