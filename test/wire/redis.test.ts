/**
 * Sessions shared with the real Django 3.2 through one Redis, both ways: Django's `cache` session
 * engine on django-redis (`CACHES` pointed at the test Redis, with this file's own `KEY_PREFIX`)
 * and coatcheck's `redisStore` with the same `keyPrefix`. A session either side creates, changes
 * or deletes is seen by the other at once; the TTL is the one Django sets; and values coatcheck
 * cannot turn into JavaScript (a datetime, a Decimal, an instance of the application's class)
 * survive a coatcheck save unchanged.
 *
 * Every Django step is its own peer run; keys are deleted by SCAN of the prefix at the end.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { RedisClientType } from 'redis';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { redisStore } from '../../src/stores/redis.ts';
import { uniqueName } from '../helpers/databases.ts';
import {
  connectClient,
  deleteKeys,
  REDIS_URL,
  skipWithoutRedis,
} from '../helpers/redis-servers.ts';
import { Browser, capturingLogger } from '../stores/contract.ts';
import {
  checkChangesCrossBothWays,
  checkLoginCrossesBothWays,
  DjangoSide,
  SAMPLE,
  TWO_WEEKS,
} from './django-side.ts';
import { SECRET_KEY, skipWithoutDjango } from './helpers.ts';

const PREFIX = uniqueName('coatcheck_wire');
const skip = skipWithoutDjango || skipWithoutRedis;

let redis: RedisClientType | undefined;
if (skip === false) redis = await connectClient();
after(async () => {
  if (redis === undefined) return;
  await deleteKeys(redis, `${PREFIX}*`);
  redis.destroy();
});

const django = new DjangoSide({
  SESSION_ENGINE: 'django.contrib.sessions.backends.cache',
  CACHES: {
    default: {
      BACKEND: 'django_redis.cache.RedisCache',
      LOCATION: REDIS_URL,
      KEY_PREFIX: PREFIX,
    },
  },
});

const sessions =
  skip === false
    ? createSessions({
        secretKey: SECRET_KEY,
        engine: redisStore({ url: REDIS_URL }, { keyPrefix: PREFIX }),
        logger: capturingLogger(),
      })
    : undefined;
after(() => sessions?.close());

const browser = () => {
  if (sessions === undefined) throw new Error('no Redis');
  return new Browser(sessions);
};
const keyOf = (b: Browser) => `${PREFIX}:1:django.contrib.sessions.cache${b.cookie}`;
const pttl = async (b: Browser) => (await redis?.pTTL(keyOf(b))) ?? -1;
const near = (actual: number, seconds: number) =>
  assert.ok(
    actual <= seconds * 1000 && actual > seconds * 1000 - 10_000,
    `PTTL ${actual}, expected about ${seconds * 1000}`,
  );

/** The reprs Django's loaded session holds, per key (its type's name and repr()). */
const djangoRepr = (key: string | undefined) =>
  django.call('cache.session_repr', { key }) as Record<string, [string, string]> | null;

describe('redis sessions (wire, Django 3.2 with django-redis)', { skip }, () => {
  test('a session coatcheck created loads in Django with the same data', async () => {
    const b = browser();
    await b.session((session) => session.update(SAMPLE));
    const visit = django.visit(b);
    assert.deepEqual(visit.data, SAMPLE);
    assert.equal(visit.session_key, b.cookie);
    assert.equal(visit.set_cookie, null, 'Django accepted the cookie as it is');
  });

  test('a session Django created loads in coatcheck with the same data', async () => {
    const b = browser();
    const visit = django.visit(b, [{ do: 'update', values: SAMPLE }]);
    assert.ok(visit.set_cookie?.startsWith('sessionid='));
    assert.deepEqual(await b.data(), SAMPLE);
  });

  test('a change by either side is seen by the other at once', async () => {
    const b = browser();
    await checkChangesCrossBothWays(django, b);
    await b.session((session) => session.set('e', 5));
    assert.deepEqual(django.visit(b).data, { c: [3], d: 'four', e: 5 });
  });

  test('a login (a new key and the user) on either side is seen by the other at once', async () => {
    await checkLoginCrossesBothWays(django, browser(), browser());
  });

  test('a flush (logout) in Django: coatcheck sees no session', async () => {
    const b = browser();
    await b.session((session) => session.set('user', 1));
    const cookie = b.cookie;
    django.visit(b, [{ do: 'flush' }]);
    assert.equal(b.cookie, undefined, 'Django deleted the cookie');
    assert.equal(await redis?.exists(`${PREFIX}:1:django.contrib.sessions.cache${cookie}`), 0);
    assert.deepEqual(await new Browser(browser().sessions, cookie).data(), {});
  });

  test('a flush (logout) in coatcheck: Django sees no session', async () => {
    const b = browser();
    django.visit(b, [{ do: 'set', key: 'user', value: 1 }]);
    const cookie = b.cookie;
    await b.session((session) => session.flush());
    assert.equal(b.cookie, undefined);
    const replay = browser();
    replay.cookie = cookie;
    const visit = django.visit(replay);
    assert.deepEqual(visit.data, {});
    assert.equal(visit.session_key, null);
  });

  test('the TTL is the one Django sets: the cookie age, 300 s after set_expiry(300), the cookie age for set_expiry(0)', async () => {
    const b = browser();
    django.visit(b, [{ do: 'set', key: 'x', value: 1 }]);
    near(await pttl(b), TWO_WEEKS);
    await b.session((session) => session.set('y', 2));
    near(await pttl(b), TWO_WEEKS);
    django.visit(b, [{ do: 'set_expiry', value: 300 }]);
    near(await pttl(b), 300);
    await b.session((session) => session.set('z', 3));
    near(await pttl(b), 300);
    await b.session((session) => session.setExpiry(0));
    near(await pttl(b), TWO_WEEKS);
    django.visit(b, [{ do: 'set_expiry', value: 0 }]);
    near(await pttl(b), TWO_WEEKS);
  });

  test('a datetime, a Decimal and an object of Django’s own class survive a coatcheck save unchanged', async () => {
    const key = django.call('cache.store_python_values') as string;
    const before = djangoRepr(key);
    assert.deepEqual(before?.py_dt, [
      'datetime',
      'datetime.datetime(2024, 2, 29, 12, 34, 56, 789000, tzinfo=datetime.timezone.utc)',
    ]);
    assert.deepEqual(before?.py_decimal, [
      'Decimal',
      "Decimal('3.14159265358979323846264338327950288')",
    ]);
    assert.deepEqual(before?.py_ticket, ['Ticket', "Ticket(7, 'row A')"]);
    const b = browser();
    b.cookie = key;
    await b.session((session) => {
      assert.equal(session.get('py_plain'), 'kept');
      session.set('py_plain', 'changed by coatcheck');
      session.set('added', [1, 2]);
    });
    assert.equal(b.cookie, key, 'coatcheck kept the session Django made');
    const after = djangoRepr(key);
    assert.deepEqual(after, {
      ...before,
      py_plain: ['str', "'changed by coatcheck'"],
      added: ['list', '[1, 2]'],
    });
  });
});
