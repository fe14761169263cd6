/**
 * Idle and absolute timeouts (settings.idleTimeout, settings.absoluteTimeout): enforced when the
 * session loads (a timed-out session is a fresh one, its record deleted, its cookie too), with
 * the last-request time rewritten at most once per refresh interval, not on every request.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ImproperlyConfigured } from '../../src/errors.ts';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { CREATED_KEY, refreshInterval, SEEN_KEY } from '../../src/session/timeouts.ts';
import type { Settings } from '../../src/settings.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { atTimeAsync, Browser, capturingLogger, SECRET } from '../stores/contract.ts';

const T0 = 1_800_000_000;

function app(settings: Partial<Settings>, engine: Settings['engine'] = memoryStore()): Sessions {
  return createSessions({ secretKey: SECRET, engine, logger: capturingLogger(), ...settings });
}

function storeOf(sessions: Sessions): SessionStore {
  const { engine } = sessions.settings;
  assert.equal(engine.kind, 'store');
  return engine;
}

/** A request at `seconds` that reads `x`; returns it and whether the response wrote the session. */
async function readAt(b: Browser, seconds: number) {
  return atTimeAsync(seconds, async () => {
    const visit = await b.session((session) => session.get('x'));
    return { x: visit.value, wrote: visit.sent !== undefined && !visit.sent.expired, visit };
  });
}

describe('settings.idleTimeout and settings.absoluteTimeout', () => {
  test('are off by default and stamp nothing', async () => {
    const sessions = app({});
    assert.equal(sessions.settings.idleTimeout, null);
    assert.equal(sessions.settings.absoluteTimeout, null);
    const b = new Browser(sessions);
    await b.session((session) => session.set('x', 1));
    assert.deepEqual(await b.data(), { x: 1 });
  });

  test('refuse anything but a positive whole number of seconds or null', () => {
    for (const name of ['idleTimeout', 'absoluteTimeout']) {
      for (const bad of [0, -5, 1.5, '60', Number.NaN]) {
        assert.throws(
          () => app({ [name]: bad } as Partial<Settings>),
          (error: unknown) =>
            error instanceof ImproperlyConfigured && error.message.includes(`settings.${name}`),
        );
      }
      assert.doesNotThrow(() => app({ [name]: null } as Partial<Settings>));
    }
    assert.throws(() => app({ idleTimout: 60 } as Partial<Settings>), ImproperlyConfigured);
  });

  test('the refresh interval is a tenth of the idle timeout, between 1 and 60 seconds', () => {
    assert.equal(refreshInterval(5), 1);
    assert.equal(refreshInterval(300), 30);
    assert.equal(refreshInterval(1800), 60);
  });

  test('idle: a session unused for idleTimeout seconds is a fresh one; its record and cookie go', async () => {
    const sessions = app({ idleTimeout: 300 });
    const b = new Browser(sessions);
    await atTimeAsync(T0, () => b.session((session) => session.set('x', 1)));
    const key = b.cookie ?? '';
    assert.equal((await readAt(b, T0 + 299)).x, 1);
    const late = await readAt(b, T0 + 299 + 300);
    assert.equal(late.x, undefined);
    assert.equal(late.visit.sent?.expired, true, 'the cookie is deleted');
    assert.equal(b.cookie, undefined);
    assert.equal(await storeOf(sessions).load(key), null, 'the old record is deleted');
  });

  test('idle: reading refreshes the last-request time at most once per interval, with no write between', async () => {
    const sessions = app({ idleTimeout: 600 }); // refresh interval 60 s
    const b = new Browser(sessions);
    await atTimeAsync(T0, () => b.session((session) => session.set('x', 1)));
    const key = b.cookie ?? '';
    const writes: boolean[] = [];
    for (const after of [10, 30, 59, 60, 70, 119, 120]) {
      writes.push((await readAt(b, T0 + after)).wrote);
    }
    assert.deepEqual(writes, [false, false, false, true, false, false, true]);
    assert.equal((await storeOf(sessions).load(key))?.data[SEEN_KEY], T0 + 120);
    // Kept alive by the refreshes: 700 s after creation, 580 s after the last refresh.
    assert.equal((await readAt(b, T0 + 700)).x, 1);
  });

  test('a refresh saves the session but leaves session.modified to the application', async () => {
    const sessions = app({ idleTimeout: 600 });
    const b = new Browser(sessions);
    await atTimeAsync(T0, () => b.session((session) => session.set('x', 1)));
    const visit = await atTimeAsync(T0 + 60, () => b.session((session) => session.modified));
    assert.equal(visit.value, false);
    assert.notEqual(visit.sent, undefined, 'the refresh was written and the cookie re-sent');
  });

  test('absolute: a session ends absoluteTimeout seconds after creation, however active', async () => {
    const sessions = app({ absoluteTimeout: 3600, idleTimeout: 900 });
    const b = new Browser(sessions);
    await atTimeAsync(T0, () => b.session((session) => session.set('x', 1)));
    for (let at = 600; at < 3600; at += 600) assert.equal((await readAt(b, T0 + at)).x, 1);
    assert.equal((await readAt(b, T0 + 3600)).x, undefined);
    assert.equal(b.cookie, undefined);
  });

  test('absolute: cycleKey (a login) restarts the clock', async () => {
    const sessions = app({ absoluteTimeout: 3600 });
    const b = new Browser(sessions);
    await atTimeAsync(T0, () => b.session((session) => session.set('x', 1)));
    await atTimeAsync(T0 + 3000, () => b.session((session) => session.cycleKey()));
    assert.equal((await readAt(b, T0 + 3700)).x, 1);
    assert.equal((await readAt(b, T0 + 3000 + 3600)).x, undefined);
  });

  test('a session saved before the timeouts were on is stamped by its next request', async () => {
    const store = memoryStore();
    const before = new Browser(app({}, store));
    await atTimeAsync(T0, () => before.session((session) => session.set('x', 1)));
    const sessions = app({ idleTimeout: 300, absoluteTimeout: 3600 }, store);
    const b = new Browser(sessions, before.cookie);
    assert.equal((await readAt(b, T0 + 100)).wrote, true);
    const data = (await store.load(b.cookie ?? ''))?.data;
    assert.equal(data?.[SEEN_KEY], T0 + 100);
    assert.equal(data?.[CREATED_KEY], T0 + 100);
  });

  test('signed cookies: the stamps travel in the cookie and are enforced the same way', async () => {
    const sessions = app({ idleTimeout: 300 }, signedCookies());
    const b = new Browser(sessions);
    await atTimeAsync(T0, () => b.session((session) => session.set('x', 1)));
    assert.equal((await readAt(b, T0 + 200)).x, 1);
    assert.equal((await readAt(b, T0 + 200 + 300)).x, undefined);
    assert.equal(b.cookie, undefined);
  });

  test('open(): a timed-out session opens empty; its save neither refreshes nor revives', async () => {
    const sessions = app({ idleTimeout: 300 });
    const b = new Browser(sessions);
    await atTimeAsync(T0, () => b.session((session) => session.set('x', 1)));
    const key = b.cookie ?? '';
    await atTimeAsync(T0 + 100, async () => {
      const session = await sessions.open(key);
      session.set('y', 2);
      await session.save();
    });
    assert.equal(
      (await storeOf(sessions).load(key))?.data[SEEN_KEY],
      T0,
      'a script is not activity',
    );
    await atTimeAsync(T0 + 400, async () => {
      const session = await sessions.open(key);
      assert.equal(session.sessionKey, null);
      assert.deepEqual(session.toJSON(), {});
      await session.destroy();
    });
    assert.equal(await storeOf(sessions).load(key), null);
  });
});
