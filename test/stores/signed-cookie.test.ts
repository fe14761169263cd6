/**
 * The signed-cookie engine: the session contract with Django's CookieSessionTests overrides,
 * then its wire format (django-spec §5.5), every recorded Django 5.2 cookie, key rotation, the
 * global maximum age, and the cookie size limit.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { BadSignature, CookieTooLarge } from '../../src/errors.ts';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import type { SessionData } from '../../src/session/data.ts';
import { DJANGO_SESSION_SALT } from '../../src/session/encoding.ts';
import type { Settings } from '../../src/settings.ts';
import { b62Encode } from '../../src/signing/base62.ts';
import { dumps, loads } from '../../src/signing/dumps.ts';
import { pythonJsonStringify } from '../../src/signing/python-json.ts';
import { SIGNED_COOKIE_SESSION_SALT, signedCookies } from '../../src/stores/signed-cookie.ts';
import { atTime } from '../helpers/clock.ts';
import {
  SECRET_KEY as VECTOR_KEY,
  OTHER_SECRET_KEY as VECTOR_OTHER_KEY,
  vectors,
} from '../helpers/vectors.ts';
import {
  atTimeAsync,
  Browser,
  capturingLogger,
  describeSessionContract,
  SECRET,
  sentCookie,
} from './contract.ts';

describeSessionContract('signed cookies', () => signedCookies(), { serverSide: false });

const T = 1_700_000_000;

function lifecycle(settings: Partial<Settings> = {}, logger = capturingLogger()): Sessions {
  return createSessions({ secretKey: SECRET, engine: signedCookies(), logger, ...settings });
}

/** A deterministic text that compresses poorly: SHA-256 digests in base64url, end to end. */
function noise(length: number, seed = 1): string {
  let text = '';
  for (let counter = 0; text.length < length; counter++) {
    text += createHash('sha256').update(`${seed}:${counter}`).digest('base64url');
  }
  return text.slice(0, length);
}

interface RecordedLoad {
  now: number;
  data: { ok: SessionData };
  modified_after_load: boolean;
}

interface RecordedCase {
  session_dict: SessionData;
  salt: string;
  serialized_json: string;
  cookie_value: string;
  time: number;
  loads: RecordedLoad[];
}

describe('signedCookies', () => {
  describe('wire format (django-spec §5.5)', () => {
    test('the cookie is signing.dumps of the data with the signed_cookies salt, at save time', async () => {
      const browser = new Browser(lifecycle());
      await atTimeAsync(T, () => browser.session((session) => session.set('x', 1)));
      const cookie = browser.cookie ?? '';
      // No compression for so little; the timestamp is T in base62.
      assert.equal(cookie.split(':')[0], Buffer.from('{"x":1}').toString('base64url'));
      assert.equal(cookie.split(':')[1], '1r31eq');
      assert.equal(
        cookie,
        atTime(T, () =>
          dumps({ x: 1 }, { key: SECRET, salt: SIGNED_COOKIE_SESSION_SALT, compress: true }),
        ),
      );
      assert.throws(() => loads(cookie, { key: SECRET, salt: DJANGO_SESSION_SALT }), BadSignature);
      assert.throws(
        () => loads(cookie, { key: `${SECRET}x`, salt: SIGNED_COOKIE_SESSION_SALT }),
        BadSignature,
      );
    });

    test('the data is compressed when that makes it shorter', async () => {
      const browser = new Browser(lifecycle());
      const text = 'abc'.repeat(2000);
      await browser.session((session) => session.set('text', text));
      const cookie = browser.cookie ?? '';
      assert.ok(cookie.startsWith('.'), cookie.slice(0, 20));
      assert.ok(cookie.length < 200, `${cookie.length} characters`);
      assert.deepEqual(loads(cookie, { key: SECRET, salt: SIGNED_COOKIE_SESSION_SALT }), { text });
    });

    test('each save re-signs with a fresh timestamp', async () => {
      const browser = new Browser(lifecycle());
      await atTimeAsync(T, () => browser.session((session) => session.set('x', 1)));
      const first = browser.cookie;
      await atTimeAsync(T + 60, () => browser.session((session) => session.set('x', 1)));
      assert.notEqual(browser.cookie, first);
      assert.equal(browser.cookie?.split(':')[1], b62Encode(T + 60));
    });

    test('the engine keeps nothing on the server: clearExpired is a no-op', async () => {
      const sessions = lifecycle();
      await new Browser(sessions).session((session) => session.set('x', 1));
      assert.equal(await sessions.clearExpired(), 0);
    });
  });

  describe('cookies Django 5.2 recorded (signed_cookie_sessions vectors)', () => {
    const recorded = vectors.signed_cookie_sessions;
    const cases = recorded.cases as RecordedCase[];

    test('the recorded maximum age on load is the default cookie age', () => {
      assert.equal(recorded.max_age_on_load, lifecycle().settings.cookieAge);
    });

    for (const vector of cases) {
      const label = vector.serialized_json.slice(0, 50);
      test(`loads ${label} with the recorded data at each recorded time`, async () => {
        assert.equal(vector.salt, SIGNED_COOKIE_SESSION_SALT);
        const sessions = lifecycle({ secretKey: VECTOR_KEY });
        for (const load of vector.loads) {
          const browser = new Browser(sessions, vector.cookie_value);
          const visit = await atTimeAsync(load.now, () =>
            browser.session((session) => ({
              data: session.toJSON(),
              modified: session.modified,
            })),
          );
          assert.deepEqual(visit.value.data, load.data.ok, `at ${load.now}`);
          assert.equal(visit.value.modified, load.modified_after_load, `at ${load.now}`);
          if (load.modified_after_load) {
            // As Django: the refused cookie is replaced by one holding an empty session.
            assert.ok(visit.sent !== undefined && !visit.sent.expired);
            assert.deepEqual(
              loads(visit.sent.value, { key: VECTOR_KEY, salt: SIGNED_COOKIE_SESSION_SALT }),
              {},
            );
          } else {
            assert.equal(visit.sent, undefined);
          }
        }
      });

      test(`saves ${label} as Django did`, async () => {
        if (Object.keys(vector.session_dict).length === 0) {
          // A session without data is never saved (it is empty); its encoding still matches.
          const encoded = atTime(vector.time, () =>
            dumps({}, { key: VECTOR_KEY, salt: SIGNED_COOKIE_SESSION_SALT, compress: true }),
          );
          assert.equal(encoded, vector.cookie_value);
          return;
        }
        const sessions = lifecycle({ secretKey: VECTOR_KEY });
        const browser = new Browser(sessions);
        await atTimeAsync(vector.time, () =>
          browser.session((session) => session.update(vector.session_dict)),
        );
        const cookie = browser.cookie ?? '';
        const sameJson = pythonJsonStringify(vector.session_dict) === vector.serialized_json;
        if (sameJson && !vector.cookie_value.startsWith('.')) {
          // Uncompressed, the bytes are fully determined: they must match Django's.
          assert.equal(cookie, vector.cookie_value);
        } else {
          // Compressed bytes differ between zlib builds (django-spec §2.4), and JavaScript writes
          // a whole float as an integer; what must match is what the cookie says.
          assert.deepEqual(
            loads(cookie, { key: VECTOR_KEY, salt: SIGNED_COOKIE_SESSION_SALT }),
            loads(vector.cookie_value, { key: VECTOR_KEY, salt: SIGNED_COOKIE_SESSION_SALT }),
          );
        }
      });
    }

    test('a cookie signed with another key loads as an empty, modified session', async () => {
      const other = recorded.other_secret_key_cookie;
      assert.equal(other.signed_with, VECTOR_OTHER_KEY);
      const browser = new Browser(lifecycle({ secretKey: VECTOR_KEY }), other.cookie_value);
      const visit = await atTimeAsync(T, () =>
        browser.session((session) => ({ data: session.toJSON(), modified: session.modified })),
      );
      assert.deepEqual(visit.value, {
        data: other.load_result.ok,
        modified: other.modified_after_load,
      });
    });
  });

  describe('secret rotation (secret_key_mismatch vectors)', () => {
    const mismatch = vectors.secret_key_mismatch;

    test('a cookie session under another key is an empty session', async () => {
      const browser = new Browser(
        lifecycle({ secretKey: VECTOR_KEY }),
        mismatch.cookie_session_under_other_key,
      );
      const data = await atTimeAsync(T, () => browser.data());
      assert.deepEqual(data, mismatch.cookie_session_load_with_interop_key.ok);
    });

    test('with that key among the fallbacks it loads, and the next save signs with the current key', async () => {
      const sessions = lifecycle({
        secretKey: VECTOR_KEY,
        secretKeyFallbacks: [mismatch.other_secret_key],
      });
      const browser = new Browser(sessions, mismatch.cookie_session_under_other_key);
      await atTimeAsync(T, async () => {
        assert.deepEqual(await browser.data(), mismatch.with_fallback_cookie_session.ok);
        await browser.session((session) => session.set('b', 2));
      });
      const cookie = browser.cookie ?? '';
      assert.deepEqual(loads(cookie, { key: VECTOR_KEY, salt: SIGNED_COOKIE_SESSION_SALT }), {
        a: 1,
        b: 2,
      });
      assert.throws(
        () => loads(cookie, { key: mismatch.other_secret_key, salt: SIGNED_COOKIE_SESSION_SALT }),
        BadSignature,
      );
    });
  });

  describe('maximum age', () => {
    test('a cookie older than cookieAge becomes an empty session, replaced on the response', async () => {
      const logger = capturingLogger();
      const sessions = lifecycle({ cookieAge: 60 }, logger);
      const browser = new Browser(sessions);
      await atTimeAsync(T, () => browser.session((session) => session.set('x', 1)));
      const cookie = browser.cookie;
      assert.deepEqual(await atTimeAsync(T + 60, () => browser.data()), { x: 1 });
      const visit = await atTimeAsync(T + 61, () =>
        browser.session((session) => ({ data: session.toJSON(), modified: session.modified })),
      );
      assert.deepEqual(visit.value, { data: {}, modified: true });
      assert.notEqual(browser.cookie, cookie);
      assert.deepEqual(
        loads(browser.cookie ?? '', { key: SECRET, salt: SIGNED_COOKIE_SESSION_SALT }),
        {},
      );
      assert.ok(logger.warnings.length > 0);
    });

    test('a custom expiry does not extend the global age (Django ticket #19201)', async () => {
      const sessions = lifecycle({ cookieAge: 60 });
      const browser = new Browser(sessions);
      await atTimeAsync(T, () =>
        browser.session((session) => {
          session.set('x', 1);
          session.setExpiry(3600);
        }),
      );
      assert.deepEqual(await atTimeAsync(T + 61, () => browser.data()), {});
    });
  });

  describe('cookie size', () => {
    test('set throws CookieTooLarge when the data cannot fit, and leaves the session unchanged', async () => {
      const browser = new Browser(lifecycle());
      await browser.session((session) => session.set('keep', 'me'));
      const cookie = browser.cookie;
      const visit = await browser.session((session) => {
        assert.throws(() => session.set('big', noise(5000)), CookieTooLarge);
        assert.throws(() => session.update({ a: 1, big: noise(5000) }), CookieTooLarge);
        assert.throws(() => session.setDefault('big', noise(5000)), CookieTooLarge);
        return { data: session.toJSON(), modified: session.modified };
      });
      assert.deepEqual(visit.value, { data: { keep: 'me' }, modified: false });
      assert.equal(visit.sent, undefined);
      assert.equal(browser.cookie, cookie);
    });

    test('a refused set of a key already stored keeps its old value, in its place', async () => {
      const browser = new Browser(lifecycle());
      await browser.session((session) => session.update({ first: 1, keep: 'me', last: 3 }));
      const visit = await browser.session((session) => {
        assert.throws(() => session.set('keep', noise(5000)), CookieTooLarge);
        return { keys: Object.keys(session.toJSON()), keep: session.get('keep') };
      });
      assert.deepEqual(visit.value, { keys: ['first', 'keep', 'last'], keep: 'me' });
      assert.equal(visit.sent, undefined);
    });

    for (const [label, over] of [
      ['the default attributes', {}],
      ['a 1000-character cookiePath', { cookiePath: `/${'p'.repeat(1000)}` }],
      [
        'a domain, Secure and SameSite=None',
        { cookieDomain: 'www.example.com', cookieSecure: true, cookieSameSite: 'None' },
      ],
    ] as const) {
      test(`the largest value set accepts still makes a cookie browsers keep, with ${label}`, async () => {
        const sessions = lifecycle(over);
        // Binary search for the longest poorly compressible value that set accepts.
        let low = 0;
        let high = 6000;
        while (low < high) {
          const middle = Math.ceil((low + high) / 2);
          const fits = await new Browser(sessions).visit(async (ctx) => {
            const session = await ctx.session();
            try {
              session.set('v', noise(middle));
              return true;
            } catch (error) {
              assert.ok(error instanceof CookieTooLarge);
              return false;
            }
          });
          if (fits.value) low = middle;
          else high = middle - 1;
        }
        assert.ok(low > 1500, `only ${low} characters fit`);
        const browser = new Browser(sessions);
        const visit = await browser.session((session) => session.set('v', noise(low)));
        const line = visit.result.setCookie[0] ?? '';
        const bytes = Buffer.byteLength(line);
        // Measured on the real line: one more character would not fit, and nothing is wasted.
        assert.ok(bytes <= 4096 && bytes > 4096 - 8, `${bytes} bytes`);
        assert.deepEqual(await browser.data(), { v: noise(low) });
      });
    }

    test('compressible data fits far beyond 4096 characters', async () => {
      const browser = new Browser(lifecycle());
      await browser.session((session) => session.set('v', 'y'.repeat(50_000)));
      assert.deepEqual(await browser.data(), { v: 'y'.repeat(50_000) });
    });

    test('finish throws CookieTooLarge for data grown in place and forced to save', async () => {
      const sessions = lifecycle();
      const ctx = sessions.begin(undefined);
      const session = await ctx.session();
      session.set('list', ['small']);
      (session.get('list') as string[]).push(noise(5000));
      session.modified = true;
      await assert.rejects(ctx.finish({ status: 200 }), CookieTooLarge);
    });

    test('set throws CookieTooLarge when the attributes push a value over the limit', async () => {
      const sessions = lifecycle({ cookiePath: `/${'p'.repeat(1000)}` });
      const ctx = sessions.begin(undefined);
      const session = await ctx.session();
      // About 3300 characters signed: a cookie of its own, but not with this path.
      assert.throws(() => session.set('v', noise(3200)), CookieTooLarge);
      assert.deepEqual((await ctx.finish({ status: 200 })).setCookie, []);
    });
  });

  test('the session cookie parses back from the Set-Cookie line', async () => {
    const browser = new Browser(lifecycle());
    const visit = await browser.session((session) => session.set('x', 'a b;c'));
    const sent = sentCookie(visit.result.setCookie, 'sessionid');
    assert.equal(sent?.value, browser.cookie);
    assert.deepEqual(await browser.data(), { x: 'a b;c' });
  });
});
