/**
 * `coatcheck/stores/mysql`: sessions in MySQL or MariaDB on Django's `django_session` table,
 * through the `mysql2` driver, an optional peer dependency (`npm install mysql2`). Pass a
 * connection URL and the store makes its own pool, or pass the application's `mysql2` pool
 * (promise or callback flavour) and keep one pool for the whole app.
 *
 * The table is not created behind anyone's back: run `coatcheck migrate` (or Django's
 * `migrate`), or pass `autoMigrate: true`. `expire_date` travels as UTC text, as Django
 * stores it with `USE_TZ = True`, so neither the pool's nor the server's time zone matters.
 *
 * A server that is down, refuses a statement or does not answer within `timeout` gives
 * `StoreUnavailable` (HTTP 503). A connection that failed (a statement over the server's
 * `max_allowed_packet`, after which the server hangs up) or went silent is destroyed rather
 * than handed back to the pool, so the next request never inherits it (see `deadline.ts`).
 *
 * @module
 */

import { ImproperlyConfigured } from '../../errors.ts';
import { checkTimeout, type Lease, StatementDeadline } from './deadline.ts';
import {
  describeConnectionArgument,
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
import { DEFAULT_TABLE, parseTableName } from './schema.ts';
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

/**
 * The slice of a `mysql2/promise` pool the store calls: `execute` (a prepared statement,
 * parsed once per connection) and `query`. Declared here so coatcheck needs no import of
 * `mysql2`.
 */
export interface MysqlPromisePool {
  execute(sql: string, values: SqlValue[]): Promise<[unknown, unknown]>;
  query(sql: string, values?: SqlValue[]): Promise<[unknown, unknown]>;
}

/** A connection checked out of a `mysql2/promise` pool. */
interface MysqlPoolConnection extends MysqlPromisePool {
  release(): void;
  destroy(): void;
  /** The callback-style connection underneath: the same object at every checkout. */
  connection?: object;
}

/** The pool half of a `mysql2/promise` pool, found at run time (a connection lacks it). */
interface MysqlCheckoutPool {
  getConnection(): Promise<MysqlPoolConnection>;
}

function isCheckoutPool(pool: MysqlPromisePool): pool is MysqlPromisePool & MysqlCheckoutPool {
  return typeof (pool as Partial<MysqlCheckoutPool>).getConnection === 'function';
}

/** A callback-style `mysql2` pool, which hands out its promise flavour. */
export interface MysqlCallbackPool {
  promise(): MysqlPromisePool;
}

/** Where the store's connections come from: a URL (the store's own pool) or the app's pool. */
export type MysqlConnection =
  | {
      /** `mysql://user:password@host:3306/database`, as `mysql2` reads it. */
      url: string;
      /** Connections in the store's pool. @default 10 */
      maxConnections?: number | undefined;
    }
  | {
      /** The application's `mysql2` pool or connection. The store never ends it. */
      pool: MysqlPromisePool | MysqlCallbackPool;
    };

/** Options of {@link mysqlStore}. */
export interface MysqlStoreOptions {
  /** The session table, optionally `database.table`. @default 'django_session' */
  table?: string | undefined;
  /**
   * Create the table and its index when it is missing, the first time the store is used.
   * Off by default: production schemas change through migrations (`coatcheck migrate`).
   * @default false
   */
  autoMigrate?: boolean | undefined;
  /**
   * Milliseconds each statement may take, waiting for a free connection included, before the
   * request gets `StoreUnavailable` (HTTP 503) and the connection is destroyed. The store's own
   * pool also uses it as its connect timeout, and keeps TCP keepalive on. @default 5000
   */
  timeout?: number | undefined;
}

const CODES: Record<string, SqlErrorKind> = {
  ER_DUP_ENTRY: 'duplicate-key',
  ER_NO_SUCH_TABLE: 'missing-table',
  ER_BAD_DB_ERROR: 'missing-table',
};

/** How MySQL and MariaDB spell the session store's SQL, as Django's mysql backend does. */
export const mysqlDialect: SqlDialect = Object.freeze({
  name: 'mysql' as const,
  maxIdentifierLength: 64,
  quote: (identifier: string) => `\`${identifier}\``,
  placeholder: () => '?',
  dateValue: djangoDateText,
  // Text, read as UTC whatever the pool's `timezone` and `dateStrings` settings.
  selectDate: (column: string) => `CAST(${column} AS CHAR)`,
  readDate: (value: unknown) => readDateText(String(value)),
  upsertTail: (_key: string, columns: readonly string[]) =>
    `ON DUPLICATE KEY UPDATE ${columns.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
  deleteExpiredBatch: (table: string, limit: number) =>
    `DELETE FROM ${table} WHERE \`expire_date\` < ? LIMIT ${limit}`,
  classify(error: unknown): SqlErrorKind {
    const code = errorCode(error);
    return (typeof code === 'string' ? CODES[code] : undefined) ?? 'unavailable';
  },
});

/** The part of `mysql2/promise` the store uses to make its own pool. */
interface Mysql2Module {
  createPool(config: Record<string, unknown>): MysqlPromisePool & { end(): Promise<void> };
}

async function loadMysql2(): Promise<Mysql2Module> {
  try {
    const module = (await import('mysql2/promise')) as unknown as {
      default?: Mysql2Module;
    } & Mysql2Module;
    return module.default ?? module;
  } catch (error) {
    if (errorCode(error) !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ImproperlyConfigured(
      'coatcheck: mysqlStore({ url }) needs the mysql2 package: run `npm install mysql2`, ' +
        'or pass your own pool as mysqlStore({ pool })',
      { cause: error },
    );
  }
}

// What mysql2 resolves a data-changing statement to.
interface ResultHeader {
  affectedRows?: number;
}

/** Runs statements through a mysql2 pool, made from a URL on first use or handed in. */
class Mysql2Client implements SqlClient {
  readonly #connection: MysqlConnection;
  readonly #timeout: number;
  readonly #deadline: StatementDeadline;
  #pool: Promise<MysqlPromisePool> | undefined;
  #end: (() => Promise<void>) | undefined;

  constructor(connection: MysqlConnection, timeout: number) {
    this.#connection = connection;
    this.#timeout = timeout;
    this.#deadline = new StatementDeadline(timeout, 'MySQL');
  }

  #getPool(): Promise<MysqlPromisePool> {
    if (this.#pool !== undefined) return this.#pool;
    const connection = this.#connection;
    let made: Promise<MysqlPromisePool>;
    if ('pool' in connection) {
      const { pool } = connection;
      made = Promise.resolve('promise' in pool ? pool.promise() : pool);
    } else {
      made = loadMysql2().then((mysql2) => {
        const pool = mysql2.createPool({
          uri: connection.url,
          connectionLimit: connection.maxConnections ?? 10,
          // A server that does not answer fails the request after this long, not never.
          connectTimeout: this.#timeout,
          // The kernel probes idle connections, so one whose path died is found and closed.
          enableKeepAlive: true,
          keepAliveInitialDelay: 10_000,
        });
        this.#end = () => pool.end();
        return pool;
      });
      made.catch(() => {
        this.#pool = undefined; // let a later call try again, and say again what is missing
      });
    }
    this.#pool = made;
    return made;
  }

  /** Checks out a connection of a pool, or lends the one connection the application passed. */
  async #lease(): Promise<Lease<MysqlPromisePool>> {
    const pool = await this.#getPool();
    if (!isCheckoutPool(pool)) {
      return { connection: pool, identity: pool, pooled: false, release() {}, destroy() {} };
    }
    const connection = await pool.getConnection();
    return {
      connection,
      identity: connection.connection ?? connection,
      pooled: true,
      release: () => connection.release(),
      destroy: () => connection.destroy(),
    };
  }

  /** Runs one statement (or a few, for DDL) on one connection under the deadline. */
  #statement<T>(use: (connection: MysqlPromisePool) => Promise<T>): Promise<T> {
    return this.#deadline.run(
      () => this.#lease(),
      use,
      (error) => mysqlDialect.classify(error) !== 'unavailable',
    );
  }

  async query(sql: string, params: readonly SqlValue[]): Promise<SqlRow[]> {
    const [rows] = await this.#statement((connection) => connection.execute(sql, [...params]));
    return rows as SqlRow[];
  }

  async run(sql: string, params: readonly SqlValue[]): Promise<number> {
    const [header] = await this.#statement((connection) => connection.execute(sql, [...params]));
    return (header as ResultHeader).affectedRows ?? 0;
  }

  async script(statements: readonly string[]): Promise<void> {
    // DDL commits by itself in MySQL; with IF NOT EXISTS each statement may be run twice.
    for (const statement of statements) {
      await this.#statement((connection) => connection.query(statement));
    }
  }

  async tableExists(name: TableName): Promise<boolean> {
    const [rows] = await this.#statement((connection) =>
      connection.query(
        'SELECT 1 AS found FROM information_schema.tables ' +
          'WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?',
        [name.schema ?? null, name.table],
      ),
    );
    return (rows as SqlRow[]).length > 0;
  }

  async close(): Promise<void> {
    const end = this.#end;
    this.#end = undefined;
    this.#pool = undefined;
    await end?.();
  }
}

function checkConnection(connection: MysqlConnection): void {
  const given = connection as { url?: unknown; pool?: unknown } | null;
  const pool = given?.pool as { execute?: unknown; promise?: unknown } | undefined;
  if (typeof given?.url === 'string' && given.url !== '') return;
  if (typeof pool?.execute === 'function' || typeof pool?.promise === 'function') return;
  throw new TypeError(
    'coatcheck: mysqlStore needs { url: "mysql://..." } or { pool } (a mysql2 pool), ' +
      `got ${describeConnectionArgument(given)}`,
  );
}

/**
 * A store that keeps sessions in MySQL or MariaDB, on Django's session table. Connects on
 * first use.
 *
 * @example
 * import mysql from 'mysql2/promise';
 * const pool = mysql.createPool(process.env.DATABASE_URL);
 * const sessions = createSessions({ secretKey, engine: mysqlStore({ pool }) });
 */
export function mysqlStore(
  connection: MysqlConnection,
  options: MysqlStoreOptions = {},
): SqlSessionStore {
  checkConnection(connection);
  const table = parseTableName(options.table ?? DEFAULT_TABLE, mysqlDialect);
  return createSqlStore({
    dialect: mysqlDialect,
    client: new Mysql2Client(connection, checkTimeout(options.timeout, 'mysqlStore')),
    table,
    autoMigrate: options.autoMigrate ?? false,
  });
}
