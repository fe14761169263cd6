/**
 * Concurrent writers on one session: the lost-update test every store that can compare and
 * save must pass. Django, and every Node peer, keep only the last writer's change here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import type { SessionStore } from '../../src/stores/store.ts';

const SECRET = 'concurrency-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
const quiet = { warn() {}, error() {} };

// One writer's key is "__proto__": merged data must never be built by assigning keys to a plain
// object, where that key would set the object's prototype instead of adding an entry.
const writerKey = (i: number) => (i === 7 ? '__proto__' : `writer${i}`);

export function describeConcurrentWriters(makeStore: () => SessionStore, writers = 50): void {
  test(`${writers} concurrent requests on one session, each setting its own key (one of them "__proto__"), all keep their change`, async (t) => {
    const sessions = createSessions({ secretKey: SECRET, engine: makeStore(), logger: quiet });
    // Closed however the test ends: a pool left open keeps the test file from ever exiting.
    t.after(() => sessions.close());
    const first = sessions.begin(undefined);
    (await first.session()).set('shared', 'start');
    const { setCookie } = await first.finish({ status: 200 });
    const cookie = setCookie[0]?.split(';')[0] ?? '';

    // Every request loads the same version before any of them saves.
    const contexts = Array.from({ length: writers }, () => sessions.begin(cookie));
    const loaded = await Promise.all(contexts.map((ctx) => ctx.session()));
    for (const [i, session] of loaded.entries()) session.set(writerKey(i), i);
    await Promise.all(contexts.map((ctx) => ctx.finish({ status: 200 })));

    const check = sessions.begin(cookie);
    const data = (await check.session()).toJSON();
    for (let i = 0; i < writers; i++) {
      const key = writerKey(i);
      assert.ok(Object.hasOwn(data, key), `${key} lost`);
      assert.equal(data[key], i, `${key} lost`);
    }
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.equal(data.shared, 'start');
  });

  test('two requests setting the same key: the last to save wins', async (t) => {
    const sessions = createSessions({ secretKey: SECRET, engine: makeStore(), logger: quiet });
    t.after(() => sessions.close());
    const first = sessions.begin(undefined);
    (await first.session()).set('color', 'red');
    const cookie = (await first.finish({ status: 200 })).setCookie[0]?.split(';')[0] ?? '';
    const [a, b] = [sessions.begin(cookie), sessions.begin(cookie)];
    const [sa, sb] = await Promise.all([a.session(), b.session()]);
    sa.set('color', 'green');
    sb.set('color', 'blue');
    await a.finish({ status: 200 });
    await b.finish({ status: 200 });
    assert.equal((await sessions.begin(cookie).session()).get('color'), 'blue');
  });

  test('a request that deletes a key keeps it deleted while another adds a key', async (t) => {
    const sessions = createSessions({ secretKey: SECRET, engine: makeStore(), logger: quiet });
    t.after(() => sessions.close());
    const first = sessions.begin(undefined);
    (await first.session()).update({ keep: 1, drop: 2 });
    const cookie = (await first.finish({ status: 200 })).setCookie[0]?.split(';')[0] ?? '';
    const [a, b] = [sessions.begin(cookie), sessions.begin(cookie)];
    const [sa, sb] = await Promise.all([a.session(), b.session()]);
    sa.delete('drop');
    sb.set('added', 3);
    await a.finish({ status: 200 });
    await b.finish({ status: 200 });
    assert.deepEqual((await sessions.begin(cookie).session()).toJSON(), { keep: 1, added: 3 });
  });
}
