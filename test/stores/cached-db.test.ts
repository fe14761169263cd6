/**
 * The cached_db store: a cache in front of a database, as Django's `cached_db` engine. The
 * shared contract, Django's session tests and 50 concurrent writers over each pairing (the
 * memory cache and Memcached in front of SQLite, Memcached in front of PostgreSQL); then what
 * is cached_db's own: Django's cache keys, the refill and its TTL, a stale cache that must not
 * lose a write, a cache that goes down (sessions keep being served from the database, one
 * logged error), a database that goes down (503, and no cache entry), and the sweep.
 *
 * Expired rows exist until `clearExpired`, as in Django's db engine (the database decides).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CreateError, StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { CACHED_DB_SESSION_PREFIX } from '../../src/stores/cache/cache-keys.ts';
import { cachedDb } from '../../src/stores/cached-db.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  Browser,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  expiredRecord,
  recordOf,
  SECRET,
  storeContext,
} from './contract.ts';

const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
const tempPath = () => {
  const directory = mkdtempSync(join(tmpdir(), 'coatcheck-cached-db-'));
  directories.push(directory);
  return join(directory, 'sessions.sqlite3');
};

const memoryOverSqlite = () =>
  cachedDb({ cache: memoryStore(), database: sqliteStore({ path: tempPath() }) });

describeStoreContract('cached-db (memory + sqlite)', memoryOverSqlite, {
  expiredRecordsExist: true,
});
describeSessionContract('cached-db (memory + sqlite)', memoryOverSqlite, { serverSide: true });
describe('cached-db (memory + sqlite) under concurrent writers', () =>
  describeConcurrentWriters(memoryOverSqlite, 50));

describe('cachedDb (memory + sqlite)', () => {
  /** A cachedDb whose cache and database the test also reaches directly. */
  async function parts(logger = capturingLogger()) {
    const cache = memoryStore();
    const database = sqliteStore({ path: tempPath() });
    const store = cachedDb({ cache, database });
    const context = storeContext({}, logger);
    await store.open(context);
    // The same LRU under Django's cached_db prefix, as the store sees it.
    const cached = cache.withSessionPrefix(CACHED_DB_SESSION_PREFIX);
    await cached.open?.(context);
    return { store, cached, database, logger };
  }

  test('keeps sessions under Django’s cached_db prefix, not the cache engine’s', async () => {
    const cache = memoryStore();
    const store = cachedDb({ cache, database: sqliteStore({ path: tempPath() }) });
    await store.open(storeContext());
    const key = generateSessionKey();
    await store.create(key, recordOf({ a: 1 }));
    assert.equal(await cache.exists(key), false, 'found under the cache engine’s keys');
    assert.deepEqual((await cache.withSessionPrefix(CACHED_DB_SESSION_PREFIX).load(key))?.data, {
      a: 1,
    });
  });

  test('writes the database first, then the cache; a load is then a cache hit', async () => {
    const { store, cached, database } = await parts();
    const key = generateSessionKey();
    await store.create(key, recordOf({ n: 1 }));
    assert.deepEqual((await database.load(key))?.data, { n: 1 });
    assert.deepEqual((await cached.load(key))?.data, { n: 1 });
    // A row changed behind the cache's back is not seen while the cache holds the session:
    // the load is served from the cache, as Django's is.
    await database.save(key, recordOf({ n: 'changed in the database only' }), {
      mustExist: true,
    });
    assert.deepEqual((await store.load(key))?.data, { n: 1 });
  });

  test('a cache miss reads the row and fills the cache for as long as the row has left', async () => {
    const { store, cached, database } = await parts();
    const key = generateSessionKey();
    const row = recordOf({ from: 'db' }, { expiresInSeconds: 600 });
    await database.create(key, row);
    assert.equal(await cached.load(key), null);
    assert.deepEqual((await store.load(key))?.data, row.data);
    const filled = await cached.load(key);
    assert.deepEqual(filled?.data, row.data);
    assert.equal(filled?.expiresAt.getTime(), row.expiresAt.getTime());
  });

  test('a stale cache entry never loses a write: the save finds the row moved on and merges', async () => {
    const { store, cached, database } = await parts();
    const sessions = createSessions({
      secretKey: SECRET,
      engine: store,
      logger: capturingLogger(),
    });
    const browser = new Browser(sessions);
    await browser.session((session) => session.set('kept', 'by coatcheck'));
    const key = browser.cookie ?? '';
    // Another writer updates the row and not the cache (a cache write lost in an outage).
    const row = await database.load(key);
    await database.save(key, recordOf({ ...row?.data, other: 'writer' }), { mustExist: true });
    await browser.session((session) => session.set('mine', 1));
    assert.deepEqual((await database.load(key))?.data, {
      kept: 'by coatcheck',
      other: 'writer',
      mine: 1,
    });
    assert.deepEqual((await cached.load(key))?.data, (await database.load(key))?.data);
    await sessions.close();
  });

  test('a failed database write raises and leaves no cache entry', async () => {
    const { store, cached, database } = await parts();
    const key = generateSessionKey();
    // A row only the database has (Django wrote it, and its cache entry has gone).
    await database.create(key, recordOf({ n: 'from Django' }));
    await assert.rejects(store.create(key, recordOf({ n: 'from coatcheck' })), CreateError);
    assert.equal(await cached.load(key), null);
  });

  test('delete removes the row and the cache entry; exists is cache or database', async () => {
    const { store, cached, database } = await parts();
    const key = generateSessionKey();
    await store.create(key, recordOf({ n: 1 }));
    assert.equal(await store.exists(key), true);
    await cached.delete(key);
    assert.equal(await store.exists(key), true, 'the row alone makes it exist');
    await store.load(key);
    await store.delete(key);
    assert.equal(await cached.exists(key), false);
    assert.equal(await database.exists(key), false);
    assert.equal(await store.exists(key), false);
  });

  test('clearExpired sweeps expired rows from the database (Django’s clearsessions)', async () => {
    const { store, database } = await parts();
    const [live, old] = [generateSessionKey(), generateSessionKey()];
    await store.create(live, recordOf({ live: true }));
    await store.create(old, expiredRecord());
    assert.equal(await store.clearExpired(), 1);
    assert.equal(await database.exists(old), false);
    assert.equal(await database.exists(live), true);
  });

  test('has the database’s table tools, so the coatcheck CLI works on it', async () => {
    const { store } = await parts();
    assert.equal(typeof store.migrate, 'function');
    await store.create(generateSessionKey(), recordOf({}));
    assert.equal((await store.count?.())?.total, 1);
  });

  test('refuses a cache that is not a cache store, naming the option', () => {
    assert.throws(
      () =>
        cachedDb({
          cache: sqliteStore({ path: ':memory:' }) as never,
          database: sqliteStore({ path: ':memory:' }),
        }),
      /cachedDb cache must be a cache store/,
    );
  });

  test('a database that is down is a 503-style StoreUnavailable, and the cache gets nothing', async () => {
    const logger = capturingLogger();
    const { store, cached } = await parts(logger);
    await store.close();
    const key = generateSessionKey();
    await assert.rejects(store.create(key, recordOf({ n: 1 })), StoreUnavailable);
    assert.equal(await cached.load(key), null);
  });
});
