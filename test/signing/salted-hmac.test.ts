import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { saltedHmac } from '../../src/signing/salted-hmac.ts';
import { vectors } from '../helpers/vectors.ts';

describe('saltedHmac', () => {
  test('matches Django for every recorded salt, value, secret and algorithm', () => {
    for (const c of vectors.salted_hmac.cases) {
      const digest = saltedHmac(c.key_salt, c.value, c.secret, c.algorithm);
      assert.equal(digest.toString('hex'), c.hexdigest, `${c.key_salt} ${c.algorithm}`);
      assert.equal(digest.toString('base64url'), c.b64url_digest);
    }
  });

  test('defaults to SHA-1, as Django does', () => {
    const c = vectors.salted_hmac.cases.find(
      (v: { algorithm: string }) =>
        v.algorithm === vectors.salted_hmac.default_algorithm_of_salted_hmac,
    );
    assert.equal(saltedHmac(c.key_salt, c.value, c.secret).toString('hex'), c.hexdigest);
  });

  test('accepts a secret as bytes, equal to the same secret as UTF-8 text', () => {
    const text = saltedHmac('salt', 'value', 'sécret', 'sha256');
    const bytes = saltedHmac('salt', 'value', Buffer.from('sécret'), 'sha256');
    assert.deepEqual(bytes, text);
  });

  test('gives different digests for different secrets and salts', () => {
    const base = saltedHmac('salt', 'value', 'secret', 'sha256');
    assert.notDeepEqual(saltedHmac('salt', 'value', 'secret2', 'sha256'), base);
    assert.notDeepEqual(saltedHmac('salt2', 'value', 'secret', 'sha256'), base);
  });

  test("knows hashlib's names for SHA-3", () => {
    assert.equal(saltedHmac('s', 'v', 'k', 'sha3_256').length, 32);
  });

  test("refuses an algorithm hashlib does not know, with Django's message", () => {
    assert.throws(() => saltedHmac('s', 'v', 'k', 'whatever'), {
      name: 'TypeError',
      message: "'whatever' is not an algorithm accepted by the hashlib module.",
    });
  });
});
