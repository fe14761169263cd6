import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { b64Decode, b64Encode } from '../../src/signing/base64url.ts';
import { vectors } from '../helpers/vectors.ts';

describe('b64Encode and b64Decode', () => {
  test('match Django for every recorded byte string', () => {
    for (const { bytes_hex, b64 } of vectors.b64) {
      const bytes = Buffer.from(bytes_hex, 'hex');
      assert.equal(b64Encode(bytes), b64);
      assert.deepEqual(b64Decode(b64), bytes);
    }
  });

  test('encode a view into a larger buffer by its own bytes only', () => {
    const whole = Buffer.from('xxfoobarxx');
    assert.equal(b64Encode(whole.subarray(2, 8)), 'Zm9vYmFy');
  });

  test('decode padded input too', () => {
    assert.equal(b64Decode('Zm8=').toString(), 'fo');
  });
});
