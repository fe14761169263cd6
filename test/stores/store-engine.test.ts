/**
 * The engine's save lanes (`src/stores/store-engine.ts`): this process's concurrent saves of
 * one session queue behind the write in flight and then go together as one merged write, so a
 * burst of writers costs a read and a write per round, not a conflict and a retry per request.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionInterrupted } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { capturingLogger, SECRET } from './contract.ts';

/** A memory store that counts its compare-and-save calls and their outcomes. */
function countingStore(): { store: SessionStore; outcomes: string[] } {
  const store = memoryStore();
  const outcomes: string[] = [];
  const compareAndSave = store.compareAndSave?.bind(store);
  store.compareAndSave = async (key, record, version) => {
    const outcome = (await compareAndSave?.(key, record, version)) ?? 'missing';
    outcomes.push(outcome);
    return outcome;
  };
  return { store, outcomes };
}

async function newSession(store: SessionStore) {
  const sessions = createSessions({ secretKey: SECRET, engine: store, logger: capturingLogger() });
  const first = sessions.begin(undefined);
  (await first.session()).set('shared', 'start');
  const cookie = (await first.finish({ status: 200 })).setCookie[0]?.split(';')[0] ?? '';
  return { sessions, cookie };
}

describe('save lanes', () => {
  test('fifty concurrent saves of one session take two writes and keep every change', async () => {
    const { store, outcomes } = countingStore();
    const { sessions, cookie } = await newSession(store);
    const contexts = Array.from({ length: 50 }, () => sessions.begin(cookie));
    const loaded = await Promise.all(contexts.map((ctx) => ctx.session()));
    for (const [i, session] of loaded.entries()) session.set(`writer${i}`, i);
    await Promise.all(contexts.map((ctx) => ctx.finish({ status: 200 })));
    // The first writes alone; the other 49 queued behind it and go as one.
    assert.deepEqual(outcomes, ['saved', 'saved']);
    const data = (await sessions.begin(cookie).session()).toJSON();
    for (let i = 0; i < 50; i++) assert.equal(data[`writer${i}`], i);
  });

  test('queued saves apply in arrival order: the last to set a key wins', async () => {
    const { store } = countingStore();
    const { sessions, cookie } = await newSession(store);
    const contexts = Array.from({ length: 5 }, () => sessions.begin(cookie));
    const loaded = await Promise.all(contexts.map((ctx) => ctx.session()));
    for (const [i, session] of loaded.entries()) session.set('color', `c${i}`);
    await Promise.all(contexts.map((ctx) => ctx.finish({ status: 200 })));
    assert.equal((await sessions.begin(cookie).session()).get('color'), 'c4');
  });

  test('a session deleted while saves wait interrupts every one of them', async () => {
    const { store } = countingStore();
    const { sessions, cookie } = await newSession(store);
    const contexts = Array.from({ length: 4 }, () => sessions.begin(cookie));
    const loaded = await Promise.all(contexts.map((ctx) => ctx.session()));
    for (const [i, session] of loaded.entries()) session.set(`k${i}`, i);
    const key = cookie.split('=')[1] ?? '';
    const finishing = contexts.map((ctx) => ctx.finish({ status: 200 }));
    await store.delete(key);
    const outcomes = await Promise.allSettled(finishing);
    // The first may have saved before the delete; every one queued after it is refused.
    const refused = outcomes.filter(
      (outcome) => outcome.status === 'rejected' && outcome.reason instanceof SessionInterrupted,
    );
    assert.ok(refused.length >= 3, `${refused.length} refused`);
  });

  test('saves of different sessions do not wait for each other', async () => {
    const { store, outcomes } = countingStore();
    const a = await newSession(store);
    const b = await newSession(store);
    const [ca, cb] = [a.sessions.begin(a.cookie), b.sessions.begin(b.cookie)];
    (await ca.session()).set('x', 1);
    (await cb.session()).set('y', 2);
    await Promise.all([ca.finish({ status: 200 }), cb.finish({ status: 200 })]);
    assert.deepEqual(outcomes, ['saved', 'saved']);
  });
});
