import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { prepareHmac } from '../../src/signing/hmac.ts';

const DIGESTS = ['md5', 'sha1', 'sha224', 'sha256', 'blake2s256', 'sha384', 'sha512', 'sha3-256'];

describe('prepareHmac', () => {
  test('equals createHmac for any key, value and digest', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DIGESTS),
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        (digest, key, value) => {
          const expected = createHmac(digest, key).update(value, 'utf8').digest('base64url');
          assert.equal(prepareHmac(digest, Buffer.from(key)).sign(value), expected);
        },
      ),
    );
  });

  test('gives the same signatures call after call (the scratch buffer is reused)', () => {
    const hmac = prepareHmac('sha256', Buffer.alloc(32, 1));
    const long = 'é'.repeat(2000);
    const results = ['a', long, 'b', 'a', long].map((value) => hmac.sign(value));
    assert.equal(results[0], results[3]);
    assert.equal(results[1], results[4]);
    assert.notEqual(results[0], results[2]);
  });

  test('falls back for values too long for the scratch buffer', () => {
    const value = 'x'.repeat(100_000);
    const key = Buffer.alloc(32, 2);
    assert.equal(
      prepareHmac('sha256', key).sign(value),
      createHmac('sha256', key).update(value).digest('base64url'),
    );
  });
});
