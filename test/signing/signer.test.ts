import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadSignature } from '../../src/errors.ts';
import { saltedHmac } from '../../src/signing/salted-hmac.ts';
import { Signer } from '../../src/signing/signer.ts';
import { type Outcome, SECRET_KEY, vectors } from '../helpers/vectors.ts';

const PREDICTABLE = 'predictable-secret';

/** Asserts a call returns what Django returned, or throws what Django threw. */
function assertOutcome(run: () => unknown, expected: Outcome, label: string): void {
  if ('ok' in expected) {
    assert.deepEqual(run(), expected.ok, label);
  } else {
    assert.throws(run, { name: expected.error, message: expected.message }, label);
  }
}

describe('Signer', () => {
  test('signs every recorded case exactly as Django does, and unsigns it', () => {
    for (const c of vectors.signer.cases) {
      const signer = new Signer({ ...c.kwargs, key: c.effective_key });
      assert.equal(signer.salt, c.effective_salt);
      assert.equal(signer.algorithm, c.effective_algorithm);
      assert.equal(signer.sign(c.value), c.signed, JSON.stringify(c.kwargs));
      assertOutcome(() => signer.unsign(c.signed), c.unsign, c.signed);
    }
  });

  test("uses 'django.core.signing.Signer' as the default salt", () => {
    assert.equal(new Signer({ key: 'k' }).salt, vectors.signer.default_salt);
    // An empty salt falls back to the default too, as Python's `salt or default` does.
    assert.equal(new Signer({ key: 'k', salt: '' }).salt, vectors.signer.default_salt);
  });

  // Django's test_signature and test_signature_with_salt
  test('signs with the base64 salted HMAC of the value under salt + "signer"', () => {
    for (const value of ['hello', '3098247:529:087:', '’']) {
      const signer = new Signer({ key: PREDICTABLE });
      const mac = saltedHmac(`${signer.salt}signer`, value, PREDICTABLE, 'sha256');
      assert.equal(signer.sign(value), `${value}:${mac.toString('base64url')}`);
      assert.notEqual(signer.sign(value), new Signer({ key: `${PREDICTABLE}2` }).sign(value));
    }
    const one = new Signer({ key: PREDICTABLE, salt: 'one' }).sign('hello');
    assert.notEqual(one, new Signer({ key: PREDICTABLE, salt: 'two' }).sign('hello'));
  });

  // Django's test_sign_unsign
  test('round-trips strings with separators, spaces and non-ASCII', () => {
    const signer = new Signer({ key: PREDICTABLE });
    for (const value of [
      'q;wjmbk;wkmb',
      '3098247529087',
      '3098247:529:087:',
      'jkw osanteuh ,rcuh',
      '’',
    ]) {
      const signed = signer.sign(value);
      assert.notEqual(signed, value);
      assert.equal(signer.unsign(signed), value);
    }
  });

  test('signs the text of non-string values the way Django signs str(value)', () => {
    const signer = new Signer({ key: PREDICTABLE });
    for (const { value_repr, signed } of vectors.signer.non_string_values) {
      assert.equal(signer.sign(value_repr), signed.ok);
    }
  });

  // Django's test_unsign_detects_tampering
  test('rejects every recorded tampering with the message Django gives', () => {
    const signer = new Signer({ key: PREDICTABLE });
    for (const c of vectors.signer['tampering_with_key_predictable-secret']) {
      assertOutcome(() => signer.unsign(c.input), c.result, c.name);
    }
  });

  // Django's test_works_with_non_ascii_keys
  test('accepts a binary key', () => {
    const signer = new Signer({ key: Buffer.from([0xe7]) });
    assert.equal(signer.sign('foo'), vectors.signer.binary_key_e7_sign_foo);
  });

  // Django's test_valid_sep and test_invalid_sep
  test('accepts separators outside the base64 alphabet and refuses the others', () => {
    for (const c of vectors.signer.separators) {
      const outcome = c['sign_foo_with_key_predictable-secret'];
      if ('ok' in outcome) {
        const signer = new Signer({ key: PREDICTABLE, sep: c.sep });
        assert.equal(signer.sign('foo'), outcome.ok);
        assert.equal(signer.unsign(outcome.ok), 'foo');
      } else {
        assert.throws(() => new Signer({ key: PREDICTABLE, sep: c.sep }), {
          name: 'TypeError',
          message: /^Unsafe Signer separator: .* \(cannot be empty or consist of only A-z0-9-_=\)$/,
        });
      }
    }
  });

  // Django's test_verify_with_non_default_key and test_sign_unsign_multiple_keys
  test('verifies with fallback keys and signs with the current key', () => {
    const old = new Signer({ key: 'secret' }).sign('abc');
    const rotated = new Signer({ key: 'newsecret', fallbackKeys: ['othersecret', 'secret'] });
    assert.equal(rotated.unsign(old), 'abc');
    assert.equal(rotated.sign('abc'), new Signer({ key: 'newsecret' }).sign('abc'));
    const withFallback = new Signer({ key: 'secret', fallbackKeys: ['oldsecret'] });
    assert.equal(withFallback.unsign(withFallback.sign('abc')), 'abc');
  });

  // Django's test_sign_unsign_ignore_secret_key_fallbacks
  test('rejects a value signed with an old key that is not among the fallbacks', () => {
    const old = new Signer({ key: 'oldsecret' }).sign('abc');
    assert.throws(() => new Signer({ key: 'secret', fallbackKeys: [] }).unsign(old), BadSignature);
  });

  test('accepts a signature from another key only through the fallbacks', () => {
    const mismatch = vectors.secret_key_mismatch;
    const signer = new Signer({ key: SECRET_KEY });
    assertOutcome(
      () => signer.unsign(mismatch.signer_other_key_signed),
      mismatch.signer_verify_with_interop_key,
      'no fallback',
    );
    const rotated = new Signer({ key: SECRET_KEY, fallbackKeys: [mismatch.other_secret_key] });
    assert.equal(rotated.unsign(mismatch.signer_other_key_signed), 'hello');
  });

  test('rejects a SHA-1 signature when configured for SHA-256, as Django 4.0+ does', () => {
    const { legacy_sha1 } = vectors.signer;
    const signer = new Signer({ key: SECRET_KEY });
    assertOutcome(
      () => signer.unsign(legacy_sha1.signed_with_sha1),
      legacy_sha1.unsign_with_default_signer,
      'sha1',
    );
  });

  test('refuses a missing or empty key at construction', () => {
    for (const key of ['', new Uint8Array(0), undefined, null, 42]) {
      assert.throws(() => new Signer({ key } as never), TypeError, String(key));
    }
    assert.throws(() => new Signer({ key: 'k', fallbackKeys: [''] }), /fallback key is empty/);
  });

  // Django raises InvalidAlgorithm at sign time; failing at construction surfaces it at startup.
  test('refuses an unknown algorithm at construction', () => {
    assert.throws(() => new Signer({ key: 'k', algorithm: 'whatever' }), {
      message: "'whatever' is not an algorithm accepted by the hashlib module.",
    });
  });

  // Django's test_sign_unsign_object
  test('round-trips objects, with and without compression', () => {
    const signer = new Signer({ key: PREDICTABLE });
    for (const value of [['a', 'list'], 'a string ’', { a: 'dictionary' }]) {
      for (const compress of [false, true]) {
        const signed = signer.signObject(value, { compress });
        assert.notEqual(signed, value);
        assert.deepEqual(signer.unsignObject(signed), value);
      }
    }
  });

  test('compresses only when that saves at least two bytes', () => {
    const signer = new Signer({ key: PREDICTABLE });
    assert.ok(!signer.signObject('hello', { compress: true }).startsWith('.'));
    assert.ok(signer.signObject('x'.repeat(500), { compress: true }).startsWith('.'));
  });

  test('rejects a signed object whose compression flag was removed', () => {
    const signer = new Signer({ key: PREDICTABLE });
    const signed = signer.signObject('x'.repeat(500), { compress: true });
    assert.throws(() => signer.unsignObject(signed.slice(1)), BadSignature);
  });
});
