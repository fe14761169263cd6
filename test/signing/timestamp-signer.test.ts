import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadSignature, SignatureExpired } from '../../src/errors.ts';
import { Signer } from '../../src/signing/signer.ts';
import { TimestampSigner } from '../../src/signing/timestamp-signer.ts';
import { atTime } from '../helpers/clock.ts';
import { SECRET_KEY, vectors } from '../helpers/vectors.ts';

/** Python gives max_age as a number or a timedelta; both are seconds here. */
function seconds(maxAge: number | { $timedelta_seconds: number } | null): number | undefined {
  if (maxAge === null) return undefined;
  return typeof maxAge === 'number' ? maxAge : maxAge.$timedelta_seconds;
}

describe('TimestampSigner', () => {
  test('signs every recorded case exactly as Django does at the same second', () => {
    for (const c of vectors.timestamp_signer.cases) {
      const signer = new TimestampSigner({ key: SECRET_KEY, ...c.kwargs });
      assert.equal(
        atTime(c.time, () => signer.sign(c.value)),
        c.signed,
      );
    }
  });

  test('accepts or expires each recorded value exactly when Django does', () => {
    for (const c of vectors.timestamp_signer.cases) {
      const signer = new TimestampSigner({ key: SECRET_KEY, ...c.kwargs });
      for (const check of c.unsign_checks) {
        const maxAge = seconds(check.max_age);
        const run = () => atTime(check.now, () => signer.unsign(c.signed, { maxAge }));
        const label = `${c.signed} at ${check.now} max age ${maxAge}`;
        if ('ok' in check.result) {
          assert.equal(run(), check.result.ok, label);
        } else {
          // Python prints a timedelta's seconds as 10.0; the rest of the message is Django's.
          const message = check.result.message.replace(/(\d+)\.0 seconds$/, '$1 seconds');
          assert.throws(run, { name: check.result.error, message }, label);
        }
      }
    }
  });

  // Django's TestTimestampSigner.test_timestamp_signer
  test('differs from a plain signature and expires strictly after max age', () => {
    const signer = new TimestampSigner({ key: 'predictable-key' });
    const signed = atTime(123456789, () => signer.sign('hello'));
    assert.notEqual(signed, new Signer({ key: 'predictable-key' }).sign('hello'));
    assert.equal(
      atTime(123456789, () => signer.unsign(signed)),
      'hello',
    );
    atTime(123456800, () => {
      assert.equal(signer.unsign(signed, { maxAge: 12 }), 'hello');
      assert.equal(signer.unsign(signed, { maxAge: 11 }), 'hello');
      assert.throws(() => signer.unsign(signed, { maxAge: 10 }), SignatureExpired);
    });
  });

  test('makes SignatureExpired a kind of BadSignature', () => {
    const signer = new TimestampSigner({ key: 'k' });
    const signed = atTime(100, () => signer.sign('v'));
    assert.throws(() => atTime(200, () => signer.unsign(signed, { maxAge: 1 })), BadSignature);
  });

  test("uses 'django.core.signing.TimestampSigner' as the default salt", () => {
    assert.equal(new TimestampSigner({ key: 'k' }).salt, 'django.core.signing.TimestampSigner');
  });

  test('rejects a validly signed value without a base62 timestamp', () => {
    const plain = new Signer({ key: 'k', salt: 'django.core.signing.TimestampSigner' });
    const signer = new TimestampSigner({ key: 'k' });
    assert.throws(() => signer.unsign(plain.sign('no-timestamp')), BadSignature);
    assert.throws(() => signer.unsign(plain.sign('value:!!')), BadSignature);
  });

  test('checks max age in unsignObject as well', () => {
    const signer = new TimestampSigner({ key: 'k' });
    const signed = atTime(100, () => signer.signObject({ a: 1 }));
    assert.deepEqual(
      atTime(105, () => signer.unsignObject(signed, { maxAge: 5 })),
      { a: 1 },
    );
    assert.throws(
      () => atTime(106, () => signer.unsignObject(signed, { maxAge: 5 })),
      SignatureExpired,
    );
  });
});
