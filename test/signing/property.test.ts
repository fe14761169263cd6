import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BadSignature } from '../../src/errors.ts';
import { dumps, loads } from '../../src/signing/dumps.ts';
import { pythonJsonParse, pythonJsonStringify } from '../../src/signing/python-json.ts';
import { Signer } from '../../src/signing/signer.ts';
import { TimestampSigner } from '../../src/signing/timestamp-signer.ts';
import { unsafeIntegersAsBigInts } from '../helpers/python-numbers.ts';

const keys = fc.string({ minLength: 1, unit: 'binary' });
const salts = fc.string({ unit: 'binary' });
// -0 is written as Python's -0.0 and comes back as -0, but deepEqual cannot see the sign.
const jsonValues = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)));

describe('signing properties', () => {
  test('dumps and loads round-trip any JSON value under any key and salt', () => {
    fc.assert(
      fc.property(jsonValues, keys, salts, fc.boolean(), (value, key, salt, compress) => {
        assert.deepEqual(
          loads(dumps(value, { key, salt, compress }), { key, salt }),
          unsafeIntegersAsBigInts(value),
        );
      }),
    );
  });

  test('the fast path writes exactly what the careful encoder writes', () => {
    // A toJSON at the top sends the whole value through the careful, piece-by-piece encoder;
    // without it, plain data takes JSON.stringify. Both must give Python's bytes.
    const anything = fc.oneof(
      fc.jsonValue(),
      fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true }),
      fc.array(fc.double()),
      fc.dictionary(fc.string({ unit: 'binary' }), fc.oneof(fc.double(), fc.integer())),
    );
    fc.assert(
      fc.property(anything, (value) => {
        let fast: string | Error;
        let careful: string | Error;
        try {
          fast = pythonJsonStringify(value);
        } catch (error) {
          fast = error as Error;
        }
        try {
          careful = pythonJsonStringify({ toJSON: () => value });
        } catch (error) {
          careful = error as Error;
        }
        if (careful instanceof Error)
          assert.ok(fast instanceof Error, 'the fast path refuses it too');
        else assert.equal(fast, careful);
      }),
      { numRuns: 2000 },
    );
  });

  test('the Python JSON is pure ASCII and parses back to the same value', () => {
    fc.assert(
      fc.property(jsonValues, (value) => {
        const text = pythonJsonStringify(value);
        assert.match(text, /^[\x20-\x7e]*$/);
        // A whole number beyond 2^53 goes out as a Python int, and ints that large load as BigInts.
        assert.deepEqual(pythonJsonParse(text), unsafeIntegersAsBigInts(value));
      }),
    );
  });

  test('any double is written as a float literal that reads back to itself', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        // A whole double beyond 2^53 is written as a Python int and loads as a BigInt of it.
        const back = Number(pythonJsonParse(pythonJsonStringify(value)));
        assert.ok(
          Object.is(back, value) || (Number.isNaN(back) && Number.isNaN(value)),
          String(value),
        );
      }),
    );
  });

  test('every single-character change of a signed value is rejected', () => {
    const signer = new TimestampSigner({ key: 'property-key' });
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (value, at, replacement) => {
          const signed = signer.sign(value);
          const index = at % signed.length;
          fc.pre(signed[index] !== replacement);
          const tampered = signed.slice(0, index) + replacement + signed.slice(index + 1);
          assert.throws(() => signer.unsign(tampered), BadSignature);
        },
      ),
    );
  });

  test('a signature made with one key or salt never verifies under another', () => {
    fc.assert(
      fc.property(fc.string(), keys, keys, salts, salts, (value, keyA, keyB, saltA, saltB) => {
        fc.pre(keyA !== keyB || saltA !== saltB);
        const signed = new Signer({ key: keyA, salt: saltA }).sign(value);
        assert.throws(() => new Signer({ key: keyB, salt: saltB }).unsign(signed), BadSignature);
      }),
    );
  });
});
