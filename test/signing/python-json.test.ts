import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pythonJsonParse, pythonJsonStringify } from '../../src/signing/python-json.ts';
import { jsCannotRoundTrip } from '../helpers/python-numbers.ts';
import { vectors } from '../helpers/vectors.ts';

const FLOATS: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
};

function fromVector(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '$float' in value) {
    return FLOATS[(value as { $float: string }).$float];
  }
  return value;
}

describe('pythonJsonStringify', () => {
  test("writes every value JavaScript can hold exactly as Python's json.dumps does", () => {
    for (const c of vectors.json_serializer.cases) {
      if (jsCannotRoundTrip(c.serialized)) continue;
      assert.equal(pythonJsonStringify(fromVector(c.value)), c.serialized, c.python_repr);
    }
  });

  test('writes whole numbers as Python ints and the rest as Python floats', () => {
    assert.equal(pythonJsonStringify(2 ** 63), '9223372036854775808');
    assert.equal(pythonJsonStringify(2 ** 64), '18446744073709551616');
    assert.equal(pythonJsonStringify(1e30), '1e+30');
    assert.equal(pythonJsonStringify(-0), '-0.0');
    assert.equal(pythonJsonStringify(1.5e-7), '1.5e-07');
    assert.equal(pythonJsonStringify(1.2345e-10), '1.2345e-10');
    assert.equal(pythonJsonStringify(2 ** 64 * 3), '5.5340232221128655e+19');
    assert.equal(pythonJsonStringify(0.000123), '0.000123');
  });

  test('escapes all non-ASCII, including astral characters as surrogate pairs', () => {
    assert.equal(pythonJsonStringify('é😀\u007f'), '"\\u00e9\\ud83d\\ude00\\u007f"');
    assert.equal(pythonJsonStringify({ é: 1 }), '{"\\u00e9":1}');
  });

  test('keeps key order and follows JSON.stringify for undefined and toJSON', () => {
    assert.equal(pythonJsonStringify({ b: 1, a: undefined, c: [undefined] }), '{"b":1,"c":[null]}');
    assert.equal(pythonJsonStringify(new Date(0)), '"1970-01-01T00:00:00.000Z"');
  });

  test('refuses what JSON cannot carry, saying what and where', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: [unknown, RegExp][] = [
      [undefined, /the value is undefined/],
      [{ a: [1, () => 0] }, /the value at \["a"\]\[1\] is a function/],
      [{ s: Symbol('x') }, /\["s"\] is a symbol/],
      [{ n: 10n }, /\["n"\] is a BigInt/],
      [{ m: new Map() }, /\["m"\] is a Map.*Object\.fromEntries/],
      [[new Set()], /\[0\] is a Set.*Array\.from/],
      [cycle, /\["self"\] is a circular reference/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => pythonJsonStringify(value), { name: 'TypeError', message });
    }
  });

  test('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    assert.equal(pythonJsonStringify([shared, shared]), '[{"x":1},{"x":1}]');
  });
});

describe('pythonJsonParse', () => {
  test('reads NaN, Infinity and -Infinity outside strings only', () => {
    const parsed = pythonJsonParse('[NaN,Infinity,-Infinity,"NaN","-Infinity x"]') as unknown[];
    assert.ok(Number.isNaN(parsed[0]));
    assert.deepEqual(parsed.slice(1), [
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      'NaN',
      '-Infinity x',
    ]);
  });

  test('reads every recorded document back to the value it came from', () => {
    for (const c of vectors.json_serializer.cases) {
      const parsed = pythonJsonParse(c.serialized);
      const expected = fromVector(c.value);
      if (typeof expected === 'number' && Number.isNaN(expected)) assert.ok(Number.isNaN(parsed));
      else assert.deepEqual(parsed, expected, c.python_repr);
    }
  });

  test('throws a SyntaxError on text that is not JSON', () => {
    assert.throws(() => pythonJsonParse('not json'), SyntaxError);
    assert.throws(() => pythonJsonParse('[NaN,'), SyntaxError);
  });
});
