import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { b62Decode, b62Encode } from '../../src/signing/base62.ts';
import { vectors } from '../helpers/vectors.ts';

describe('b62Encode and b62Decode', () => {
  test('match Django for every recorded integer', () => {
    for (const { int, b62 } of vectors.b62.cases) {
      assert.equal(b62Encode(int), b62, `encode ${int}`);
      assert.equal(b62Decode(b62), int, `decode ${b62}`);
    }
  });

  // Django's TestBase62.test_base62
  test('round-trip -10**10, 10**10, 1620378259 and -100..99', () => {
    const values = [-(10 ** 10), 10 ** 10, 1620378259];
    for (let i = -100; i < 100; i++) values.push(i);
    for (const value of values) assert.equal(b62Decode(b62Encode(value)), value);
  });

  test('decoding text outside the alphabet gives NaN', () => {
    for (const text of ['', '-', 'abc!', '1 2', 'é'])
      assert.ok(Number.isNaN(b62Decode(text)), text);
  });

  test('encoding a non-integer throws a TypeError', () => {
    assert.throws(() => b62Encode(1.5), TypeError);
    assert.throws(() => b62Encode(Number.NaN), TypeError);
  });
});
