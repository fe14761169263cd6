/**
 * Memcached sessions shared with the real Django 3.2 (`PyMemcacheCache`, pymemcache 3.5) on a
 * memcached of this file's own, the same SECRET_KEY:
 *
 * - Django's `cache` engine beside `memcachedStore`: sessions created, changed, flushed by
 *   either side are seen by the other at once, under the same key, with Django's flags, pickle
 *   protocol and TTL;
 * - Django's `cached_db` engine beside `cachedDb` (the same memcached in front of one SQLite
 *   file): every change by either side is seen by the other at once (no stale read from the
 *   cache), a logout on either side kills the cookie for the other at once, and either side's
 *   clearsessions removes the other's expired rows. Then why the plain SQLite store beside
 *   Django's cached_db reads stale data (docs/guide/django-interop.md).
 *
 * Each Django step is its own peer run; neither clock is pinned.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { cachedDb } from '../../src/stores/cached-db.ts';
import { memcachedStore } from '../../src/stores/memcached.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import {
  type MemcachedServer,
  metaGet,
  skipWithoutMemcached,
  startMemcached,
} from '../helpers/memcached.ts';
import { Browser, capturingLogger } from '../stores/contract.ts';
import {
  checkChangesCrossBothWays,
  checkFlushSeenByDjango,
  checkLoginCrossesBothWays,
  DjangoSide,
  SAMPLE,
  TWO_WEEKS,
} from './django-side.ts';
import { SECRET_KEY, skipWithoutDjango } from './helpers.ts';

const logger = capturingLogger();
const skip = skipWithoutDjango || skipWithoutMemcached;

const caches = (server: MemcachedServer) => ({
  default: {
    BACKEND: 'django.core.cache.backends.memcached.PyMemcacheCache',
    LOCATION: server.address,
  },
});

describe('memcached sessions (wire, Django 3.2)', { skip }, () => {
  let server: MemcachedServer;
  before(async () => {
    server = await startMemcached();
  });
  after(() => server?.stop());

  describe('the cache engine', () => {
    let django: DjangoSide;
    let sessions: Sessions;
    before(() => {
      django = new DjangoSide({
        SESSION_ENGINE: 'django.contrib.sessions.backends.cache',
        CACHES: caches(server),
      });
      sessions = createSessions({
        secretKey: SECRET_KEY,
        engine: memcachedStore({ servers: [server.address] }),
        logger,
      });
    });
    after(() => sessions?.close());
    const browser = () => new Browser(sessions);
    const item = (key: string) => metaGet(server.port, `:1:django.contrib.sessions.cache${key}`);

    test('a session Django created loads in coatcheck, and both write the same kind of item', async () => {
      const b = browser();
      django.visit(b, [{ do: 'update', values: SAMPLE }]);
      const key = b.cookie ?? '';
      assert.match(key, /^[a-z0-9]{32}$/);
      const theirs = await item(key);
      assert.ok(theirs !== null);
      assert.deepEqual(await b.data(), SAMPLE);

      const ours = browser();
      await ours.session((session) => session.update(SAMPLE));
      const mine = await item(ours.cookie ?? '');
      assert.ok(mine !== null);
      assert.equal(mine.flags, theirs.flags);
      assert.equal(mine.flags, 1);
      assert.deepEqual([...mine.value.subarray(0, 2)], [...theirs.value.subarray(0, 2)]);
      assert.ok(Math.abs(mine.ttl - theirs.ttl) <= 2, `${mine.ttl} vs Django's ${theirs.ttl}`);
      assert.ok(Math.abs(mine.ttl - TWO_WEEKS) <= 2);
    });

    test('a session coatcheck created loads in Django with the same data', async () => {
      const b = browser();
      await b.session((session) => session.update(SAMPLE));
      const key = b.cookie ?? '';
      assert.deepEqual(django.call('session.load', { key }), {
        data: SAMPLE,
        session_key: key,
        exists: true,
      });
      assert.deepEqual(django.visit(b).data, SAMPLE);
    });

    test('modifications cross both ways under the same key, at once', async () => {
      await checkChangesCrossBothWays(django, browser());
    });

    test('a login (a new key and the user) on either side is seen by the other at once', async () => {
      await checkLoginCrossesBothWays(django, browser(), browser());
    });

    test('a logout on either side is a dead cookie for the other at once', async () => {
      const fromDjango = browser();
      await fromDjango.session((session) => session.set('user', 1));
      const djangoKey = fromDjango.cookie ?? '';
      django.visit(fromDjango, [{ do: 'flush' }]);
      const replay = await new Browser(sessions, djangoKey).session((s) => s.sessionKey);
      assert.equal(replay.value, null);

      await checkFlushSeenByDjango(django, browser());
    });

    test('a Python value JavaScript has no type for (bytes) survives a coatcheck write', async () => {
      const b = browser();
      django.visit(b, [
        { do: 'set', key: 'raw', value: { $bytes_hex: 'e7ff00' } },
        { do: 'set', key: 'n', value: 1 },
      ]);
      await b.session((session) => session.set('n', 2));
      assert.deepEqual(django.visit(b).data, { raw: Buffer.from('e7ff00', 'hex'), n: 2 });
    });

    test('an expiry set by one side is the TTL the other reads', async () => {
      const b = browser();
      django.visit(b, [
        { do: 'set', key: 'x', value: 1 },
        { do: 'set_expiry', value: 300 },
      ]);
      const key = b.cookie ?? '';
      assert.ok(Math.abs(((await item(key))?.ttl ?? 0) - 300) <= 2);
      await b.session((session) => session.setExpiry(600));
      assert.ok(Math.abs(((await item(key))?.ttl ?? 0) - 600) <= 2);
      assert.equal(django.call('session.get_expiry_age', { key }), 600);
    });
  });

  describe('the cached_db engine, on one SQLite file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-wire-cached-db-'));
    after(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'db.sqlite3');
    let django: DjangoSide;
    let sessions: Sessions;
    let plain: Sessions;
    before(() => {
      django = new DjangoSide({
        USE_TZ: true,
        SESSION_ENGINE: 'django.contrib.sessions.backends.cached_db',
        CACHES: caches(server),
        DATABASE_URL: `sqlite:///${path}`,
      });
      assert.deepEqual(django.call('db.migrate'), ['django_migrations', 'django_session']);
      sessions = createSessions({
        secretKey: SECRET_KEY,
        engine: cachedDb({
          cache: memcachedStore({ servers: [server.address] }),
          database: sqliteStore({ path }),
        }),
        logger,
      });
      plain = createSessions({ secretKey: SECRET_KEY, engine: sqliteStore({ path }), logger });
    });
    after(async () => {
      await sessions?.close();
      await plain?.close();
    });
    const browser = () => new Browser(sessions);
    const item = (key: string) =>
      metaGet(server.port, `:1:django.contrib.sessions.cached_db${key}`);
    const deleteRow = (key: string) => {
      const db = new DatabaseSync(path);
      try {
        db.prepare('DELETE FROM django_session WHERE session_key = ?').run(key);
      } finally {
        db.close();
      }
    };

    test('a session either side created loads in the other from the cache alone', async () => {
      const b = browser();
      django.visit(b, [{ do: 'update', values: SAMPLE }]);
      assert.equal((await item(b.cookie ?? ''))?.flags, 1);
      // Without its row, the session can only come from the item Django wrote.
      deleteRow(b.cookie ?? '');
      assert.deepEqual(await b.data(), SAMPLE);

      const ours = browser();
      await ours.session((session) => session.update(SAMPLE));
      const key = ours.cookie ?? '';
      assert.equal((await item(key))?.flags, 1);
      deleteRow(key);
      assert.deepEqual(django.call('session.load', { key }), {
        data: SAMPLE,
        session_key: key,
        exists: true,
      });
      assert.deepEqual(
        logger.warnings.filter((warning) => warning.includes('memcached item')),
        [],
        'coatcheck could not read an item Django wrote',
      );
    });

    test('a change by either side is seen by the other at once (no stale read)', async () => {
      const b = browser();
      django.visit(b, [{ do: 'set', key: 'step', value: 1 }]);
      for (let step = 2; step <= 5; step += 2) {
        // Each side has the session cached before the other changes it.
        await b.session((session) => {
          assert.equal(session.get('step'), step - 1);
          session.set('step', step);
        });
        const visit = django.visit(b, [{ do: 'set', key: 'step', value: step + 1 }]);
        assert.equal(visit.data.step, step + 1);
      }
      assert.deepEqual(await b.data(), { step: 5 });
      assert.equal(django.visit(b).data.step, 5);
    });

    test('a login (a new key and the user) on either side is seen by the other at once', async () => {
      await checkLoginCrossesBothWays(django, browser(), browser());
    });

    test('a logout on either side is a dead cookie for the other at once', async () => {
      const b = browser();
      django.visit(b, [{ do: 'set', key: 'user', value: 1 }]);
      const key = b.cookie ?? '';
      assert.equal(django.visit(b).data.user, 1); // cached on Django's side too
      await b.session((session) => session.flush());
      assert.equal(django.call('session.exists', { key }), false);
      assert.deepEqual((django.call('session.load', { key }) as { data: unknown }).data, {});
      assert.equal(await item(key), null);

      const other = browser();
      await other.session((session) => session.set('user', 2));
      const otherKey = other.cookie ?? '';
      assert.equal((await other.data()).user, 2);
      django.visit(other, [{ do: 'flush' }]);
      const replay = await new Browser(sessions, otherKey).session((s) => s.sessionKey);
      assert.equal(replay.value, null);
    });

    test('either side’s clearsessions removes the other’s expired rows, and only those', async () => {
      const ours = async (expiry: number) =>
        (
          await browser().session((session) => {
            session.set('foo', 'bar');
            session.setExpiry(expiry);
          })
        ).sent?.value ?? '';
      const theirs = (expiry: number) =>
        django.visit(browser(), [
          { do: 'set', key: 'foo', value: 'bar' },
          { do: 'set_expiry', value: expiry },
        ]).session_key ?? '';
      const database = sqliteStore({ path });
      try {
        const [ourLive, ourExpired] = [await ours(3600), await ours(-3600)];
        assert.equal(await database.exists(ourExpired), true, 'an expired row stays until swept');
        django.call('clearsessions');
        assert.equal(await database.exists(ourExpired), false);
        assert.equal(await database.exists(ourLive), true);

        const [theirLive, theirExpired] = [theirs(3600), theirs(-3600)];
        assert.equal(await database.exists(theirExpired), true);
        assert.equal(await sessions.clearExpired(), 1);
        assert.equal(await database.exists(theirExpired), false);
        assert.equal(await database.exists(theirLive), true);
      } finally {
        await database.close();
      }
    });

    test('the plain SQLite store beside Django’s cached_db reads stale data (why cachedDb exists)', async () => {
      const b = browser();
      django.visit(b, [{ do: 'set', key: 'cart', value: ['book'] }]);
      // The plain store writes the row and leaves Django's cache entry as it was.
      const stale = new Browser(plain, b.cookie);
      await stale.session((session) => session.set('cart', []));
      assert.deepEqual(django.visit(b).data.cart, ['book'], 'Django served its stale cache entry');
    });
  });
});
