/**
 * Django on one side of a shared browser, for the session wire tests: requests go through its
 * SessionMiddleware (the peer's `session.request`) with the cookie the browser holds.
 */
import assert from 'node:assert/strict';
import type { Sessions } from '../../src/middleware/lifecycle.ts';
import type { SessionData } from '../../src/session/data.ts';
import { EXPIRY_KEY } from '../../src/session/expiry.ts';
import { Browser, sentCookie } from '../stores/contract.ts';
import { ok, runPeer, SECRET_KEY } from './helpers.ts';

export const TWO_WEEKS = 1_209_600;

/** Data both JSONs carry the same way (no whole floats: JavaScript would write 1.0 as 1). */
export const SAMPLE: SessionData = {
  user: 'zoë',
  cart: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-7', qty: 1 },
  ],
  total: 12.5,
  flags: { beta: true, seen: null },
  emoji: 'smile 😀',
  _auth_user_id: '42',
};

/**
 * Python values JavaScript cannot hold as they are, as Django's JSON writes them: ints beyond
 * 2^53, whole floats, and a dict whose keys JavaScript would reorder. Untouched by coatcheck, they
 * must come back to Django exactly so.
 */
export const PYTHON_VALUES =
  '{"big":1234567890123456789,"max":9223372036854775807,"huge":1000000000000000000000000000000,' +
  '"one":1.0,"e16":1e+16,"nested":{"x":1,"10":2,"2":3},"7":"seven","counter":1}';

export type Action =
  | { do: 'set'; key: string; value: unknown }
  | { do: 'delete'; key: string }
  | { do: 'update'; values: SessionData }
  /** Values as Python JSON text, for what JavaScript's JSON cannot spell (`1.0`, big ints). */
  | { do: 'update_json'; json: string }
  | { do: 'flush' }
  | { do: 'cycle_key' }
  | { do: 'set_expiry'; value: unknown };

/** What a request through Django's SessionMiddleware answered (session_ops.request). */
export interface DjangoVisit {
  status: number;
  data: SessionData;
  /** The data as Python's compact JSON: exact types and dict key order. */
  data_json: string | null;
  expiry_age: unknown;
  session_key: string | null;
  set_cookie: string | null;
  vary: string | null;
}

/**
 * Django on one side of a shared browser: requests go through its SessionMiddleware with the
 * session cookie the browser holds, and its Set-Cookie updates that cookie.
 */
export class DjangoSide {
  readonly settings: Record<string, unknown>;
  readonly cookieName: string;

  constructor(settings: Record<string, unknown>) {
    this.settings = { SECRET_KEY, INSTALLED_APPS: ['django.contrib.sessions'], ...settings };
    this.cookieName = String(settings.SESSION_COOKIE_NAME ?? 'sessionid');
  }

  /** One peer operation, which must succeed. */
  call(op: string, args: Record<string, unknown> = {}): unknown {
    const [outcome] = runPeer([{ op, ...args }], this.settings);
    return ok(outcome, op);
  }

  /** A request from `browser` through Django; the browser keeps what the response sets. */
  visit(browser: Browser, actions: Action[] = []): DjangoVisit {
    const cookie =
      browser.cookie === undefined ? undefined : `${this.cookieName}=${browser.cookie}`;
    const visit = this.call('session.request', { cookie, actions }) as DjangoVisit;
    const sent = sentCookie(visit.set_cookie === null ? [] : [visit.set_cookie], this.cookieName);
    if (sent !== undefined) browser.cookie = sent.expired ? undefined : sent.value;
    return visit;
  }
}

/**
 * Django stores {@link PYTHON_VALUES}; coatcheck reads them (the big ints as BigInts), changes
 * one key and saves; Django then reads every other value back with its type, its value and its
 * dict key order, byte for byte as it wrote them. `browser` holds the shared session's cookie.
 */
export async function checkUntouchedValuesRoundTrip(
  django: DjangoSide,
  browser: Browser,
): Promise<void> {
  const written = django.visit(browser, [{ do: 'update_json', json: PYTHON_VALUES }]);
  assert.equal(written.data_json, PYTHON_VALUES, 'the peer stored the values as given');
  const seen = await browser.session((session) => {
    const read = session.toJSON();
    session.set('counter', 2);
    return read;
  });
  assert.equal(seen.value.big, 1234567890123456789n);
  assert.equal(seen.value.max, 2n ** 63n - 1n);
  assert.equal(seen.value.huge, 10n ** 30n);
  assert.equal(seen.value.one, 1);
  assert.deepEqual(seen.value.nested, { x: 1, 10: 2, 2: 3 });
  const after = django.visit(browser);
  assert.equal(after.status, 200);
  assert.equal(after.data_json, PYTHON_VALUES.replace('"counter":1', '"counter":2'));
  // And coatcheck reads its own save the same way.
  assert.equal((await browser.data()).max, 2n ** 63n - 1n);
}

/**
 * Changes cross both ways under one key: Django writes two values, coatcheck reads them, sets
 * one and deletes another, Django does the same, and both sides then read the same data under
 * the key they started with. `browser` holds the shared session's cookie.
 */
export async function checkChangesCrossBothWays(
  django: DjangoSide,
  browser: Browser,
): Promise<void> {
  django.visit(browser, [{ do: 'update', values: { a: 1, b: 'two' } }]);
  const key = browser.cookie;
  await browser.session((session) => {
    assert.deepEqual(session.toJSON(), { a: 1, b: 'two' });
    session.set('c', [3]);
    session.delete('a');
  });
  const visit = django.visit(browser, [
    { do: 'set', key: 'd', value: 'four' },
    { do: 'delete', key: 'b' },
  ]);
  assert.deepEqual(visit.data, { c: [3], d: 'four' });
  assert.equal(visit.session_key, key);
  assert.deepEqual(await browser.data(), { c: [3], d: 'four' });
  assert.equal(browser.cookie, key, 'an update never changes the key');
}

/**
 * A coatcheck flush (a logout) leaves Django nothing: the key no longer exists, and loading it
 * gives an empty session without a key. Returns coatcheck's flushing visit.
 */
export async function checkFlushSeenByDjango(django: DjangoSide, browser: Browser) {
  django.visit(browser, [{ do: 'set', key: 'user', value: 1 }]);
  const key = browser.cookie ?? '';
  const visit = await browser.session((session) => session.flush());
  assert.equal(django.call('session.exists', { key }), false);
  assert.deepEqual(django.call('session.load', { key }), {
    data: {},
    session_key: null,
    exists: false,
  });
  return visit;
}

/**
 * Sessions opened by key outside a request (`sessions.open`) cross to Django and back: one
 * created and saved by coatcheck is read by Django's `SessionStore(key)` with its expiry; one
 * Django's middleware saved is opened, changed and saved by coatcheck, and Django's next request
 * reads the change; `destroy()` leaves Django nothing to load; what `sessions.encode` writes,
 * Django's `decode` reads.
 */
export async function checkOpenedSessionsCross(
  django: DjangoSide,
  sessions: Sessions,
): Promise<void> {
  const made = await sessions.open();
  made.update(SAMPLE);
  made.setExpiry(3600);
  const key = await made.save();
  assert.deepEqual(django.call('session.load', { key }), {
    data: { ...SAMPLE, [EXPIRY_KEY]: 3600 },
    session_key: key,
    exists: true,
  });
  assert.equal(django.call('session.get_expiry_age', { key }), 3600);

  const browser = new Browser(sessions);
  django.visit(browser, [{ do: 'update', values: SAMPLE }]);
  const opened = await sessions.open(browser.cookie);
  assert.equal(opened.sessionKey, browser.cookie);
  assert.deepEqual(opened.toJSON(), SAMPLE);
  assert.equal(await opened.exists(), true);
  opened.set('user', 'changed by a script');
  opened.delete('emoji');
  await opened.save();
  const { emoji: _dropped, ...rest } = SAMPLE;
  assert.deepEqual(django.visit(browser).data, { ...rest, user: 'changed by a script' });

  const gone = browser.cookie;
  await opened.destroy();
  assert.deepEqual(django.call('session.load', { key: gone }), {
    data: {},
    session_key: null,
    exists: false,
  });

  assert.deepEqual(django.call('session.decode', { text: sessions.encode(SAMPLE) }), SAMPLE);
}

/** What `django.contrib.auth.login` writes into the session, for a user with id 7. */
export const LOGIN: SessionData = {
  _auth_user_id: '7',
  _auth_user_backend: 'django.contrib.auth.backends.ModelBackend',
  _auth_user_hash: 'f'.repeat(64),
};

/**
 * A login on either side is seen by the other at once. A login is what `auth.login` does to the
 * session: a new key (`cycle_key`, against session fixation) that keeps the data, and the user's
 * three keys. The other side then reads the user under the new key, and the old key, replayed,
 * is no session at all. Each browser starts with an anonymous session (a cart), made by the side
 * that does not log in.
 */
export async function checkLoginCrossesBothWays(
  django: DjangoSide,
  fromDjango: Browser,
  fromCoatcheck: Browser,
): Promise<void> {
  // Django logs in a visitor whose session coatcheck started.
  await fromDjango.session((session) => session.set('cart', ['A-1']));
  const anonymous = fromDjango.cookie ?? '';
  const login = django.visit(fromDjango, [{ do: 'cycle_key' }, { do: 'update', values: LOGIN }]);
  assert.ok(login.session_key !== null && login.session_key !== anonymous, 'Django cycled the key');
  assert.equal(fromDjango.cookie, login.session_key);
  assert.deepEqual(await fromDjango.data(), { cart: ['A-1'], ...LOGIN });
  const replayed = await new Browser(fromDjango.sessions, anonymous).session((s) => s.toJSON());
  assert.deepEqual(replayed.value, {}, 'the pre-login key is no session in coatcheck');

  // coatcheck logs in a visitor whose session Django started.
  django.visit(fromCoatcheck, [{ do: 'set', key: 'cart', value: ['B-7'] }]);
  const before = fromCoatcheck.cookie ?? '';
  await fromCoatcheck.session((session) => {
    session.cycleKey();
    session.update(LOGIN);
  });
  const after = fromCoatcheck.cookie ?? '';
  assert.ok(after !== '' && after !== before, 'coatcheck cycled the key');
  const seen = django.visit(fromCoatcheck);
  assert.deepEqual(seen.data, { cart: ['B-7'], ...LOGIN });
  assert.equal(seen.session_key, after);
  assert.equal(django.call('session.exists', { key: before }), false);
  assert.deepEqual(django.call('session.load', { key: before }), {
    data: {},
    session_key: null,
    exists: false,
  });
}
