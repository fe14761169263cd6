/**
 * `coatcheck/stores/cached-db`: Django's `cached_db` engine, a write-through cache in front of
 * a database store. Reads come from the cache when it has the session and from the database
 * when it does not (then filling the cache); writes go to the database first, then the cache.
 * The database is the truth: the cache may go down, or lose entries, at any time.
 *
 * Django's rules (django-spec §5.3), shared with a Django `cached_db` beside it on the same
 * cache and database: cache entries under `:1:django.contrib.sessions.cached_db<key>`; a cache
 * error on load counts as a miss; a refill lives as long as the row has left; a database
 * failure fails the save and writes no cache entry; a cache failure on write is logged (once
 * per outage) and the request still succeeds; delete removes both; `exists` asks the cache,
 * then the database; `clearExpired` sweeps the database, so `coatcheck clearsessions` works.
 *
 * Beyond Django, no concurrent change is lost, although a cache hit carries no database
 * version: see `docs/decisions/0009-cached-db-no-lost-updates.md` and
 * {@link CachedDbStore.compareAndSave}.
 *
 * @module
 */

import { isDeepStrictEqual } from 'node:util';
import { CreateError, UpdateError } from '../errors.ts';
import type { Awaitable } from '../session/awaitable.ts';
import type { SessionData } from '../session/data.ts';
import type { SessionLogger } from '../session/logger.ts';
import { pythonJsonParse, pythonJsonStringify } from '../signing/python-json.ts';
import { CACHED_DB_SESSION_PREFIX } from './cache/cache-keys.ts';
import type { CacheStore } from './cache/cache-store.ts';
import { holdsPythonObject } from './cache/python-values.ts';
import type {
  ClearExpiredOptions,
  MigrateResult,
  RowsOptions,
  SessionCounts,
  SessionRow,
  SqlSessionStore,
} from './sql/sql-store.ts';
import type {
  CompareAndSaveOutcome,
  SessionStore,
  StoreContext,
  StoreRecord,
  StoreSaveOptions,
} from './store.ts';

/** Options of {@link cachedDb}. */
export interface CachedDbOptions {
  /** The cache in front: `memcachedStore(...)`, `redisStore(...)` or `memoryStore()`. */
  cache: CacheStore;
  /** The database behind it: `sqliteStore(...)`, `postgresStore(...)`, `mysqlStore(...)`. */
  database: SessionStore;
}

// A record's version says where it was read from. A database version is the database's own;
// a cache version is the data that was read, so a save can check it against the row.
const FROM_DB = 'db:';
const FROM_CACHE = 'cache:';

// What load read the record from, for the store that wrote it: the cache's origin (a pickle's
// Python types) goes back to the cache, the database's to the database.
interface Origin {
  cache?: unknown;
  database?: unknown;
}

// What a cache hit read, as text: the data itself (Python's JSON, so NaN and -0 survive),
// which compareAndSave compares with the row. Data that JSON cannot hold (a Python type a
// Django writer pickled) has none.
function cacheVersion(data: SessionData): string | undefined {
  if (holdsPythonObject(data)) return undefined;
  try {
    return FROM_CACHE + pythonJsonStringify(data);
  } catch {
    return undefined;
  }
}

function originOf(record: StoreRecord, side: keyof Origin): unknown {
  const origin = record.origin as Origin | undefined;
  return origin?.[side];
}

/**
 * The `cached_db` store: a {@link SessionStore}, plus the database's table tools
 * (`migrate`, `count`, `inspect`, `rows`) when the database is a SQL store, so the `coatcheck`
 * CLI works on it as on the database.
 */
export interface CachedDbStore extends SessionStore {
  /** The cache, under Django's `cached_db` prefix. */
  readonly cache: SessionStore;
  /** The database. */
  readonly database: SessionStore;
  /** Opens the database (a migration, when it makes its table), then the cache. */
  open(context: StoreContext): Promise<void>;
  /**
   * Saves only if the session is still what this request loaded. From a database read, that
   * is the database's own compare-and-save. From a cache read, the row is read and its data
   * compared with what the cache gave: equal, the row is saved on its own version; different
   * (the cache was stale), the cache entry is dropped and `'conflict'` tells the engine to
   * read again, which now reads the database.
   */
  compareAndSave?(
    key: string,
    record: StoreRecord,
    version: string,
  ): Promise<CompareAndSaveOutcome>;
  /** Sweeps expired rows from the database (Django's `clearsessions`); the cache has its TTL. */
  clearExpired(options?: ClearExpiredOptions): Promise<number>;
  readonly table?: string;
  migrate?(): Promise<MigrateResult>;
  count?(): Promise<SessionCounts>;
  inspect?(key: string): Promise<SessionRow | null>;
  rows?(options?: RowsOptions): AsyncIterable<SessionRow>;
}

const quiet: SessionLogger = { warn() {}, error() {} };

// How long reads go straight to the database after a cache failure before trying it again.
const READ_RETRY_MS = 1000;

class CachedDb implements CachedDbStore {
  readonly kind = 'store';
  readonly name: 'cached-db';
  readonly cache: SessionStore;
  readonly database: SessionStore;
  readonly #given: CacheStore;
  #logger: SessionLogger = quiet;
  // Whether the last cache call failed: an outage is logged when it starts, not per request.
  #cacheDown = false;
  // Until when reads skip the cache after a failure: a cache that is down answers with its
  // timeout, and a read loses nothing by going straight to the database. Writes and deletes
  // still try the cache every time, so an entry is never left behind while the cache answers.
  #readFromDatabaseUntil = 0;
  readonly table?: string;
  readonly migrate?: () => Promise<MigrateResult>;
  readonly count?: () => Promise<SessionCounts>;
  readonly inspect?: (key: string) => Promise<SessionRow | null>;
  readonly rows?: (options?: RowsOptions) => AsyncIterable<SessionRow>;
  readonly compareAndSave?: (
    key: string,
    record: StoreRecord,
    version: string,
  ) => Promise<CompareAndSaveOutcome>;

  constructor(options: CachedDbOptions) {
    this.#given = options.cache;
    this.cache = options.cache.withSessionPrefix(CACHED_DB_SESSION_PREFIX);
    this.database = options.database;
    this.name = 'cached-db';
    const sql = options.database as Partial<SqlSessionStore>;
    if (typeof sql.migrate === 'function' && typeof sql.count === 'function') {
      const db = options.database as SqlSessionStore;
      this.table = db.table;
      this.migrate = () => db.migrate();
      this.count = () => db.count();
      this.inspect = (key) => db.inspect(key);
      this.rows = (rowsOptions) => db.rows(rowsOptions);
    }
    if (options.database.compareAndSave !== undefined) {
      this.compareAndSave = (key, record, version) => this.#compareAndSave(key, record, version);
    }
  }

  async open(context: StoreContext): Promise<void> {
    this.#logger = context.logger;
    await this.database.open?.(context);
    try {
      await this.cache.open?.(context);
    } catch (error) {
      this.#cacheFailed('open', error);
    }
  }

  #cacheFailed(action: string, error: unknown): void {
    this.#readFromDatabaseUntil = Date.now() + READ_RETRY_MS;
    if (this.#cacheDown) return;
    this.#cacheDown = true;
    const detail = error instanceof Error ? error.message : String(error);
    this.#logger.error(
      `the ${this.cache.name} cache in front of the ${this.database.name} database could not ${action} (${detail}); serving sessions from the database until it is back`,
      error,
    );
  }

  #cacheWorked(): void {
    this.#cacheDown = false;
    this.#readFromDatabaseUntil = 0;
  }

  #readsSkipCache(): boolean {
    return this.#readFromDatabaseUntil !== 0 && Date.now() < this.#readFromDatabaseUntil;
  }

  async #fromCache<T>(action: string, call: () => Awaitable<T>): Promise<T | undefined> {
    try {
      const result = await call();
      this.#cacheWorked();
      return result;
    } catch (error) {
      this.#cacheFailed(action, error);
      return undefined;
    }
  }

  // The cache gets what the database now holds; a failure is logged, never raised, as in
  // Django: the database has the session, and a cache miss reads it from there.
  async #writeCache(key: string, record: StoreRecord): Promise<void> {
    await this.#fromCache('save a session', () =>
      this.cache.save(
        key,
        { data: record.data, expiresAt: record.expiresAt, origin: originOf(record, 'cache') },
        { mustExist: false },
      ),
    );
  }

  #databaseRecord(record: StoreRecord): StoreRecord {
    return { data: record.data, expiresAt: record.expiresAt, origin: originOf(record, 'database') };
  }

  async load(key: string): Promise<StoreRecord | null> {
    const skipCache = this.#readsSkipCache();
    const hit = skipCache
      ? undefined
      : await this.#fromCache('load a session', () => this.cache.load(key));
    if (hit !== undefined && hit !== null) {
      const version = cacheVersion(hit.data);
      // Data JSON cannot hold has no cache version to check a save against: read the row then,
      // whose version the database can check.
      if (version !== undefined) {
        return {
          data: hit.data,
          expiresAt: hit.expiresAt,
          version,
          origin: { cache: hit.origin } satisfies Origin,
        };
      }
    }
    const row = await this.database.load(key);
    if (row === null) return null;
    if (hit !== undefined && hit !== null) return this.#fromDatabase(row);
    if (skipCache) return this.#fromDatabase(row);
    // Filled only where the cache has nothing (`add`, not `set`): a writer that saved since this
    // read put newer data there, which an overwrite would replace with this older copy.
    await this.#fromCache('fill the cache', async () => {
      try {
        await this.cache.create(key, { data: row.data, expiresAt: row.expiresAt });
      } catch (error) {
        if (!(error instanceof CreateError)) throw error;
      }
    });
    return this.#fromDatabase(row);
  }

  #fromDatabase(row: StoreRecord): StoreRecord {
    return {
      data: row.data,
      expiresAt: row.expiresAt,
      version: row.version === undefined ? undefined : FROM_DB + row.version,
      origin: { database: row.origin } satisfies Origin,
    };
  }

  async create(key: string, record: StoreRecord): Promise<void> {
    await this.database.create(key, this.#databaseRecord(record));
    await this.#writeCache(key, record);
  }

  async save(key: string, record: StoreRecord, options: StoreSaveOptions): Promise<void> {
    try {
      await this.database.save(key, this.#databaseRecord(record), options);
    } catch (error) {
      // Gone from the database (a logout elsewhere): gone from the cache too.
      if (error instanceof UpdateError) await this.#dropCached(key);
      throw error;
    }
    await this.#writeCache(key, record);
  }

  async #compareAndSave(
    key: string,
    record: StoreRecord,
    version: string,
  ): Promise<CompareAndSaveOutcome> {
    const database = this.database;
    let expected: string;
    if (version.startsWith(FROM_DB)) {
      expected = version.slice(FROM_DB.length);
    } else if (version.startsWith(FROM_CACHE)) {
      const row = await database.load(key);
      if (row === null) {
        await this.#dropCached(key);
        return 'missing';
      }
      const loaded = pythonJsonParse(version.slice(FROM_CACHE.length)) as SessionData;
      if (row.version === undefined || !isDeepStrictEqual(row.data, loaded)) {
        // The cache was behind the database (a cache write lost in an outage, a writer that
        // updated only the database): drop it, so the engine's next read goes to the row.
        await this.#dropCached(key);
        return 'conflict';
      }
      expected = row.version;
    } else {
      return 'conflict';
    }
    const outcome = await database.compareAndSave?.(key, this.#databaseRecord(record), expected);
    if (outcome === 'saved') await this.#writeCache(key, record);
    else if (outcome === 'missing') await this.#dropCached(key);
    return outcome ?? 'conflict';
  }

  async #dropCached(key: string): Promise<void> {
    await this.#fromCache('delete a session', () => this.cache.delete(key));
  }

  async delete(key: string): Promise<void> {
    await this.database.delete(key);
    await this.#dropCached(key);
  }

  async exists(key: string): Promise<boolean> {
    if (
      !this.#readsSkipCache() &&
      (await this.#fromCache('look up a session', () => this.cache.exists(key)))
    ) {
      return true;
    }
    return this.database.exists(key);
  }

  clearExpired(options?: ClearExpiredOptions): Promise<number> {
    const database = this.database as Partial<SqlSessionStore>;
    if (options !== undefined && typeof database.count === 'function') {
      return (this.database as SqlSessionStore).clearExpired(options);
    }
    return this.database.clearExpired();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.cache.close(), this.#given.close()]);
    await this.database.close();
  }
}

/**
 * Django's `cached_db` engine: `cache` in front of `database`. `close()` closes both.
 *
 * @example
 * const engine = cachedDb({
 *   cache: memcachedStore({ servers: ['127.0.0.1:11211'] }),
 *   database: sqliteStore({ path: 'db.sqlite3' }),
 * });
 */
export function cachedDb(options: CachedDbOptions): CachedDbStore {
  const { cache, database } = options ?? {};
  if (typeof cache?.withSessionPrefix !== 'function') {
    throw new TypeError(
      'coatcheck: cachedDb cache must be a cache store (memcachedStore, redisStore or memoryStore)',
    );
  }
  if (database?.kind !== 'store' || typeof database.load !== 'function') {
    throw new TypeError(
      'coatcheck: cachedDb database must be a database store (sqliteStore, postgresStore or mysqlStore)',
    );
  }
  return new CachedDb({ cache, database });
}
