/**
 * The cached_db store: a cache in front of a database, as Django's `cached_db` engine. The
 * shared contract, Django's session tests and 50 concurrent writers over each pairing (the
 * memory cache, Memcached and Redis in front of SQLite, Memcached in front of PostgreSQL);
 * then what is cached_db's own: Django's cache keys, the refill and its TTL, a stale cache that
 * must not lose a write, a cache that goes down (sessions keep being served from the database, one
 * logged error), a database that goes down (503, and no cache entry), and the sweep.
 *
 * Expired rows exist until `clearExpired`, as in Django's db engine (the database decides).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateError, StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { CACHED_DB_SESSION_PREFIX } from '../../src/stores/cache/cache-keys.ts';
import { unpickleSession } from '../../src/stores/cache/pickle.ts';
import { cachedDb } from '../../src/stores/cached-db.ts';
import { memcachedStore } from '../../src/stores/memcached.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { postgresStore } from '../../src/stores/sql/postgres.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import {
  assertReachable,
  POSTGRES_URL,
  postgresSchema,
  skipWithoutPostgres,
  uniqueName,
} from '../helpers/databases.ts';
import {
  memcachedStats,
  metaGet,
  skipWithoutMemcached,
  startMemcached,
} from '../helpers/memcached.ts';
import {
  assertRedisReachable,
  connectClient,
  deleteKeys,
  skipWithoutRedis,
} from '../helpers/redis-servers.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
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
  TWO_WEEKS,
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
    await assert.rejects(
      async () => store.create(key, recordOf({ n: 'from coatcheck' })),
      CreateError,
    );
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

  test('coatcheck clearsessions (from coatcheck.config.mjs) sweeps the database', async () => {
    const path = tempPath();
    const seeded = cachedDb({ cache: memoryStore(), database: sqliteStore({ path }) });
    await seeded.open(storeContext());
    const [live, old] = [generateSessionKey(), generateSessionKey()];
    await seeded.create(live, recordOf({ live: true }));
    await seeded.create(old, expiredRecord());
    await seeded.close();
    const project = dirname(path);
    const module = (file: string) =>
      JSON.stringify(new URL(`../../src/stores/${file}`, import.meta.url).href);
    writeFileSync(
      join(project, 'coatcheck.config.mjs'),
      `import { cachedDb } from ${module('cached-db.ts')};\n` +
        `import { memoryStore } from ${module('memory.ts')};\n` +
        `import { sqliteStore } from ${module('sql/sqlite.ts')};\n` +
        `export default { secretKey: ${JSON.stringify(SECRET)}, engine: cachedDb({ cache: memoryStore(), database: sqliteStore({ path: ${JSON.stringify(path)} }) }) };\n`,
    );
    const cli = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
    const stdout = execFileSync(process.execPath, [cli, 'clearsessions'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, SECRET_KEY: '' },
    });
    assert.match(stdout, /Deleted 1 expired session\./);
    const database = sqliteStore({ path });
    await database.open?.(storeContext());
    assert.equal(await database.exists(old), false);
    assert.equal(await database.exists(live), true);
    await database.close();
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
    await assert.rejects(async () => store.create(key, recordOf({ n: 1 })), StoreUnavailable);
    assert.equal(await cached.load(key), null);
  });
});

// Memcached in front (a memcached of this file's own), then SQLite or PostgreSQL behind.

const memcached = skipWithoutMemcached === false ? await startMemcached() : undefined;
after(() => memcached?.stop());
const memcachedAddress = () => {
  if (memcached === undefined) throw new Error('memcached is not running');
  return memcached.address;
};
const memcachedOverSqlite = (options: { timeout?: number } = {}) =>
  cachedDb({
    cache: memcachedStore({ servers: [memcachedAddress()], ...options }),
    database: sqliteStore({ path: tempPath() }),
  });
const cachedDbKey = (key: string) => `:1:${CACHED_DB_SESSION_PREFIX}${key}`;

describe('cached-db on memcached', { skip: skipWithoutMemcached }, () => {
  describeStoreContract('cached-db (memcached + sqlite)', () => memcachedOverSqlite(), {
    expiredRecordsExist: true,
    // A cache hit's default expiry is derived (memcached keeps no date), as in Django.
    derivesDefaultExpiry: true,
  });
  describeSessionContract('cached-db (memcached + sqlite)', () => memcachedOverSqlite(), {
    serverSide: true,
  });
  describe('cached-db (memcached + sqlite) under concurrent writers', () =>
    describeConcurrentWriters(() => memcachedOverSqlite(), 50));

  test('a session is under Django’s cached_db key, pickled with flags 1; a refill lives as long as the row has left', async () => {
    const store = memcachedOverSqlite();
    await store.open(storeContext());
    const key = generateSessionKey();
    await store.create(key, recordOf({ a: 1 }));
    const item = await metaGet(memcached?.port ?? 0, cachedDbKey(key));
    assert.equal(item?.flags, 1);
    assert.ok(Math.abs((item?.ttl ?? 0) - TWO_WEEKS) <= 1, `TTL ${item?.ttl}`);

    const rowOnly = generateSessionKey();
    await store.database.create(rowOnly, recordOf({ b: 2 }, { expiresInSeconds: 600 }));
    assert.equal(await metaGet(memcached?.port ?? 0, cachedDbKey(rowOnly)), null);
    assert.deepEqual((await store.load(rowOnly))?.data.b, 2);
    const filled = await metaGet(memcached?.port ?? 0, cachedDbKey(rowOnly));
    assert.ok(filled !== null, 'the load filled the cache');
    assert.ok(Math.abs(filled.ttl - 600) <= 1, `refill TTL ${filled.ttl}`);
    await store.close();
  });

  test('a cache entry JSON cannot hold (a Python bytes value) loads from the row, with a version to merge on', async () => {
    const store = memcachedOverSqlite();
    await store.open(storeContext());
    const key = generateSessionKey();
    await store.create(key, recordOf({ a: 1 }));
    // What Python's pickle.dumps({'a': 1, 'raw': b'\xe7\xff\x00'}, protocol=5) writes.
    const fromDjango = unpickleSession(
      Buffer.from('80059517000000000000007d94288c0161944b018c03726177944303e7ff0094752e', 'hex'),
    );
    await store.cache.save(
      key,
      { ...recordOf(fromDjango.data), origin: fromDjango.origin },
      {
        mustExist: true,
      },
    );
    const loaded = await store.load(key);
    assert.deepEqual(loaded?.data, { a: 1 });
    assert.match(loaded?.version ?? '', /^db:/);
    assert.equal(
      await store.compareAndSave?.(key, recordOf({ a: 2 }), loaded?.version ?? ''),
      'saved',
    );
    assert.deepEqual((await store.load(key))?.data, { a: 2 });
    await store.close();
  });

  test('with a silent cache, one read waits for its timeout and the next ones go straight to the database', async () => {
    const proxy = await startTcpProxy(memcached?.port ?? 0);
    const logger = capturingLogger();
    const timeout = 300;
    const sessions = createSessions({
      secretKey: SECRET,
      engine: cachedDb({
        cache: memcachedStore({ servers: [`127.0.0.1:${proxy.port}`], timeout }),
        database: sqliteStore({ path: tempPath() }),
      }),
      logger,
    });
    try {
      const browser = new Browser(sessions);
      await browser.session((session) => session.set('n', 1));
      proxy.blackHole();
      const timed = async () => {
        const started = Date.now();
        assert.deepEqual(await browser.data(), { n: 1 });
        return Date.now() - started;
      };
      const first = await timed();
      assert.ok(first >= timeout - 20 && first < timeout + 500, `first read took ${first} ms`);
      for (let i = 0; i < 3; i++) {
        const next = await timed();
        assert.ok(next < timeout / 2, `a later read took ${next} ms`);
      }
      assert.equal(logger.errors.length, 1);
      proxy.restore();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      // Reads try the cache again; the silent connection is dropped and a new one answers.
      await browser.session((session) => session.set('n', 2));
      assert.deepEqual(await browser.data(), { n: 2 });
    } finally {
      await sessions.close();
      await proxy.close();
    }
  });

  test('with the cache down, sessions are served from the database and one error is logged', async () => {
    const own = await startMemcached();
    const logger = capturingLogger();
    const store = cachedDb({
      cache: memcachedStore({ servers: [own.address], timeout: 500 }),
      database: sqliteStore({ path: tempPath() }),
    });
    const sessions = createSessions({ secretKey: SECRET, engine: store, logger });
    try {
      const browser = new Browser(sessions);
      await browser.session((session) => session.set('visits', 1));
      await own.kill();
      for (let visit = 2; visit <= 5; visit++) {
        await browser.session((session) =>
          session.set('visits', (session.get('visits') as number) + 1),
        );
      }
      const fresh = new Browser(sessions);
      await fresh.session((session) => session.set('new', true));
      assert.deepEqual(await fresh.data(), { new: true });
      assert.deepEqual(await browser.data(), { visits: 5 });
      assert.equal(logger.errors.length, 1, logger.errors.join('\n'));
      assert.match(logger.errors[0] ?? '', /serving sessions from the database/);

      // Back: the cache fills again, and a later outage is logged again.
      await own.restart();
      await browser.session((session) => session.set('visits', 6));
      assert.ok((await metaGet(own.port, cachedDbKey(browser.cookie ?? ''))) !== null);
      await own.kill();
      assert.deepEqual(await browser.data(), { visits: 6 });
      assert.equal(logger.errors.length, 2);
    } finally {
      await sessions.close();
      await own.stop();
    }
  });
});

if (skipWithoutPostgres === false) assertReachable('postgres');
const place = skipWithoutPostgres === false ? await postgresSchema() : undefined;
after(() => place?.drop());
let tables = 0;
const memcachedOverPostgres = (url?: string) => {
  if (place === undefined) throw new Error('PostgreSQL is unreachable');
  const table = `${place.schema}.t${tables++}`;
  return cachedDb({
    cache: memcachedStore({ servers: [memcachedAddress()] }),
    database:
      url === undefined
        ? postgresStore({ pool: place.pool }, { table, autoMigrate: true })
        : postgresStore({ url }, { table, autoMigrate: true }),
  });
};

describe('cached-db on memcached and postgres', {
  skip: skipWithoutMemcached || skipWithoutPostgres,
}, () => {
  describeStoreContract('cached-db (memcached + postgres)', () => memcachedOverPostgres(), {
    expiredRecordsExist: true,
    // A cache hit's default expiry is derived (memcached keeps no date), as in Django.
    derivesDefaultExpiry: true,
  });
  describeSessionContract('cached-db (memcached + postgres)', () => memcachedOverPostgres(), {
    serverSide: true,
  });
  describe('cached-db (memcached + postgres) under concurrent writers', () =>
    describeConcurrentWriters(() => memcachedOverPostgres(), 50));
  test('with the database down, a save is a 503 StoreUnavailable and writes no cache entry', async () => {
    const proxy = await startTcpProxy(Number(new URL(POSTGRES_URL).port || 5432));
    const url = new URL(POSTGRES_URL);
    url.host = `127.0.0.1:${proxy.port}`;
    const store = memcachedOverPostgres(url.href);
    const sessions = createSessions({
      secretKey: SECRET,
      engine: store,
      logger: capturingLogger(),
    });
    try {
      const browser = new Browser(sessions);
      await browser.session((session) => session.set('n', 1));
      const key = browser.cookie ?? '';
      proxy.cut();
      await assert.rejects(
        browser.session((session) => session.set('n', 2)),
        StoreUnavailable,
      );
      const before = await memcachedStats(memcached?.port ?? 0);
      await assert.rejects(
        new Browser(sessions).session((session) => session.set('new', true)),
        StoreUnavailable,
      );
      const afterCut = await memcachedStats(memcached?.port ?? 0);
      assert.equal(afterCut.curr_items, before.curr_items, 'a cache entry was written');
      assert.equal(afterCut.cmd_set, before.cmd_set);
      // The cache still holds what the database holds.
      proxy.restore();
      assert.deepEqual(await browser.data(), { n: 1 });
      assert.equal(browser.cookie, key);
    } finally {
      await sessions.close();
      await proxy.close();
    }
  });
});

// Redis in front (the shared server, under a key prefix of this file's own), SQLite behind.

if (skipWithoutRedis === false) assertRedisReachable();
const REDIS_PREFIX = uniqueName('coatcheck_cached_db');
const redis = skipWithoutRedis === false ? await connectClient() : undefined;
after(async () => {
  if (redis === undefined) return;
  await deleteKeys(redis, `${REDIS_PREFIX}*`);
  redis.destroy();
});
const redisOverSqlite = () => {
  if (redis === undefined) throw new Error('Redis is unreachable');
  return cachedDb({
    cache: redisStore({ client: redis }, { keyPrefix: REDIS_PREFIX }),
    database: sqliteStore({ path: tempPath() }),
  });
};

describe('cached-db on redis', { skip: skipWithoutRedis }, () => {
  describeStoreContract('cached-db (redis + sqlite)', redisOverSqlite, {
    expiredRecordsExist: true,
    derivesDefaultExpiry: true,
  });
  describeSessionContract('cached-db (redis + sqlite)', redisOverSqlite, { serverSide: true });
  describe('cached-db (redis + sqlite) under concurrent writers', () =>
    describeConcurrentWriters(redisOverSqlite, 50));

  test('a session is under Django’s cached_db key in Redis', async () => {
    const store = redisOverSqlite();
    await store.open(storeContext());
    const key = generateSessionKey();
    await store.create(key, recordOf({ a: 1 }));
    const redisKey = `${REDIS_PREFIX}:1:${CACHED_DB_SESSION_PREFIX}${key}`;
    assert.equal(await redis?.exists(redisKey), 1);
    assert.ok(Math.abs(((await redis?.pTTL(redisKey)) ?? 0) - TWO_WEEKS * 1000) < 5000);
    await store.close();
  });
});
