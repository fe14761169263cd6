/**
 * The Redis store against the real server on 127.0.0.1:6379: the shared contract, Django's
 * session tests and 50 concurrent writers, through the application's client and through a URL;
 * then what Django's cache engine fixes (the key, the TTL), the round trips Redis itself counts
 * (on a redis-server of this file's own, so other tests' traffic does not disturb the count),
 * records that cannot be unpickled, and the options.
 *
 * Every key lives under a prefix of this file's own, deleted by SCAN at the end (never FLUSHALL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RESP_TYPES, type RedisClientType } from 'redis';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { CACHED_DB_SESSION_PREFIX } from '../../src/stores/cache/cache-keys.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { uniqueName } from '../helpers/databases.ts';
import {
  assertRedisReachable,
  connectClient,
  deleteKeys,
  REDIS_URL,
  type RedisServer,
  skipWithoutRedis,
  skipWithoutRedisServer,
  startRedisServer,
} from '../helpers/redis-servers.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  Browser,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  recordOf,
  SECRET,
  storeContext,
} from './contract.ts';

if (skipWithoutRedis === false) assertRedisReachable();

const PREFIX = uniqueName('coatcheck_test');
const CACHE_KEY = (key: string, prefix = PREFIX, version = 1) =>
  `${prefix}:${version}:django.contrib.sessions.cache${key}`;

// One client of the application's, shared by every store of the file: the stores never close it.
let app: RedisClientType | undefined;
const client = (): RedisClientType => {
  if (app === undefined) throw new Error('Redis is unreachable');
  return app;
};
if (skipWithoutRedis === false) app = await connectClient();
after(async () => {
  if (app === undefined) return;
  await deleteKeys(app, `${PREFIX}*`);
  app.destroy();
});

const makeStore = () => redisStore({ client: client() }, { keyPrefix: PREFIX });

/** The Redis key of a browser's session. */
const keyOf = (browser: Browser) => CACHE_KEY(browser.cookie ?? '');

describe('redis', { skip: skipWithoutRedis }, () => {
  describeStoreContract('redis', makeStore, {
    expiredRecordsExist: false,
    derivesDefaultExpiry: true,
    expiresByItself: true,
  });
  describeSessionContract('redis', makeStore, { serverSide: true });
  describe('redis store under concurrent writers (the application’s client)', () =>
    describeConcurrentWriters(makeStore, 50));
  describe('redis store under concurrent writers (its own client, from a URL)', () =>
    describeConcurrentWriters(() => redisStore({ url: REDIS_URL }, { keyPrefix: PREFIX }), 50));

  describe('redisStore', () => {
    const sessions = () =>
      createSessions({ secretKey: SECRET, engine: makeStore(), logger: capturingLogger() });

    describe('keys and values, as Django’s cache engine keeps them', () => {
      test('a session lives under <KEY_PREFIX>:<VERSION>:django.contrib.sessions.cache<key>', async () => {
        const b = new Browser(sessions());
        await b.session((session) => session.set('x', 1));
        assert.equal(await client().exists(keyOf(b)), 1);
        assert.equal(await client().type(keyOf(b)), 'string');
      });

      const raw = (key: string) =>
        client()
          .withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
          .get(key);

      test('the value is the session dict pickled with protocol 5, or 4 when asked', async () => {
        const b = new Browser(sessions());
        await b.session((session) => session.set('x', 1));
        assert.deepEqual(
          [...((await raw(keyOf(b))) ?? Buffer.alloc(0)).subarray(0, 2)],
          [0x80, 0x05],
        );
        const store = redisStore({ client: client() }, { keyPrefix: PREFIX, pickleProtocol: 4 });
        await store.open?.(storeContext());
        const key = generateSessionKey();
        await store.create(key, recordOf({ x: 1 }));
        assert.deepEqual(
          [...((await raw(CACHE_KEY(key))) ?? Buffer.alloc(0)).subarray(0, 2)],
          [0x80, 0x04],
        );
      });

      test('a session django-redis wrote (protocol 4, recorded from Django 3.2) loads', async () => {
        // From shared/django-cache-format.md: a logged-in user with dj_counter = 1.
        const bytes = Buffer.from(
          '8004950e010000000000007d94288c0d5f617574685f757365725f6964948c0131948c125f617574685f757365725f6261636b656e64948c29646a616e676f2e636f6e747269622e617574682e6261636b656e64732e4d6f64656c4261636b656e64948c0f5f617574685f757365725f68617368948c4066616332376461326465386264396664633332336338343466363338353538653634653438396136333634313432373434303463386161313433353362633439948c0a5f63737266746f6b656e948c407064533062434f316b6375467154744f784a384b6979504b6f36313736357557756b5176306c5070475856396b65594a79776e52514353554a6545637646474a948c0a646a5f636f756e746572944b01752e',
          'hex',
        );
        const key = generateSessionKey();
        await client().set(CACHE_KEY(key), bytes, { expiration: { type: 'PX', value: 60_000 } });
        const b = new Browser(sessions(), key);
        const visit = await b.session((session) => {
          const seen = { user: session.get('_auth_user_id'), counter: session.get('dj_counter') };
          session.set('dj_counter', 2);
          return seen;
        });
        assert.deepEqual(visit.value, { user: '1', counter: 1 });
        const again = await raw(CACHE_KEY(key));
        // Written back as Django would: the same bytes but the counter (and the protocol).
        assert.equal(again?.length, bytes.length);
        assert.deepEqual(await b.data(), {
          _auth_user_id: '1',
          _auth_user_backend: 'django.contrib.auth.backends.ModelBackend',
          _auth_user_hash: 'fac27da2de8bd9fdc323c844f638558e64e489a636414274404c8aa14353bc49',
          _csrftoken: 'pdS0bCO1kcuFqTtOxJ8KiyPKo61765uWukQv0lPpGXV9keYJywnRQCSUJeEcvFGJ',
          dj_counter: 2,
        });
      });

      test('inspect shows the entry as Redis holds it: key, pickled bytes, TTL', async () => {
        const store = makeStore();
        await store.open?.(storeContext());
        const key = generateSessionKey();
        assert.equal(await store.inspect(key), null);
        await store.create(key, recordOf({ a: 1 }, { expiresInSeconds: 600 }));
        const entry = await store.inspect(key);
        assert.equal(entry?.key, CACHE_KEY(key));
        assert.deepEqual(entry?.value, await raw(CACHE_KEY(key)));
        const left = (entry?.expiresAt?.getTime() ?? 0) - Date.now();
        assert.ok(left > 590_000 && left <= 600_000, `expires in ${left} ms`);
      });

      test('keyPrefix and version shape the key; the default is :1:', async () => {
        const key = generateSessionKey();
        const store = redisStore({ client: client() }, { keyPrefix: `${PREFIX}v`, version: 7 });
        await store.open?.(storeContext());
        await store.create(key, recordOf({ a: 1 }));
        assert.equal(await client().exists(CACHE_KEY(key, `${PREFIX}v`, 7)), 1);
        assert.equal(await client().exists(CACHE_KEY(key)), 0);
        // The options may also sit beside the connection, in one object (the form).
        const inOne = redisStore({ client: client(), keyPrefix: `${PREFIX}w`, version: 3 });
        await inOne.open?.(storeContext());
        const third = generateSessionKey();
        await inOne.create(third, recordOf({ a: 1 }));
        assert.equal(await client().exists(CACHE_KEY(third, `${PREFIX}w`, 3)), 1);
        assert.equal(await client().exists(CACHE_KEY(third)), 0);
        const plain = redisStore({ client: client() });
        await plain.open?.(storeContext());
        const other = generateSessionKey();
        await plain.create(other, recordOf({ a: 1 }));
        try {
          assert.equal(await client().exists(`:1:django.contrib.sessions.cache${other}`), 1);
        } finally {
          await client().del(`:1:django.contrib.sessions.cache${other}`);
        }
      });

      test('withSessionPrefix stores under Django’s cached_db prefix on the same connection', async () => {
        const store = makeStore();
        const cached = store.withSessionPrefix(CACHED_DB_SESSION_PREFIX);
        await cached.open?.(storeContext());
        const key = generateSessionKey();
        await cached.create(key, recordOf({ via: 'cached_db' }));
        assert.equal(
          await client().exists(`${PREFIX}:1:django.contrib.sessions.cached_db${key}`),
          1,
        );
        assert.equal(await client().exists(CACHE_KEY(key)), 0);
        assert.deepEqual((await cached.load(key))?.data, { via: 'cached_db' });
        await cached.close();
        await store.close();
      });
    });

    describe('TTL: Django’s get_expiry_age, reset on every save', () => {
      const near = (actual: number, expected: number) =>
        assert.ok(
          actual <= expected && actual > expected - 5000,
          `PTTL ${actual}, expected about ${expected}`,
        );

      test('a default session gets SESSION_COOKIE_AGE (1209600 s)', async () => {
        const b = new Browser(sessions());
        await b.session((session) => session.set('x', 1));
        near(await client().pTTL(keyOf(b)), 1_209_600_000);
      });

      test('setExpiry(300) gives 300 s; setExpiry(0) gives the cookie age, as Django does', async () => {
        const b = new Browser(sessions());
        await b.session((session) => {
          session.set('x', 1);
          session.setExpiry(300);
        });
        near(await client().pTTL(keyOf(b)), 300_000);
        await b.session((session) => session.setExpiry(0));
        near(await client().pTTL(keyOf(b)), 1_209_600_000);
      });

      test('every save sets the TTL again', async () => {
        const b = new Browser(sessions());
        await b.session((session) => session.set('n', 1));
        await client().pExpire(keyOf(b), 60_000);
        await b.session((session) => session.set('n', 2));
        near(await client().pTTL(keyOf(b)), 1_209_600_000);
        await client().pExpire(keyOf(b), 60_000);
        // A compare-and-save (the request loaded the record first) resets it too.
        await b.session((session) => session.set('n', (session.get('n') as number) + 1));
        near(await client().pTTL(keyOf(b)), 1_209_600_000);
        assert.deepEqual(await b.data(), { n: 3 });
      });

      test('a key whose TTL ran out is gone: the cookie no longer loads it', async () => {
        const b = new Browser(sessions());
        await b.session((session) => session.set('x', 1));
        await client().pExpire(keyOf(b), 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(await b.data(), {});
      });
    });

    describe('records that cannot be unpickled', () => {
      for (const [label, bytes] of [
        ['garbage', Buffer.from('not a pickle at all')],
        ['a truncated pickle', Buffer.from([0x80, 0x05, 0x95, 0x10])],
        ['an empty value', Buffer.alloc(0)],
      ] as const) {
        test(`${label}: a fresh session under a new key, one warning, the record left as it was`, async () => {
          const logger = capturingLogger();
          const app2 = createSessions({ secretKey: SECRET, engine: makeStore(), logger });
          const key = generateSessionKey();
          await client().set(CACHE_KEY(key), bytes, { expiration: { type: 'PX', value: 60_000 } });
          const b = new Browser(app2, key);
          const visit = await b.session((session) => {
            assert.deepEqual(session.toJSON(), {});
            session.set('fresh', true);
          });
          assert.ok(visit.sent !== undefined && !visit.sent.expired);
          assert.notEqual(visit.sent.value, key, 'the unreadable record’s key was reused');
          assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
          assert.match(logger.warnings[0] ?? '', /not a readable session pickle/);
          const raw = await client()
            .withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
            .get(CACHE_KEY(key));
          assert.deepEqual(raw, bytes);
          assert.deepEqual(await b.data(), { fresh: true });
        });
      }
    });

    describe('connections', () => {
      test('close() leaves the application’s client open', async () => {
        const store = makeStore();
        await store.open?.(storeContext());
        await store.close();
        assert.equal(await client().ping(), 'PONG');
      });

      test('a store made from a URL connects on first use and close() ends its client', async () => {
        const store = redisStore({ url: REDIS_URL }, { keyPrefix: PREFIX });
        await store.open?.(storeContext());
        const key = generateSessionKey();
        await store.create(key, recordOf({ a: 1 }));
        assert.deepEqual((await store.load(key))?.data, { a: 1 });
        await store.close();
        await assert.rejects(async () => store.load(key), StoreUnavailable);
      });

      test('a server that is not there gives StoreUnavailable naming the host, never the password', async () => {
        const port = await (await import('../helpers/child-servers.ts')).freePort();
        const store = redisStore(
          { url: `redis://someone:sekrit-password@127.0.0.1:${port}` },
          { commandTimeout: 300 },
        );
        await store.open?.(storeContext());
        const started = Date.now();
        await assert.rejects(
          async () => store.load(generateSessionKey()),
          (error: unknown) => {
            assert.ok(error instanceof StoreUnavailable, String(error));
            assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
            assert.doesNotMatch(error.message, /sekrit/);
            return true;
          },
        );
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
        await store.close();
      });

      for (const [label, connection] of [
        ['nothing', undefined],
        ['an empty url', { url: '' }],
        ['a client without withTypeMapping()', { client: {} }],
      ] as const) {
        test(`refuses ${label} with a TypeError naming redisStore`, () => {
          assert.throws(() => redisStore(connection as never), /redisStore needs/);
        });
      }

      for (const [label, options] of [
        ['commandTimeout 0', { commandTimeout: 0 }],
        ['version 1.5', { version: 1.5 }],
        ['keyPrefix 5', { keyPrefix: 5 }],
        ['pickleProtocol 3', { pickleProtocol: 3 }],
      ] as const) {
        test(`refuses ${label} with a TypeError naming the option`, () => {
          const named = (error: unknown) =>
            error instanceof TypeError && error.message.includes(Object.keys(options)[0] ?? '');
          assert.throws(() => redisStore({ url: REDIS_URL }, options as never), named);
          assert.throws(() => redisStore({ url: REDIS_URL, ...options } as never), named);
        });
      }

      test('refuses a url and a client together, naming both', () => {
        assert.throws(
          () => redisStore({ url: REDIS_URL, client: client() } as never),
          /redisStore takes \{ url \} or \{ client \}, not both/,
        );
      });

      test('refuses an option given twice with two values, naming it', () => {
        assert.throws(
          () => redisStore({ url: REDIS_URL, keyPrefix: 'a' }, { keyPrefix: 'b' }),
          (error: unknown) => error instanceof TypeError && /keyPrefix/.test(error.message),
        );
        // The same value in both places is no conflict.
        redisStore({ url: REDIS_URL, keyPrefix: 'a' }, { keyPrefix: 'a' });
      });
    });
  });
});

describe('redis round trips, as Redis counts them (INFO commandstats)', {
  skip: skipWithoutRedis || skipWithoutRedisServer,
}, () => {
  let server: RedisServer | undefined;
  let counter: RedisClientType | undefined;
  before(async () => {
    server = await startRedisServer();
    counter = await connectClient(server.url);
  });
  after(async () => {
    counter?.destroy();
    await server?.stop();
  });

  /** Calls per command since the last reset, without this test's own INFO and CONFIG calls. */
  async function calls(): Promise<Record<string, number>> {
    const info = await counter?.info('commandstats');
    const counts: Record<string, number> = {};
    for (const match of (info ?? '').matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
      const name = match[1] ?? '';
      if (['info', 'config|resetstat', 'hello', 'client|setinfo', 'client|setname'].includes(name))
        continue;
      counts[name] = Number(match[2]);
    }
    await counter?.configResetStat();
    return counts;
  }

  test('none for a request that never touches its session; one command per load, create, save, delete', async () => {
    const sessions = createSessions({
      secretKey: SECRET,
      engine: redisStore({ url: server?.url ?? '' }, { keyPrefix: 'count' }),
      logger: capturingLogger(),
    });
    try {
      const b = new Browser(sessions);
      // Connect first, so the handshake is not counted with the first request.
      await b.data();
      await calls();

      await b.visit(() => 'untouched');
      assert.deepEqual(await calls(), {}, 'a request that never loads its session');

      await b.session((session) => session.set('n', 1));
      assert.deepEqual(await calls(), { set: 1 }, 'a new session: SET NX PX');

      await b.visit(() => 'untouched');
      assert.deepEqual(await calls(), {});

      await b.session((session) => session.get('n'));
      assert.deepEqual(await calls(), { get: 1 }, 'a read: GET');

      // Redis counts the GET and SET the script runs inside the server as well; the round trips
      // are the request's GET and the one EVALSHA. The first compare-and-save on a fresh server
      // also sends the script once (EVALSHA answers NOSCRIPT, then EVAL).
      await b.session((session) => session.set('n', 2));
      assert.deepEqual(await calls(), { get: 1 + 1, evalsha: 1, eval: 1, set: 1 });

      await b.session((session) => session.set('n', 3));
      assert.deepEqual(
        await calls(),
        { get: 1 + 1, evalsha: 1, set: 1 },
        'a change: GET, then one EVALSHA',
      );

      await b.session((session) => session.flush());
      assert.deepEqual(await calls(), { get: 1, del: 1 }, 'a logout: GET, then DEL');
    } finally {
      await sessions.close();
    }
  });
});
