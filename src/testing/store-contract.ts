/**
 * The store contract suite, for anyone writing a session store: `coatcheck/testing`.
 *
 * Every store coatcheck ships runs it from its own test file before its extras; a third-party
 * store runs it the same way, under `node --test`. It depends only on `node:test` and
 * `node:assert`. The model is Django's `SessionTestsMixin` (tests/sessions_tests/tests.py), which
 * runs one behaviour list against every backend, and unstorage's `testDriver`.
 *
 * - {@link describeStoreContract}: the `SessionStore` contract (`coatcheck/stores`' store.ts),
 *   called directly: load, create, save with and without `mustExist`, delete, exists,
 *   clearExpired.
 * - {@link describeSessionContract}: Django's SessionTestsMixin rows 1-37, ported through the
 *   request lifecycle (`createSessions` -> `begin` -> `session()` -> `finish`) with a small
 *   {@link Browser} that carries the cookie between requests, plus the hazards Django's list
 *   leaves implicit: garbage cookies, planted keys, many sequential writes.
 *
 * @example
 * import { describeSessionContract, describeStoreContract } from 'coatcheck/testing';
 * describeStoreContract('mine', () => myStore(), { expiredRecordsExist: true });
 * describeSessionContract('mine', () => myStore(), { serverSide: true });
 *
 * @module
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CreateError, SessionInterrupted, UpdateError } from '../errors.ts';
import {
  createSessions,
  type FinishResult,
  type RequestContext,
  type Sessions,
} from '../middleware/lifecycle.ts';
import type { SessionData } from '../session/data.ts';
import { DJANGO_SESSION_SALT, djangoSessionCodec } from '../session/encoding.ts';
import type { EngineProvider } from '../session/engine.ts';
import { EXPIRY_KEY, toPythonIsoFormat } from '../session/expiry.ts';
import { generateSessionKey } from '../session/keys.ts';
import type { SessionLogger } from '../session/logger.ts';
import type { Session } from '../session/session.ts';
import { resolveSettings, type Settings } from '../settings.ts';
import { dumps, loads } from '../signing/dumps.ts';
import { TimestampSigner } from '../signing/timestamp-signer.ts';
import { SIGNED_COOKIE_SESSION_SALT } from '../stores/signed-cookie.ts';
import type { SessionStore, StoreContext, StoreRecord } from '../stores/store.ts';
import { atTime, atTimeAsync } from './clock.ts';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** A strong secret (50+ characters, many distinct), so settings never warn about it. */
export const SECRET = 'store-contract-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';

/** Django's default `SESSION_COOKIE_AGE`. */
export const TWO_WEEKS = 1_209_600;

/** A logger that keeps what it is told, so tests can assert on warnings and stay quiet. */
export interface CapturingLogger extends SessionLogger {
  readonly warnings: string[];
  readonly errors: string[];
}

export function capturingLogger(): CapturingLogger {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message) => void warnings.push(message),
    error: (message) => void errors.push(message),
  };
}

/**
 * The `StoreContext` the lifecycle would open a store with under these settings (Django's
 * codec under the secret, the cookie name, the expiry policy, the logger).
 */
export function storeContext(
  settings: Partial<Settings> = {},
  logger: SessionLogger = capturingLogger(),
): StoreContext {
  const resolved = resolveSettings({
    secretKey: SECRET,
    engine: { kind: 'engine', name: 'none', open: () => ({}) as never },
    logger,
    ...settings,
  });
  return {
    djangoCodec: djangoSessionCodec({
      secretKey: resolved.secretKey,
      fallbackKeys: resolved.secretKeyFallbacks,
      logger,
    }),
    cookieName: resolved.cookieName,
    policy: resolved.policy,
    logger,
  };
}

/** Opens a lifecycle's store for direct calls, with the context the lifecycle gives it. */
export async function openedStore(sessions: Sessions): Promise<SessionStore> {
  const store = sessions.settings.engine;
  assert.equal(store.kind, 'store', 'a server-side engine');
  const { secretKey, secretKeyFallbacks, cookieName, policy, logger } = sessions.settings;
  await store.open?.({
    djangoCodec: djangoSessionCodec({ secretKey, fallbackKeys: secretKeyFallbacks, logger }),
    cookieName,
    policy,
    logger,
  });
  return store;
}

export { atTimeAsync };

/** The session cookie in a response's `Set-Cookie` lines. */
export interface SentCookie {
  value: string;
  /** `Max-Age` zero or negative: the browser drops the cookie (Django's delete_cookie, or a past expiry). */
  expired: boolean;
  maxAge: number | undefined;
  line: string;
}

export function sentCookie(setCookie: readonly string[], name: string): SentCookie | undefined {
  const line = setCookie.find((candidate) => candidate.startsWith(`${name}=`));
  if (line === undefined) return undefined;
  const end = line.indexOf(';');
  let value = line.slice(name.length + 1, end === -1 ? undefined : end);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  const maxAgeText = /;\s*Max-Age=(-?\d+)/i.exec(line)?.[1];
  const maxAge = maxAgeText === undefined ? undefined : Number(maxAgeText);
  return { value, expired: maxAge !== undefined && maxAge <= 0, maxAge, line };
}

/** One request through the lifecycle, as a {@link Browser} saw it. */
export interface Visit<T> {
  value: T;
  result: FinishResult;
  /** The session cookie the response set or deleted, if any. */
  sent: SentCookie | undefined;
}

/**
 * A browser over the lifecycle: sends the session cookie it holds, runs a handler, finishes the
 * request with a status, and keeps what the response's `Set-Cookie` says (dropping the cookie
 * on `Max-Age` of zero or less), as a browser would.
 */
export class Browser {
  /** The session cookie's value, or `undefined` when the browser has none. */
  cookie: string | undefined;
  readonly sessions: Sessions;

  constructor(sessions: Sessions, cookie?: string) {
    this.sessions = sessions;
    this.cookie = cookie;
  }

  get cookieName(): string {
    return this.sessions.settings.cookieName;
  }

  async visit<T>(
    handler: (ctx: RequestContext) => T | Promise<T>,
    status = 200,
  ): Promise<Visit<Awaited<T>>> {
    const header = this.cookie === undefined ? undefined : `${this.cookieName}=${this.cookie}`;
    const ctx = this.sessions.begin(header);
    const value = await handler(ctx);
    const result = await ctx.finish({ status });
    const sent = sentCookie(result.setCookie, this.cookieName);
    if (sent !== undefined) this.cookie = sent.expired ? undefined : sent.value;
    return { value, result, sent };
  }

  /** A request whose handler works on the loaded session. */
  session<T>(
    fn: (session: Session, ctx: RequestContext) => T | Promise<T>,
    status = 200,
  ): Promise<Visit<Awaited<T>>> {
    return this.visit(async (ctx) => fn(await ctx.session(), ctx), status);
  }

  /** The data the browser's cookie stands for now, read by a fresh request. */
  async data(): Promise<SessionData> {
    return (await this.session((session) => session.toJSON())).value;
  }
}

/** A record as the lifecycle builds it: the default expiry, or a custom one in the data. */
export function recordOf(
  data: SessionData,
  options: { expiresInSeconds?: number; cookieAge?: number } = {},
): StoreRecord {
  const now = Date.now();
  if (options.expiresInSeconds === undefined) {
    return { data, expiresAt: new Date(now + (options.cookieAge ?? TWO_WEEKS) * 1000) };
  }
  const expiresAt = new Date(now + options.expiresInSeconds * 1000);
  return { data: { ...data, [EXPIRY_KEY]: toPythonIsoFormat(expiresAt) }, expiresAt };
}

/** A record that expired an hour ago, by both its expiry date and its custom expiry. */
export function expiredRecord(data: SessionData = { stale: true }): StoreRecord {
  return recordOf(data, { expiresInSeconds: -3600 });
}

// ---------------------------------------------------------------------------------------------
// The SessionStore contract

/** What a store decides for itself; each choice is documented by the store. */
export interface StoreContractOptions {
  /**
   * Whether an expired record still exists until it is cleared or loaded (Django's db and file
   * engines: `exists()` counts it, `create` on its key fails) or is gone at once (Django's
   * cache engine, where the cache's own TTL removes it).
   */
  expiredRecordsExist: boolean;
  /**
   * Whether the store derives a record's default expiry from its own write time, as Django's
   * file engine does (the file's mtime plus the cookie age), rather than keeping `expiresAt`.
   * A custom expiry in the data is still kept exactly.
   */
  derivesDefaultExpiry?: boolean;
  /**
   * Whether the backing service drops expired records by itself (a cache's TTL), so that
   * `clearExpired` never has anything to delete and returns 0, as Django's cache engine's
   * `clear_expired` does nothing.
   */
  expiresByItself?: boolean;
  /** Settings the context is built from (cookie name, cookie age, ...). */
  settings?: Partial<Settings>;
}

const ROUND_TRIP_CASES: readonly [string, SessionData][] = [
  ['an empty object', {}],
  ['flat values', { s: 'text', n: 42, f: 0.1, big: 1e21, t: true, f2: false, z: null }],
  [
    'nested values',
    { nested: { deep: { deeper: [1, [2, [3, { four: 4 }]]] } }, list: [], obj: {} },
  ],
  [
    'unicode, astral characters and escapes',
    { 'clé ünïcode': 'été 中文 😀 🏳️‍🌈', ctl: 'a\u0000b\u001f\u007f\u2028', q: '"\\/' },
  ],
  ['Django’s auth keys', { _auth_user_id: '1', _auth_user_hash: 'a'.repeat(64) }],
];

export function describeStoreContract(
  name: string,
  makeStore: () => SessionStore | Promise<SessionStore>,
  options: StoreContractOptions,
): void {
  describe(`${name} store contract`, () => {
    const cookieAge = options.settings?.cookieAge ?? TWO_WEEKS;
    const fresh = async (): Promise<SessionStore> => {
      const store = await makeStore();
      await store.open?.(storeContext(options.settings));
      return store;
    };
    const record = (data: SessionData, expiresInSeconds?: number): StoreRecord =>
      expiresInSeconds === undefined
        ? recordOf(data, { cookieAge })
        : recordOf(data, { expiresInSeconds, cookieAge });

    test('is a store with a name', async () => {
      const store = await fresh();
      assert.equal(store.kind, 'store');
      assert.equal(typeof store.name, 'string');
      assert.ok(store.name.length > 0);
    });

    test('load of a missing key is null and creates nothing', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      assert.equal(await store.load(key), null);
      assert.equal(await store.exists(key), false);
      assert.equal(await store.load(key), null);
    });

    for (const [label, data] of ROUND_TRIP_CASES) {
      test(`create then load round-trips ${label}`, async () => {
        const store = await fresh();
        const key = generateSessionKey();
        await store.create(key, record(data));
        const loaded = await store.load(key);
        assert.ok(loaded !== null);
        assert.deepEqual(loaded.data, data);
      });
    }

    test('create then load round-trips NaN, ±Infinity and -0, which Django’s JSON carries', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      const data = { nan: Number.NaN, inf: Infinity, ninf: -Infinity, negzero: -0, list: [-0] };
      await store.create(key, record(data));
      assert.deepEqual((await store.load(key))?.data, data);
    });

    test('create then load round-trips a custom expiry exactly', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      const created = record({ a: 1 }, 3600);
      await store.create(key, created);
      const loaded = await store.load(key);
      assert.deepEqual(loaded?.data, created.data);
      assert.equal(loaded?.expiresAt.getTime(), created.expiresAt.getTime());
    });

    test('create then load keeps the default expiry', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      const created = record({ a: 1 });
      await store.create(key, created);
      const loaded = await store.load(key);
      assert.ok(loaded !== null);
      assert.ok(loaded.expiresAt instanceof Date);
      if (options.derivesDefaultExpiry) {
        // Derived from the store's own write time, which is within moments of the record's.
        const drift = Math.abs(loaded.expiresAt.getTime() - created.expiresAt.getTime());
        assert.ok(drift < 2000, `expiry drifted ${drift} ms from the record's`);
      } else {
        assert.equal(loaded.expiresAt.getTime(), created.expiresAt.getTime());
      }
    });

    test('create then load round-trips a large record (256 KB)', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      const data = { blob: 'é0123456789abcdef'.repeat(16_384), n: 1 };
      await store.create(key, record(data));
      assert.deepEqual((await store.load(key))?.data, data);
    });

    test('load does not extend the expiry', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      const created = record({ a: 1 }, 60);
      await store.create(key, created);
      await store.load(key);
      assert.equal((await store.load(key))?.expiresAt.getTime(), created.expiresAt.getTime());
    });

    test('save replaces the expiry with the record’s', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await store.create(key, record({ a: 1 }, 60));
      const saved = record({ a: 2 }, 7200);
      await store.save(key, saved, { mustExist: true });
      const loaded = await store.load(key);
      assert.deepEqual(loaded?.data, saved.data);
      assert.equal(loaded?.expiresAt.getTime(), saved.expiresAt.getTime());
    });

    test('create on an existing key throws CreateError and keeps the first record', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await store.create(key, record({ first: true }));
      await assert.rejects(async () => store.create(key, record({ second: true })), CreateError);
      assert.deepEqual((await store.load(key))?.data, { first: true });
    });

    if (options.expiredRecordsExist) {
      test('create on the key of an expired record throws CreateError, as Django’s exists() counts it', async () => {
        const store = await fresh();
        const key = generateSessionKey();
        await store.create(key, expiredRecord());
        await assert.rejects(async () => store.create(key, record({ second: true })), CreateError);
      });
    } else {
      test('create on the key of an expired record succeeds, as the expired record is gone', async () => {
        const store = await fresh();
        const key = generateSessionKey();
        await store.create(key, expiredRecord());
        await store.create(key, record({ second: true }));
        assert.deepEqual((await store.load(key))?.data, { second: true });
      });
    }

    test('save with mustExist on a missing key throws UpdateError and creates nothing', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await assert.rejects(
        async () => store.save(key, record({ a: 1 }), { mustExist: true }),
        UpdateError,
      );
      assert.equal(await store.exists(key), false);
      assert.equal(await store.load(key), null);
    });

    test('save with mustExist on a deleted key throws UpdateError (no resurrection)', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await store.create(key, record({ a: 1 }));
      await store.delete(key);
      await assert.rejects(
        async () => store.save(key, record({ a: 2 }), { mustExist: true }),
        UpdateError,
      );
      assert.equal(await store.load(key), null);
    });

    test('save with mustExist replaces an existing record', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await store.create(key, record({ a: 1, gone: true }));
      await store.save(key, record({ a: 2 }), { mustExist: true });
      assert.deepEqual((await store.load(key))?.data, { a: 2 });
    });

    if (options.expiredRecordsExist) {
      test('save with mustExist on the key of an expired record replaces it', async () => {
        const store = await fresh();
        const key = generateSessionKey();
        await store.create(key, expiredRecord());
        await store.save(key, record({ revived: true }), { mustExist: true });
        assert.deepEqual((await store.load(key))?.data, { revived: true });
      });
    } else {
      test('save with mustExist on the key of an expired record throws UpdateError', async () => {
        const store = await fresh();
        const key = generateSessionKey();
        await store.create(key, expiredRecord());
        await assert.rejects(
          async () => store.save(key, record({ revived: true }), { mustExist: true }),
          UpdateError,
        );
        assert.equal(await store.load(key), null);
      });
    }

    test('save without mustExist creates a missing record', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await store.save(key, record({ made: 'by save' }), { mustExist: false });
      assert.equal(await store.exists(key), true);
      assert.deepEqual((await store.load(key))?.data, { made: 'by save' });
    });

    test('delete of a missing key is fine', async () => {
      const store = await fresh();
      await store.delete(generateSessionKey());
    });

    test('delete removes the record and nothing else', async () => {
      const store = await fresh();
      const [kept, removed] = [generateSessionKey(), generateSessionKey()];
      await store.create(kept, record({ kept: true }));
      await store.create(removed, record({ removed: true }));
      await store.delete(removed);
      assert.equal(await store.load(removed), null);
      assert.equal(await store.exists(removed), false);
      assert.deepEqual((await store.load(kept))?.data, { kept: true });
    });

    test('exists is true for a stored record only', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      assert.equal(await store.exists(key), false);
      await store.create(key, record({}));
      assert.equal(await store.exists(key), true);
      assert.equal(await store.exists(generateSessionKey()), false);
    });

    test(`exists is ${options.expiredRecordsExist} for an expired record`, async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await store.create(key, expiredRecord());
      assert.equal(await store.exists(key), options.expiredRecordsExist);
    });

    test('an expired record loads as null', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      await store.create(key, expiredRecord({ secret: 'old' }));
      assert.equal(await store.load(key), null);
      assert.equal(await store.load(key), null);
    });

    test('a record expiring a second ago loads as null, one expiring in a minute loads', async () => {
      const store = await fresh();
      const [past, future] = [generateSessionKey(), generateSessionKey()];
      await store.create(past, record({ n: 1 }, -1));
      await store.create(future, record({ n: 2 }, 60));
      assert.equal(await store.load(past), null);
      assert.equal((await store.load(future))?.data.n, 2);
    });

    test('clearExpired removes expired records only and returns the count', async () => {
      const store = await fresh();
      const live = [generateSessionKey(), generateSessionKey()];
      const expired = [generateSessionKey(), generateSessionKey(), generateSessionKey()];
      for (const key of live) await store.create(key, record({ live: key }));
      for (const key of expired) await store.create(key, expiredRecord({ expired: key }));
      assert.equal(await store.clearExpired(), options.expiresByItself ? 0 : expired.length);
      for (const key of expired) assert.equal(await store.exists(key), false);
      for (const key of live) assert.deepEqual((await store.load(key))?.data, { live: key });
      assert.equal(await store.clearExpired(), 0);
    });

    test('loaded data is a copy: changing it changes nothing stored', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      const data = { cart: [{ sku: 'A-1', qty: 2 }], n: 1 };
      const created = record(data);
      await store.create(key, created);
      // Nor does changing what was handed to create.
      data.cart.push({ sku: 'B-7', qty: 1 });
      data.n = 99;
      const first = await store.load(key);
      assert.ok(first !== null);
      (first.data.cart as unknown[]).push('changed in place');
      first.data.n = 2;
      delete first.data.cart;
      assert.deepEqual((await store.load(key))?.data, { cart: [{ sku: 'A-1', qty: 2 }], n: 1 });
    });

    test('concurrent creates of the same key: exactly one wins', async () => {
      const store = await fresh();
      const key = generateSessionKey();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, async (_, writer) => store.create(key, record({ writer }))),
      );
      const winners = outcomes.flatMap((outcome, writer) =>
        outcome.status === 'fulfilled' ? [writer] : [],
      );
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') assert.ok(outcome.reason instanceof CreateError);
      }
      assert.deepEqual((await store.load(key))?.data, { writer: winners[0] });
    });

    test('close resolves', async () => {
      const store = await fresh();
      await store.close();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Django's SessionTestsMixin, through the lifecycle

/** Options of {@link describeSessionContract}. */
export interface SessionContractOptions {
  /** A server-side store (the cookie holds a key) rather than data in the cookie. */
  serverSide: boolean;
  /** Settings every lifecycle of the suite is created with. */
  settings?: Partial<Settings>;
}

const GARBAGE_COOKIES: readonly [string, string][] = [
  ['an empty value', ''],
  ['seven characters', '1234567'],
  ['upper case', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'],
  ['41 characters', 'a'.repeat(41)],
  ['a path', '../../../../etc/passwd'],
  ['backslashes', 'a\\b\\c\\d\\e\\f\\g\\h'],
  ['a NUL byte', `abcdefgh${'\u0000'}ijklmnop`],
  ['non-ASCII text', 'ééééééééééé中文中文中文'],
  ['only colons', ':::::::::::'],
  ['three fields of junk', 'bad:encoded:value'],
  ['base64 of flaskdj', 'Zmxhc2tkajphbGtkamY='],
  ['4000 characters', 'x'.repeat(4000)],
  ['a JSON document', '{"_auth_user_id":"1"}'],
];

export function describeSessionContract(
  name: string,
  makeEngine: () => SessionStore | EngineProvider,
  options: SessionContractOptions,
): void {
  const { serverSide } = options;
  describe(`${name} session contract (Django SessionTestsMixin)`, () => {
    const app = (settings: Partial<Settings> = {}, logger = capturingLogger()): Sessions =>
      createSessions({
        secretKey: SECRET,
        engine: makeEngine(),
        logger,
        ...options.settings,
        ...settings,
      });
    const browser = (settings?: Partial<Settings>) => new Browser(app(settings));
    const storeOf = (sessions: Sessions): SessionStore => {
      const engine = sessions.settings.engine;
      assert.equal(engine.kind, 'store');
      return engine;
    };
    // Django's CookieSessionTests skip or no-op these for signed cookies, for these reasons.
    const skipUnless = (reason: string) => (serverSide ? {} : { skip: reason });
    const noExists = skipUnless(
      'exists() is meaningless when the data is the cookie (Django no-ops test_save)',
    );
    const noCycle = skipUnless(
      'an old signed cookie cannot be invalidated (Django no-ops test_cycle)',
    );
    const serverOnly = skipUnless(
      'no external store: the data travels in the cookie (Django skips it too)',
    );

    // Rows 1-14: the dict API and the accessed/modified flags, in one request.

    test('a new session is not modified, and loading it counts as an access (test_new_session)', async () => {
      const b = browser();
      const visit = await b.session((session) => ({
        modified: session.modified,
        accessed: session.accessed,
        key: session.sessionKey,
        empty: session.isEmpty(),
      }));
      // Django's store is not accessed until its data is read; coatcheck's `await
      // ctx.session()` is that read (DESIGN: "Loading marks it accessed"), hence Vary.
      assert.deepEqual(visit.value, { modified: false, accessed: true, key: null, empty: true });
      assert.deepEqual(visit.result, { setCookie: [], vary: true });
      assert.equal(b.cookie, undefined);
    });

    test('a request that never loads its session sends nothing and no Vary', async () => {
      const b = browser();
      const visit = await b.visit(() => 'untouched');
      assert.deepEqual(visit.result, { setCookie: [], vary: false });
    });

    test('get of a missing key is undefined (test_get_empty)', async () => {
      await browser().session((session) => {
        assert.equal(session.get('cat'), undefined);
        assert.equal(session.get('cat', 'fallback'), 'fallback');
      });
    });

    test('set marks the session modified and pop returns the value (test_store)', async () => {
      await browser().session((session) => {
        session.set('cat', 'dog');
        assert.equal(session.modified, true);
        assert.equal(session.pop('cat'), 'dog');
      });
    });

    test('pop removes the key and leaves both flags set (test_pop)', async () => {
      await browser().session((session) => {
        session.set('some key', 'exists');
        session.accessed = false;
        session.modified = false;
        assert.equal(session.pop('some key'), 'exists');
        assert.equal(session.accessed, true);
        assert.equal(session.modified, true);
        assert.equal(session.get('some key'), undefined);
      });
    });

    test('pop of a missing key with a default returns it and modifies nothing (test_pop_default, test_pop_default_named_argument)', async () => {
      await browser().session((session) => {
        session.accessed = false;
        assert.equal(session.pop('some key', 'does not exist'), 'does not exist');
        assert.equal(session.accessed, true);
        assert.equal(session.modified, false);
      });
    });

    test('pop of a missing key without a default throws, as KeyError (test_pop_no_default_keyerror_raised)', async () => {
      await browser().session((session) => {
        assert.throws(() => session.pop('some key'), RangeError);
        assert.equal(session.modified, false);
      });
    });

    test('setDefault stores only the first value (test_setdefault)', async () => {
      await browser().session((session) => {
        assert.equal(session.setDefault('foo', 'bar'), 'bar');
        assert.equal(session.setDefault('foo', 'baz'), 'bar');
        assert.equal(session.accessed, true);
        assert.equal(session.modified, true);
        assert.equal(session.get('foo'), 'bar');
      });
    });

    test('setDefault of a present key does not modify the session', async () => {
      await browser().session((session) => {
        session.set('foo', 'bar');
        session.modified = false;
        assert.equal(session.setDefault('foo', 'baz'), 'bar');
        assert.equal(session.modified, false);
      });
    });

    test('update stores every entry and always modifies (test_update)', async () => {
      await browser().session((session) => {
        session.update({ 'update key': 1 });
        assert.equal(session.accessed, true);
        assert.equal(session.modified, true);
        assert.equal(session.get('update key'), 1);
        session.modified = false;
        session.update({});
        assert.equal(session.modified, true, 'Django marks even an empty update');
      });
    });

    test('has reads without modifying (test_has_key)', async () => {
      await browser().session((session) => {
        session.set('some key', 1);
        session.accessed = false;
        session.modified = false;
        assert.equal(session.has('some key'), true);
        assert.equal(session.has('other key'), false);
        assert.equal(session.accessed, true);
        assert.equal(session.modified, false);
      });
    });

    test('values reads without modifying (test_values)', async () => {
      await browser().session((session) => {
        session.accessed = false;
        assert.deepEqual(session.values(), []);
        assert.equal(session.accessed, true);
        session.set('some key', 1);
        session.accessed = false;
        session.modified = false;
        assert.deepEqual(session.values(), [1]);
        assert.equal(session.accessed, true);
        assert.equal(session.modified, false);
      });
    });

    test('keys reads without modifying (test_keys)', async () => {
      await browser().session((session) => {
        session.set('x', 1);
        session.accessed = false;
        session.modified = false;
        assert.deepEqual(session.keys(), ['x']);
        assert.equal(session.accessed, true);
        assert.equal(session.modified, false);
      });
    });

    test('entries reads without modifying (test_items)', async () => {
      await browser().session((session) => {
        session.set('x', 1);
        session.accessed = false;
        session.modified = false;
        assert.deepEqual(session.entries(), [['x', 1]]);
        assert.equal(session.accessed, true);
        assert.equal(session.modified, false);
      });
    });

    test('clear empties the data and sets both flags (test_clear)', async () => {
      await browser().session((session) => {
        session.set('x', 1);
        session.accessed = false;
        session.modified = false;
        assert.deepEqual(session.entries(), [['x', 1]]);
        session.clear();
        assert.deepEqual(session.entries(), []);
        assert.equal(session.accessed, true);
        assert.equal(session.modified, true);
      });
    });

    // Rows 15-21: saving, deleting, flushing and cycling, across requests.

    test('a saved session exists in the store under its cookie (test_save)', noExists, async () => {
      const b = browser();
      const visit = await b.session((session) => session.set('x', 1));
      assert.ok(visit.sent !== undefined && !visit.sent.expired);
      assert.equal(visit.sent.value, b.cookie);
      assert.equal(visit.sent.value.length, 32);
      assert.equal(await storeOf(b.sessions).exists(visit.sent.value), true);
    });

    test(
      'a deleted record no longer exists, and its cookie brings an empty session (test_delete)',
      noExists,
      async () => {
        const b = browser();
        await b.session((session) => session.set('x', 1));
        const key = b.cookie ?? '';
        const store = storeOf(b.sessions);
        await store.delete(key);
        assert.equal(await store.exists(key), false);
        const visit = await b.session((session) => ({
          data: session.toJSON(),
          key: session.sessionKey,
        }));
        assert.deepEqual(visit.value, { data: {}, key: null });
        assert.equal(visit.sent?.expired, true, 'the stale cookie is deleted');
        assert.equal(b.cookie, undefined);
      },
    );

    test('flush drops the data and the key, deletes the record and the cookie (test_flush)', async () => {
      const b = browser();
      await b.session((session) => session.set('foo', 'bar'));
      const previous = b.cookie;
      assert.ok(previous !== undefined);
      const visit = await b.session((session) => {
        session.flush();
        return {
          key: session.sessionKey,
          accessed: session.accessed,
          modified: session.modified,
          data: session.toJSON(),
        };
      });
      assert.deepEqual(visit.value, { key: null, accessed: true, modified: true, data: {} });
      assert.equal(visit.sent?.expired, true);
      assert.equal(visit.result.vary, true);
      assert.equal(b.cookie, undefined);
      if (serverSide) assert.equal(await storeOf(b.sessions).exists(previous), false);
      assert.deepEqual(await b.data(), {});
    });

    test('flush without a session cookie sets no cookie but varies', async () => {
      const visit = await browser().session((session) => session.flush());
      assert.deepEqual(visit.result, { setCookie: [], vary: true });
    });

    test(
      'cycleKey keeps the data under a new key and deletes the old record (test_cycle)',
      noCycle,
      async () => {
        const b = browser();
        await b.session((session) => session.update({ a: 'c', b: 'd' }));
        const previous = b.cookie ?? '';
        const visit = await b.session((session) => {
          const before = session.entries();
          session.cycleKey();
          assert.notEqual(session.sessionKey, previous);
          assert.deepEqual(session.entries(), before);
          return before;
        });
        assert.ok(b.cookie !== undefined && b.cookie !== previous);
        const store = storeOf(b.sessions);
        assert.equal(await store.exists(previous), false);
        assert.equal(await store.exists(b.cookie), true);
        assert.deepEqual(Object.entries(await b.data()), visit.value);
      },
    );

    test('cycleKey as the first call of a request keeps the data (test_cycle_with_no_session_cache)', async () => {
      const b = browser();
      await b.session((session) => session.update({ a: 'c', b: 'd' }));
      const previous = b.cookie;
      await b.session((session) => session.cycleKey());
      assert.ok(b.cookie !== undefined);
      if (serverSide) assert.notEqual(b.cookie, previous);
      assert.deepEqual(await b.data(), { a: 'c', b: 'd' });
    });

    test('saving does not clear the data (test_save_doesnt_clear_data)', async () => {
      const b = browser();
      let session: Session | undefined;
      await b.session((s) => {
        session = s;
        s.set('a', 'b');
      });
      assert.equal(session?.get('a'), 'b');
      assert.deepEqual(await b.data(), { a: 'b' });
    });

    test('a cookie too short to be a key gets a new key when the session is saved (test_invalid_key)', async () => {
      const b = browser();
      b.cookie = '1';
      const visit = await b.session((session) => {
        assert.equal(session.sessionKey, null);
        assert.equal(session.get('cat'), undefined);
        session.set('x', 1);
      });
      assert.ok(visit.sent !== undefined && !visit.sent.expired);
      assert.notEqual(b.cookie, '1');
      assert.deepEqual(await b.data(), { x: 1 });
    });

    test('the test cookie set in one request is seen in the next (SessionBaseTests.test_test_cookie)', async () => {
      const b = browser();
      await b.session((session) => {
        assert.equal(session.testCookieWorked(), false);
        session.setTestCookie();
      });
      await b.session((session) => {
        assert.equal(session.testCookieWorked(), true);
        session.deleteTestCookie();
        assert.equal(session.has('testcookie'), false);
      });
      assert.deepEqual(await b.data(), {});
    });

    test('a keyed session emptied by delete is saved, not deleted (SessionMiddlewareTests.test_empty_session_saved)', async () => {
      const b = browser();
      await b.session((session) => session.set('foo', 'bar'));
      const cookie = b.cookie;
      const visit = await b.session((session) => {
        session.delete('foo');
        return session.sessionKey;
      });
      assert.ok(visit.sent !== undefined && !visit.sent.expired, 'the cookie is sent again');
      assert.equal(visit.result.vary, true);
      if (serverSide) {
        assert.equal(visit.sent.value, cookie, 'under the same key');
        assert.equal(visit.value, cookie);
        assert.deepEqual((await storeOf(b.sessions).load(cookie ?? ''))?.data, {});
      }
      assert.deepEqual(await b.data(), {});
      assert.ok(b.cookie !== undefined);
    });

    // Rows 22-25: key validation.

    test('an empty or seven-character cookie is no key and is never looked up (test_session_key_empty_string_invalid, test_session_key_too_short_invalid)', async () => {
      for (const cookie of ['', '1234567']) {
        const sessions = app();
        const engine = sessions.engine;
        let loads = 0;
        const load = engine.load.bind(engine);
        (engine as { load: typeof load }).load = (value) => {
          loads++;
          return load(value);
        };
        const b = new Browser(sessions, cookie);
        const visit = await b.session((session) => session.sessionKey);
        assert.equal(visit.value, null);
        assert.equal(loads, 0, `cookie ${JSON.stringify(cookie)} reached the engine`);
        assert.equal(visit.sent?.expired, true, 'the useless cookie is deleted');
      }
    });

    test('an eight-character key is kept (test_session_key_valid_string_saved)', async () => {
      const sessions = app();
      if (serverSide) {
        const store = await openedStore(sessions);
        await store.create('12345678', recordOf({ eight: true }));
      }
      const b = new Browser(sessions, '12345678');
      const visit = await b.session((session) => ({
        key: session.sessionKey,
        data: session.toJSON(),
      }));
      // Server-side: the store's record is found. Signed cookies: the value is the key, kept
      // although it does not verify (Django keeps `_session_key` and resets the data).
      assert.deepEqual(visit.value, {
        key: '12345678',
        data: serverSide ? { eight: true } : {},
      });
    });

    test('sessionKey is read-only (test_session_key_is_read_only)', async () => {
      await browser().session((session) => {
        assert.throws(() => {
          (session as unknown as { sessionKey: string }).sessionKey = 'a'.repeat(32);
        }, TypeError);
      });
    });

    // Rows 26-31: expiry.

    test('the default expiry age is the cookie age, also after setExpiry(0) (test_default_expiry)', async () => {
      const age = options.settings?.cookieAge ?? TWO_WEEKS;
      await browser().session((session) => {
        assert.equal(session.getExpiryAge(), age);
        session.setExpiry(0);
        assert.equal(session.getExpiryAge(), age);
      });
    });

    test('setExpiry(seconds) counts from the modification (test_custom_expiry_seconds)', async () => {
      await browser().session((session) => {
        const modification = new Date(Date.now());
        session.setExpiry(10);
        assert.equal(
          session.getExpiryDate({ modification }).getTime(),
          modification.getTime() + 10_000,
        );
        assert.equal(session.getExpiryAge({ modification }), 10);
      });
    });

    test('setExpiry(now + 10 s) gives that date and ten seconds (test_custom_expiry_timedelta)', async () => {
      await browser().session((session) => {
        atTime(1_700_000_000, () => {
          const modification = new Date(Date.now());
          session.setExpiry(new Date(Date.now() + 10_000));
          assert.equal(session.getExpiryDate({ modification }).getTime(), 1_700_000_010_000);
          assert.equal(session.getExpiryAge({ modification }), 10);
        });
      });
    });

    test('setExpiry(a date) gives that date and the seconds until it (test_custom_expiry_datetime)', async () => {
      await browser().session((session) => {
        const modification = new Date(Date.UTC(2023, 10, 14, 22, 13, 20, 500));
        session.setExpiry(new Date(modification.getTime() + 10_000));
        assert.equal(
          session.getExpiryDate({ modification }).getTime(),
          modification.getTime() + 10_000,
        );
        assert.equal(session.getExpiryAge({ modification }), 10);
      });
    });

    test('setExpiry(null) returns to the cookie age (test_custom_expiry_reset)', async () => {
      const age = options.settings?.cookieAge ?? TWO_WEEKS;
      await browser().session((session) => {
        session.setExpiry(null);
        session.setExpiry(10);
        session.setExpiry(null);
        assert.equal(session.getExpiryAge(), age);
      });
    });

    test('getExpireAtBrowserClose follows setExpiry, then the setting (test_get_expire_at_browser_close)', async () => {
      for (const [setting, expected] of [
        [false, [false, true, false]],
        [true, [false, true, true]],
      ] as const) {
        await browser({ expireAtBrowserClose: setting }).session((session) => {
          const seen: boolean[] = [];
          for (const expiry of [10, 0, null]) {
            session.setExpiry(expiry);
            seen.push(session.getExpireAtBrowserClose());
          }
          assert.deepEqual(seen, expected, `expireAtBrowserClose: ${setting}`);
        });
      }
    });

    // Rows 32-34: encoding. Server-side stores keep Django's session encoding; the signed-cookie
    // engine's encoding is the cookie itself.

    if (serverSide) {
      test('the Django codec decodes what it encodes (test_decode)', () => {
        const codec = storeContext(options.settings).djangoCodec;
        const data = { 'a test key': 'a test value' };
        assert.deepEqual(codec.decode(codec.encode(data)), data);
      });

      test('corrupted session data decodes to an empty session and is reported (test_decode_failure_logged_to_security)', () => {
        for (const bad of ['Zmxhc2tkajphbGtkamY=', 'bad:encoded:value']) {
          const logger = capturingLogger();
          const codec = storeContext(options.settings, logger).djangoCodec;
          assert.deepEqual(codec.decode(bad), {});
          assert.ok(
            logger.warnings.some((warning) => warning.includes('Session data corrupted')),
            `no warning for ${bad}`,
          );
        }
      });

      test('validly signed data that is not JSON decodes to an empty session (test_decode_serializer_exception)', () => {
        const signed = new TimestampSigner({ key: SECRET, salt: DJANGO_SESSION_SALT }).sign(
          'invalid data',
        );
        const logger = capturingLogger();
        assert.deepEqual(storeContext(options.settings, logger).djangoCodec.decode(signed), {});
      });
    } else {
      test('the cookie decodes to the session data (test_decode)', async () => {
        const b = browser();
        await b.session((session) => session.set('a test key', 'a test value'));
        const cookie = b.cookie ?? '';
        assert.deepEqual(loads(cookie, { key: SECRET, salt: SIGNED_COOKIE_SESSION_SALT }), {
          'a test key': 'a test value',
        });
      });

      test('a corrupted cookie becomes an empty session and is reported (test_decode_failure_logged_to_security)', async () => {
        for (const bad of ['Zmxhc2tkajphbGtkamY=', 'bad:encoded:value']) {
          const logger = capturingLogger();
          const b = new Browser(app({}, logger), bad);
          assert.deepEqual(await b.data(), {});
          assert.ok(logger.warnings.length > 0, `no warning for ${bad}`);
        }
      });

      test('a validly signed cookie that is not JSON becomes an empty session (test_unpickling_exception)', async () => {
        const signed = new TimestampSigner({ key: SECRET, salt: SIGNED_COOKIE_SESSION_SALT }).sign(
          'invalid data',
        );
        const b = browser();
        b.cookie = signed;
        const visit = await b.session((session) => ({
          data: session.toJSON(),
          modified: session.modified,
        }));
        assert.deepEqual(visit.value, { data: {}, modified: true });
      });
    }

    // Row 35: actual expiry.

    for (const [label, expiry] of [
      ['setExpiry(-10)', -10],
      ['setExpiry(ten seconds ago)', 'date'],
    ] as const) {
      test(`a session saved with ${label} is dropped by the browser (test_actual_expiry)`, async () => {
        const b = browser();
        const visit = await b.session((session) => {
          session.set('foo', 'bar');
          session.setExpiry(expiry === 'date' ? new Date(Date.now() - 10_000) : expiry);
        });
        assert.equal(visit.sent?.expired, true, visit.sent?.line);
        assert.equal(b.cookie, undefined);
        assert.deepEqual(await b.data(), {});
      });

      if (serverSide) {
        test(`a session saved with ${label} does not load from a replayed cookie (test_actual_expiry)`, async () => {
          const b = browser();
          const visit = await b.session((session) => {
            session.set('foo', 'bar');
            session.setExpiry(expiry === 'date' ? new Date(Date.now() - 10_000) : expiry);
          });
          const replay = new Browser(b.sessions, visit.sent?.value);
          const loaded = await replay.session((session) => ({
            has: session.has('foo'),
            key: session.sessionKey,
          }));
          assert.deepEqual(loaded.value, { has: false, key: null });
        });
      } else {
        test(`a replayed cookie saved with ${label} still loads: only the global age is checked (expected difference, Django ticket #19201)`, async () => {
          const b = browser();
          const visit = await b.session((session) => {
            session.set('foo', 'bar');
            session.setExpiry(expiry === 'date' ? new Date(Date.now() - 10_000) : expiry);
          });
          const replay = new Browser(b.sessions, visit.sent?.value);
          const loaded = await replay.session((session) => session.get('foo'));
          assert.equal(loaded.value, 'bar');
        });
      }
    }

    // Rows 36-37: no record from a load, no resurrection.

    test(
      'loading an unknown key creates no record (test_session_load_does_not_create_record)',
      serverOnly,
      async () => {
        const b = browser();
        b.cookie = 'someunknownkey';
        const visit = await b.session((session) => ({
          key: session.sessionKey,
          data: session.toJSON(),
        }));
        assert.deepEqual(visit.value, { key: null, data: {} });
        assert.equal(await storeOf(b.sessions).exists('someunknownkey'), false);
        assert.equal(visit.sent?.expired, true, 'the unknown cookie is deleted');
      },
    );

    test(
      'a session deleted by another request is not saved back (test_session_save_does_not_resurrect_session_logged_out_in_other_context)',
      serverOnly,
      async () => {
        const b = browser();
        await b.session((session) => session.set('test_data', 'value1'));
        const key = b.cookie ?? '';
        const ctx = b.sessions.begin(`${b.cookieName}=${key}`);
        const session = await ctx.session();
        assert.equal(session.get('test_data'), 'value1');
        await storeOf(b.sessions).delete(key);
        session.set('test_data', 'value2');
        await assert.rejects(ctx.finish({ status: 200 }), (error: unknown) => {
          assert.ok(error instanceof SessionInterrupted);
          assert.ok(error.cause instanceof UpdateError);
          return true;
        });
        assert.equal(await storeOf(b.sessions).exists(key), false);
        assert.deepEqual(await new Browser(b.sessions, key).data(), {});
      },
    );

    test(
      'a logout in a concurrent request wins over a slower request’s save',
      serverOnly,
      async () => {
        const b = browser();
        await b.session((session) => session.set('user', 42));
        const key = b.cookie ?? '';
        const slow = b.sessions.begin(`${b.cookieName}=${key}`);
        const slowSession = await slow.session();
        const logout = await b.session((session) => session.flush());
        assert.equal(logout.sent?.expired, true);
        slowSession.set('cart', ['book']);
        await assert.rejects(slow.finish({ status: 200 }), SessionInterrupted);
        assert.deepEqual(await new Browser(b.sessions, key).data(), {});
      },
    );

    // Beyond Django's list.

    for (const [label, cookie] of GARBAGE_COOKIES) {
      test(`a cookie of ${label} becomes a fresh empty session and never throws`, async () => {
        const b = browser();
        b.cookie = cookie;
        const visit = await b.session((session) => session.toJSON());
        assert.deepEqual(visit.value, {});
        assert.notEqual(b.cookie, cookie, 'the browser still holds the bad cookie');
        const next = await b.session((session) => session.set('after', label));
        assert.ok(next.sent !== undefined && !next.sent.expired);
        assert.notEqual(next.sent.value, cookie);
        assert.deepEqual(await b.data(), { after: label });
      });
    }

    test('a tampered cookie becomes a fresh empty session and is reported', async () => {
      const logger = capturingLogger();
      const b = new Browser(app({}, logger));
      await b.session((session) => session.set('user', 1));
      const good = b.cookie ?? '';
      // Change one character, for another of the same alphabet, at each end.
      const last = good.at(-1) === 'a' ? 'b' : 'a';
      const first = good.at(0) === 'x' ? 'y' : 'x';
      for (const tampered of [
        `${good.slice(0, -1)}${last}`,
        `${first}${good.slice(1)}`,
        good.toUpperCase(),
      ]) {
        assert.notEqual(tampered, good);
        const other = new Browser(b.sessions, tampered);
        assert.deepEqual(await other.data(), {}, tampered);
      }
      if (!serverSide) assert.ok(logger.warnings.length > 0);
    });

    test('a key the store never issued is never adopted', async () => {
      const b = browser();
      const planted = serverSide
        ? generateSessionKey()
        : dumps(
            { _auth_user_id: '1' },
            {
              key: 'an-attacker-key-that-is-not-the-secret-0123456789',
              salt: SIGNED_COOKIE_SESSION_SALT,
              compress: true,
            },
          );
      b.cookie = planted;
      const visit = await b.session((session) => {
        assert.deepEqual(session.toJSON(), {});
        session.set('user', 'victim');
      });
      assert.ok(visit.sent !== undefined && !visit.sent.expired);
      assert.notEqual(visit.sent.value, planted, 'the planted key was adopted');
      if (serverSide) assert.equal(await storeOf(b.sessions).exists(planted), false);
      else
        assert.deepEqual(
          loads(visit.sent.value, { key: SECRET, salt: SIGNED_COOKIE_SESSION_SALT }),
          { user: 'victim' },
        );
    });

    test('50 sequential requests keep a counter exact', async () => {
      const b = browser();
      for (let i = 1; i <= 50; i++) {
        const visit = await b.session((session) => {
          const count = ((session.get('count') as number | undefined) ?? 0) + 1;
          session.set('count', count);
          return count;
        });
        assert.equal(visit.value, i);
      }
      assert.deepEqual(await b.data(), { count: 50 });
    });

    test('a read-only request neither saves nor re-sends the cookie', async () => {
      const b = browser();
      await b.session((session) => session.set('x', 1));
      const cookie = b.cookie;
      const visit = await b.session((session) => session.get('x'));
      assert.equal(visit.value, 1);
      assert.deepEqual(visit.result, { setCookie: [], vary: true });
      assert.equal(b.cookie, cookie);
    });

    // Django's SessionStore(session_key=...) outside a request: sessions.open.

    test('open() without a key gives a new session that save() creates (SessionStore().create())', async () => {
      const sessions = app();
      const session = await sessions.open();
      assert.equal(session.sessionKey, null);
      assert.equal(session.isEmpty(), true);
      session.set('made', 'outside');
      const key = await session.save();
      assert.equal(session.sessionKey, key);
      assert.equal(session.modified, false);
      assert.deepEqual(await new Browser(sessions, key).data(), { made: 'outside' });
      assert.equal(await session.exists(), serverSide);
    });

    test('open(key) reads what a request saved; its save() is what the next request reads', async () => {
      const sessions = app();
      const b = new Browser(sessions);
      await b.session((session) => session.update({ a: 1, b: 2 }));
      const session = await sessions.open(b.cookie);
      assert.deepEqual(session.toJSON(), { a: 1, b: 2 });
      assert.equal(session.modified, false);
      assert.equal(session.getExpiryAge(), TWO_WEEKS);
      session.set('b', 3);
      session.delete('a');
      const key = await session.save();
      if (serverSide) assert.equal(key, b.cookie);
      else b.cookie = key;
      assert.deepEqual(await b.data(), { b: 3 });
    });

    test('open() of a missing, malformed or absent key gives an empty session without a key', async () => {
      const logger = capturingLogger();
      const sessions = app({}, logger);
      for (const key of [undefined, null, '', 'short', generateSessionKey(), '../../etc/passwd']) {
        const session = await sessions.open(key);
        assert.equal(session.sessionKey, null, String(key));
        assert.deepEqual(session.toJSON(), {});
        assert.equal(await session.exists(), false);
      }
      if (serverSide) assert.deepEqual(logger.warnings, [], 'no warning about a client');
    });

    test('save() never adopts the unknown key it was opened with', serverOnly, async () => {
      const sessions = app();
      const planted = generateSessionKey();
      const session = await sessions.open(planted);
      session.set('x', 1);
      const key = await session.save();
      assert.notEqual(key, planted);
      assert.equal(await session.exists(planted), false);
    });

    test(
      'destroy() deletes the record; the next request starts afresh (SessionStore.delete())',
      serverOnly,
      async () => {
        const sessions = app();
        const b = new Browser(sessions);
        await b.session((session) => session.set('user', 'alice'));
        const session = await sessions.open(b.cookie);
        assert.equal(await session.exists(), true);
        await session.destroy();
        assert.equal(session.sessionKey, null);
        assert.equal(session.isEmpty(), true);
        assert.equal(await session.exists(b.cookie ?? null), false);
        assert.deepEqual(await b.data(), {});
      },
    );

    test(
      'save() after the record was deleted throws UpdateError and brings nothing back',
      serverOnly,
      async () => {
        const sessions = app();
        const b = new Browser(sessions);
        await b.session((session) => session.set('user', 'alice'));
        const session = await sessions.open(b.cookie);
        await b.session((s) => s.flush());
        session.set('late', true);
        await assert.rejects(session.save(), UpdateError);
        assert.equal(await session.exists(), false);
      },
    );

    test(
      'cycleKey() then save() moves the data to a new key and deletes the old record',
      serverOnly,
      async () => {
        const sessions = app();
        const session = await sessions.open();
        session.set('x', 1);
        const first = await session.save();
        session.cycleKey();
        const second = await session.save();
        assert.notEqual(second, first);
        assert.equal(await session.exists(first), false);
        assert.deepEqual(await new Browser(sessions, second).data(), { x: 1 });
      },
    );

    test(
      'save() keeps what a request wrote to other keys meanwhile, save after save',
      serverOnly,
      async (t) => {
        const sessions = app();
        if (storeOf(sessions).compareAndSave === undefined) {
          t.skip('the store has no compareAndSave: the last write wins, as in Django');
          return;
        }
        const b = new Browser(sessions);
        await b.session((session) => session.set('base', 0));
        const session = await sessions.open(b.cookie);
        await b.session((s) => s.set('request', 1));
        session.set('script', 1);
        await session.save();
        await b.session((s) => s.set('request', 2));
        session.set('script', 2);
        await session.save();
        assert.deepEqual(await b.data(), { base: 0, request: 2, script: 2 });
      },
    );

    test('decode(encode(data)) gives the data back; tampered text decodes to {} with a warning', async () => {
      const logger = capturingLogger();
      const sessions = app({}, logger);
      const data = { user: 'zoë', n: [1, 2, { deep: null }] };
      const text = sessions.encode(data);
      assert.deepEqual(djangoSessionCodec({ secretKey: SECRET, logger }).decode(text), data);
      assert.deepEqual(sessions.decode(text), data);
      assert.deepEqual(sessions.decode(`${text.slice(0, -1)}x`), {});
      assert.equal(logger.warnings.length, 1);
    });
  });
}
