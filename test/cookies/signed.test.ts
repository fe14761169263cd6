import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serializeCookie } from '../../src/cookies/serialize.ts';
import { signCookieValue, unsignCookieValue } from '../../src/cookies/signed.ts';
import { BadSignature, SignatureExpired } from '../../src/errors.ts';
import { TimestampSigner } from '../../src/signing/timestamp-signer.ts';
import { atTime } from '../helpers/clock.ts';
import { OTHER_SECRET_KEY, SECRET_KEY, vectors } from '../helpers/vectors.ts';

const key = SECRET_KEY;

/** Python gives max_age as a number, a timedelta or None; here it is seconds or nothing. */
function seconds(
  maxAge: number | { $timedelta_seconds: number } | null | undefined,
): number | undefined {
  if (maxAge === null || maxAge === undefined) return undefined;
  return typeof maxAge === 'number' ? maxAge : maxAge.$timedelta_seconds;
}

describe('signCookieValue', () => {
  test('signs every recorded cookie exactly as Django does, in both salt schemes', () => {
    const { cases } = vectors.signed_cookies;
    assert.equal(vectors.signed_cookies.this_django_uses_v2, true);
    for (const c of cases) {
      const options = { key, salt: c.salt };
      const v2 = atTime(c.now, () => signCookieValue(c.cookie_name, c.value, options));
      const legacy = atTime(c.now, () =>
        signCookieValue(c.cookie_name, c.value, { ...options, scheme: 'legacy' }),
      );
      assert.equal(v2, c.computed_v2_scheme, c.cookie_name);
      assert.equal(v2, c.signed_value, c.cookie_name);
      assert.equal(legacy, c.computed_legacy_scheme, c.cookie_name);
      const line = atTime(c.now, () =>
        serializeCookie(c.cookie_name, v2, { maxAge: seconds(c.kwargs.max_age) }),
      );
      assert.equal(line, c.cookie.output_string, c.cookie_name);
    }
    assert.equal(cases.length, 10);
  });

  test('uses Django’s cookie signer key and the v2 salt formula', () => {
    const signer = new TimestampSigner({
      key: `django.http.cookies${key}`,
      salt: 'django.http.cookies.v2:4:shopbasket',
    });
    const basket = vectors.signed_cookies.cases.find(
      (c: { cookie_name: string }) => c.cookie_name === 'basket',
    );
    assert.equal(
      atTime(basket.now, () => signer.sign('3')),
      basket.signed_value,
    );
  });

  test('counts the salt in code points, as Python’s len() does', () => {
    const signer = new TimestampSigner({
      key: `django.http.cookies${key}`,
      salt: 'django.http.cookies.v2:2:😀éname',
    });
    assert.equal(
      atTime(1700000000, () => signCookieValue('name', 'v', { key, salt: '😀é' })),
      atTime(1700000000, () => signer.sign('v')),
    );
  });

  test('takes the key as text or bytes, prefixing the bytes as Django does', () => {
    const asText = atTime(1700000000, () => signCookieValue('c', 'hello', { key }));
    const asBytes = atTime(1700000000, () =>
      signCookieValue('c', 'hello', { key: new TextEncoder().encode(key) }),
    );
    assert.equal(asBytes, asText);
    // b"\xe7" is one byte; the text "\xe7" is two bytes of UTF-8, a different key.
    const byte = atTime(1700000000, () =>
      signCookieValue('c', 'hello', { key: Uint8Array.of(0xe7) }),
    );
    const text = atTime(1700000000, () => signCookieValue('c', 'hello', { key: '\u00e7' }));
    assert.notEqual(byte, text);
  });

  test('refuses a missing or empty key and an unknown scheme', () => {
    for (const bad of [undefined, null, '', new Uint8Array(0), 42]) {
      assert.throws(
        () => signCookieValue('c', 'v', { key: bad as string }),
        TypeError,
        String(bad),
      );
    }
    assert.throws(() => signCookieValue('c', 'v', { key, scheme: 'v3' as 'v2' }), TypeError);
    assert.throws(() => signCookieValue('c', 42 as unknown as string, { key }), TypeError);
    assert.throws(
      () => signCookieValue('c', 'v', { key, salt: 42 as unknown as string }),
      TypeError,
    );
  });
});

describe('unsignCookieValue', () => {
  test('accepts or refuses every recorded value exactly as Django 5.2 does', () => {
    let checked = 0;
    for (const c of vectors.signed_cookies.cases) {
      for (const check of c.checks) {
        const label = `${c.cookie_name} ${check.label}`;
        const options = { key, salt: check.salt, maxAge: seconds(check.max_age) };
        // The vectors' Django ran with SIGNED_COOKIE_LEGACY_SALT_FALLBACK = True.
        const run = () =>
          atTime(check.now, () =>
            unsignCookieValue(check.cookie_name, check.cookie_value, {
              ...options,
              legacyFallback: true,
            }),
          );
        const outcome = check.get_signed_cookie;
        if ('ok' in outcome) {
          assert.equal(run(), outcome.ok, label);
          assert.deepEqual(check.with_default_None, outcome, label);
        } else {
          assert.throws(run, { name: outcome.error, message: outcome.message }, label);
          // get_signed_cookie(default=None): every refusal is a BadSignature, so one catch gives the default.
          assert.deepEqual(check.with_default_None, { ok: null }, label);
        }
        // Without the fallback, only the legacy-salted value changes outcome.
        const strict = () =>
          atTime(check.now, () =>
            unsignCookieValue(check.cookie_name, check.cookie_value, options),
          );
        if (check.label === 'legacy_scheme_value') assert.throws(strict, BadSignature, label);
        else if ('ok' in outcome) assert.equal(strict(), outcome.ok, label);
        else assert.throws(strict, { name: outcome.error }, label);
        checked++;
      }
    }
    assert.equal(checked, 80);
  });

  test('keeps ("a", salt "bc") and ("ab", salt "c") apart, which the legacy scheme does not', () => {
    const { collision_check: collision } = vectors.signed_cookies;
    const v2 = atTime(1700000000, () => signCookieValue('a', 'hello', { key, salt: 'bc' }));
    for (const legacyFallback of [false, true]) {
      assert.throws(() => unsignCookieValue('ab', v2, { key, salt: 'c', legacyFallback }), {
        name: collision.result.error,
        message: collision.result.message,
      });
    }
    // CVE-2026-6873: under the legacy scheme both pairs sign with the salt "abc".
    const legacy = atTime(1700000000, () =>
      signCookieValue('a', 'hello', { key, salt: 'bc', scheme: 'legacy' }),
    );
    assert.equal(
      unsignCookieValue('ab', legacy, { key, salt: 'c', legacyFallback: true }),
      'hello',
    );
  });

  test('accepts a value signed with another key only through fallbackKeys', () => {
    const mismatch = vectors.secret_key_mismatch;
    const value = mismatch.signed_cookie_under_other_key;
    assert.throws(() => unsignCookieValue('c', value, { key }), {
      name: 'BadSignature',
      message: mismatch.get_signed_cookie_with_interop_key.message,
    });
    assert.equal(
      unsignCookieValue('c', value, { key, fallbackKeys: [OTHER_SECRET_KEY] }),
      mismatch.with_fallback_get_signed_cookie.ok,
    );
    const current = atTime(1700000000, () =>
      signCookieValue('c', 'hello', { key: OTHER_SECRET_KEY }),
    );
    assert.equal(current, value);
  });

  // Django's SignedCookieTest.test_can_set_and_read_signed_cookies
  test('reads back what it signed', () => {
    const signed = signCookieValue('c', 'hello', { key });
    assert.ok(signed.startsWith('hello:'));
    assert.equal(unsignCookieValue('c', signed, { key }), 'hello');
  });

  // Django's SignedCookieTest.test_can_use_salt
  test('reads a value only with the salt it was signed with', () => {
    const signed = signCookieValue('a', 'hello', { key, salt: 'one' });
    assert.equal(unsignCookieValue('a', signed, { key, salt: 'one' }), 'hello');
    assert.throws(() => unsignCookieValue('a', signed, { key, salt: 'two' }), BadSignature);
  });

  // Django's SignedCookieTest.test_salt_namespace_is_unambiguous
  test('refuses a value presented under a name and salt that concatenate the same', () => {
    const signed = signCookieValue('a', 'hello', { key, salt: 'bc' });
    assert.throws(() => unsignCookieValue('ab', signed, { key, salt: 'c' }), BadSignature);
  });

  // Django's SignedCookieTest.test_expired_legacy_cookie_raises_signature_expired
  test('lets the legacy attempt’s expiry be final', () => {
    const signed = atTime(123456789, () =>
      signCookieValue('a', 'hello', { key, salt: 'bc', scheme: 'legacy' }),
    );
    atTime(123456800, () => {
      assert.throws(
        () => unsignCookieValue('a', signed, { key, salt: 'bc', maxAge: 10, legacyFallback: true }),
        SignatureExpired,
      );
    });
  });

  // Django's SignedCookieTest.test_legacy_salt_namespace_is_accepted
  test('accepts a legacy value under a colliding name and salt when the fallback is on', () => {
    const signed = signCookieValue('a', 'hello', { key, salt: 'bc', scheme: 'legacy' });
    assert.equal(
      unsignCookieValue('ab', signed, { key, salt: 'c', legacyFallback: true }),
      'hello',
    );
  });

  // Django's SignedCookieTest.test_legacy_salt_namespace_not_accepted (Django main's default)
  test('refuses legacy values by default', () => {
    const signed = signCookieValue('a', 'hello', { key, salt: 'bc', scheme: 'legacy' });
    assert.throws(() => unsignCookieValue('a', signed, { key, salt: 'bc' }), BadSignature);
    assert.equal(
      unsignCookieValue('a', signed, { key, salt: 'bc', legacyFallback: true }),
      'hello',
    );
  });

  // Django's SignedCookieTest.test_expired_new_style_cookie_does_not_fallback_to_legacy_salt
  test('does not try the legacy salt once the v2 signature matched but expired', () => {
    const signed = atTime(123456789, () => signCookieValue('a', 'hello', { key, salt: 'bc' }));
    atTime(123456800, () => {
      assert.throws(
        () => unsignCookieValue('a', signed, { key, salt: 'bc', maxAge: 10, legacyFallback: true }),
        SignatureExpired,
      );
    });
  });

  // Django's SignedCookieTest.test_detects_tampering and test_default_argument_suppresses_exceptions
  test('refuses a tampered value with a BadSignature, the one error to catch for a default', () => {
    const signed = signCookieValue('c', 'hello', { key });
    const tampered = `${signed.slice(0, -2)}$$`;
    assert.throws(() => unsignCookieValue('c', tampered, { key }), BadSignature);
    const read = (value: string) => {
      try {
        return unsignCookieValue('c', value, { key });
      } catch (error) {
        if (error instanceof BadSignature) return null;
        throw error;
      }
    };
    assert.equal(read(tampered), null);
  });

  // Django's SignedCookieTest.test_max_age_argument
  test('accepts a value up to maxAge seconds old', () => {
    const signed = atTime(123456789, () => signCookieValue('c', 'hello', { key }));
    atTime(123456800, () => {
      assert.equal(unsignCookieValue('c', signed, { key, maxAge: 12 }), 'hello');
      assert.equal(unsignCookieValue('c', signed, { key, maxAge: 11 }), 'hello');
      assert.throws(() => unsignCookieValue('c', signed, { key, maxAge: 10 }), SignatureExpired);
    });
  });

  // Django's SignedCookieTest.test_set_signed_cookie_max_age_argument
  test('leaves the cookie’s own Max-Age to serializeCookie', () => {
    const signed = signCookieValue('c', 'hello', { key });
    assert.match(serializeCookie('c', signed, { maxAge: 100 }), /; Max-Age=100;/);
    assert.match(serializeCookie('c', signed, { maxAge: 2 * 3600 }), /; Max-Age=7200;/);
  });

  // Django's SignedCookieTest.test_signed_cookies_with_binary_key
  test('round-trips under a binary key', () => {
    const binary = Uint8Array.of(0xe7);
    const signed = signCookieValue('c', 'hello', { key: binary });
    assert.equal(unsignCookieValue('c', signed, { key: binary }), 'hello');
    assert.throws(() => unsignCookieValue('c', signed, { key: '\u00e7' }), BadSignature);
  });

  test('keeps working past the signer cache’s bound', () => {
    for (let i = 0; i < 600; i++) {
      const name = `cookie${i}`;
      assert.equal(
        unsignCookieValue(name, signCookieValue(name, `v${i}`, { key }), { key }),
        `v${i}`,
      );
    }
  });

  test('refuses arguments of the wrong type with a TypeError', () => {
    const signed = signCookieValue('c', 'hello', { key });
    assert.throws(() => unsignCookieValue('c', undefined as unknown as string, { key }), TypeError);
    assert.throws(
      () => unsignCookieValue('c', signed, { key: undefined as unknown as string }),
      TypeError,
    );
    assert.throws(() => unsignCookieValue('c', signed, { key, fallbackKeys: [''] }), TypeError);
  });
});
