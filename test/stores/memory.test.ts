/**
 * The memory store: the shared contract, then its bound and its options.
 *
 * Expired records are gone at once, as in Django's cache engine (whose cache drops an entry
 * when its timeout passes): `exists` is false for them and their key may be created again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  atTimeAsync,
  Browser,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  recordOf,
  SECRET,
  storeContext,
} from './contract.ts';

describeStoreContract('memory', () => memoryStore(), { expiredRecordsExist: false });
describeSessionContract('memory', () => memoryStore(), { serverSide: true });
describe('memory store under concurrent writers', () =>
  describeConcurrentWriters(() => memoryStore()));

describe('memoryStore', () => {
  test('keeps at most maxSessions, dropping the least recently used', async () => {
    const store = memoryStore({ maxSessions: 3 });
    await store.open?.(storeContext());
    const [a, b, c, d] = Array.from({ length: 4 }, () => generateSessionKey());
    for (const key of [a, b, c]) await store.create(key ?? '', recordOf({ key }));
    // Reading `a` makes `b` the least recently used.
    assert.deepEqual((await store.load(a ?? ''))?.data, { key: a });
    await store.create(d ?? '', recordOf({ key: d }));
    assert.equal(await store.load(b ?? ''), null);
    for (const key of [a, c, d]) assert.deepEqual((await store.load(key ?? ''))?.data, { key });
  });

  test('a flood of new visitors cannot grow it past the bound', async () => {
    const store = memoryStore({ maxSessions: 100 });
    const keys = Array.from({ length: 1000 }, () => generateSessionKey());
    for (const key of keys) await store.create(key, recordOf({ key }));
    let kept = 0;
    for (const key of keys) if (await store.exists(key)) kept++;
    assert.equal(kept, 100);
    // The newest survive.
    for (const key of keys.slice(-100)) assert.equal(await store.exists(key), true);
  });

  test('defaults to 10000 sessions', async () => {
    const store = memoryStore();
    const keys = Array.from({ length: 10_001 }, () => generateSessionKey());
    for (const key of keys) await store.create(key, recordOf({}));
    assert.equal(await store.exists(keys[0] ?? ''), false);
    assert.equal(await store.exists(keys[1] ?? ''), true);
    assert.equal(await store.exists(keys[10_000] ?? ''), true);
  });

  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
    test(`refuses maxSessions ${String(bad)} with a TypeError naming the option`, () => {
      assert.throws(
        () => memoryStore({ maxSessions: bad as number }),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.includes('maxSessions') &&
          error.message.includes(String(bad)),
      );
    });
  }

  test('accepts maxSessions 1', async () => {
    const store = memoryStore({ maxSessions: 1 });
    const [a, b] = [generateSessionKey(), generateSessionKey()];
    await store.create(a, recordOf({}));
    await store.create(b, recordOf({}));
    assert.equal(await store.exists(a), false);
    assert.equal(await store.exists(b), true);
  });

  test('expires records by the clock coatcheck reads (Date.now), so a pinned clock works', async () => {
    const store = memoryStore();
    const key = generateSessionKey();
    const T = 1_700_000_000;
    await atTimeAsync(T, async () => store.create(key, recordOf({ a: 1 }, { cookieAge: 60 })));
    await atTimeAsync(T + 59, async () => {
      assert.deepEqual((await store.load(key))?.data, { a: 1 });
      assert.equal(await store.exists(key), true);
    });
    await atTimeAsync(T + 61, async () => {
      assert.equal(await store.exists(key), false);
      assert.equal(await store.load(key), null);
    });
  });

  test('clearExpired counts records that expired as the clock moved', async () => {
    const store = memoryStore();
    const T = 1_700_000_000;
    const keys = Array.from({ length: 5 }, () => generateSessionKey());
    await atTimeAsync(T, async () => {
      for (const [i, key] of keys.entries()) {
        await store.create(key, recordOf({}, { cookieAge: i < 3 ? 60 : 3600 }));
      }
    });
    assert.equal(await atTimeAsync(T + 120, () => store.clearExpired()), 3);
    await atTimeAsync(T + 120, async () => {
      for (const [i, key] of keys.entries()) assert.equal(await store.exists(key), i >= 3);
    });
  });

  test('each lifecycle keeps its own sessions', async () => {
    const make = () =>
      createSessions({ secretKey: SECRET, engine: memoryStore(), logger: capturingLogger() });
    const first = new Browser(make());
    await first.session((session) => session.set('x', 1));
    const second = new Browser(make(), first.cookie);
    assert.deepEqual(await second.data(), {});
  });
});
