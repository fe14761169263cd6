// The slices of the express-session stores the benchmarks use; neither ships its own types.
declare module 'connect-pg-simple' {
  import type { Pool } from 'pg';

  interface PgStoreOptions {
    pool: Pool;
    tableName?: string;
    createTableIfMissing?: boolean;
    pruneSessionInterval?: false | number;
  }
  function connectPgSimple(session: unknown): new (options: PgStoreOptions) => unknown;
  export default connectPgSimple;
}

declare module 'better-sqlite3-session-store' {
  interface SqliteStoreOptions {
    /** A better-sqlite3 Database; node:sqlite's DatabaseSync has the methods it calls. */
    client: unknown;
    expired?: { clear?: boolean; intervalMs?: number };
  }
  function sqliteStoreFactory(session: unknown): new (options: SqliteStoreOptions) => unknown;
  export default sqliteStoreFactory;
}
