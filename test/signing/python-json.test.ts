import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  pythonJsonParse,
  pythonJsonParseWithMembers,
  pythonJsonStringify,
  pythonJsonStringifyWithMembers,
} from '../../src/signing/python-json.ts';
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
      [{ m: new Map() }, /\["m"\] is a Map.*Object\.fromEntries/],
      [[new Set()], /\[0\] is a Set.*Array\.from/],
      [cycle, /\["self"\] is a circular reference/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => pythonJsonStringify(value), { name: 'TypeError', message });
    }
  });

  test('writes a BigInt as a JSON integer, as Python writes its ints', () => {
    assert.equal(pythonJsonStringify(2n ** 63n - 1n), '9223372036854775807');
    assert.equal(
      pythonJsonStringify({ n: [-(10n ** 30n), 10n] }),
      '{"n":[-1000000000000000000000000000000,10]}',
    );
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
      // The vectors hold numbers as JSON, so an int beyond 2^53 is compared by its digits.
      const expected = /^-?\d+$/.test(c.serialized)
        ? (() => {
            const exact = BigInt(c.serialized);
            return exact === BigInt(Number(exact)) && Number.isSafeInteger(Number(exact))
              ? Number(exact)
              : exact;
          })()
        : fromVector(c.value);
      if (typeof expected === 'number' && Number.isNaN(expected)) assert.ok(Number.isNaN(parsed));
      else assert.deepEqual(parsed, expected, c.python_repr);
    }
  });

  test('reads integers beyond ±(2^53 - 1) as BigInts, digit for digit, also when nested', () => {
    assert.deepEqual(pythonJsonParse('[9007199254740991,9007199254740992,-9007199254740993]'), [
      9007199254740991,
      9007199254740992n,
      -9007199254740993n,
    ]);
    assert.deepEqual(pythonJsonParse('{"a":{"b":[1234567890123456789]},"c":NaN}'), {
      a: { b: [1234567890123456789n] },
      c: Number.NaN,
    });
    // A float with as many digits stays a float.
    assert.equal(pythonJsonParse('1.7976931348623157e+308'), 1.7976931348623157e308);
    assert.equal(pythonJsonParse('"12345678901234567890"'), '12345678901234567890');
  });

  test('keeps a "__proto__" key as an ordinary key, on every parsing path', () => {
    for (const text of [
      '{"__proto__":1}',
      '{"__proto__":{"x":1.0},"n":12345678901234567890}',
      '{"__proto__":NaN,"10":1}',
    ]) {
      const parsed = pythonJsonParse(text) as Record<string, unknown>;
      assert.equal(Object.getPrototypeOf(parsed), Object.prototype, text);
      assert.ok(Object.hasOwn(parsed, '__proto__'), text);
      const { value } = pythonJsonParseWithMembers(text);
      assert.ok(Object.hasOwn(value as object, '__proto__'), text);
      assert.equal(Object.getPrototypeOf(value), Object.prototype, text);
    }
  });

  test('throws a SyntaxError on text that is not JSON', () => {
    assert.throws(() => pythonJsonParse('not json'), SyntaxError);
    assert.throws(() => pythonJsonParse('[NaN,'), SyntaxError);
  });
});

describe('pythonJsonParseWithMembers and pythonJsonStringifyWithMembers', () => {
  // What Django wrote: values JavaScript reads into numbers and objects it would write otherwise.
  const stored =
    '{"big":1234567890123456789,"max":9223372036854775807,"huge":1000000000000000000000000000000,' +
    '"one":1.0,"e16":1e+16,"tiny":1e-05,"negzero":-0.0,"dict":{"x":1,"10":2,"2":3},"s":"a:1.0"}';

  test('gives no members for text JavaScript writes back as it was (the common case)', () => {
    for (const text of [
      '{"visits":5}',
      '{"total":12.5,"flags":{"beta":true},"hash":"3e40f1a0e5","when":"1.0"}',
      '{"n":0,"m":-1,"f":-0.5,"nan":NaN}',
      '{"_auth_user_hash":"9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"}',
    ]) {
      assert.equal(pythonJsonParseWithMembers(text).members, undefined, text);
    }
  });

  test('keeps each top-level value’s text, and gives the values JavaScript can hold', () => {
    const { value, members } = pythonJsonParseWithMembers(stored);
    assert.deepEqual(value, {
      big: 1234567890123456789n,
      max: 9223372036854775807n,
      huge: 10n ** 30n,
      one: 1,
      e16: 1e16,
      tiny: 1e-5,
      negzero: -0,
      dict: { x: 1, 10: 2, 2: 3 },
      s: 'a:1.0',
    });
    assert.equal(members?.get('one'), '1.0');
    assert.equal(members?.get('dict'), '{"x":1,"10":2,"2":3}');
    assert.deepEqual(
      [...(members?.keys() ?? [])],
      ['big', 'max', 'huge', 'one', 'e16', 'tiny', 'negzero', 'dict', 's'],
    );
  });

  test('writes untouched values back byte for byte, and a changed one fresh, in place', () => {
    const { value, members } = pythonJsonParseWithMembers(stored);
    assert.ok(members !== undefined);
    const data = value as Record<string, unknown>;
    assert.equal(pythonJsonStringifyWithMembers(data, members), stored);
    data.one = 2;
    data.added = 1.5;
    delete data.tiny;
    assert.equal(
      pythonJsonStringifyWithMembers(data, members),
      stored
        .replace('"one":1.0', '"one":2')
        .replace('"tiny":1e-05,', '')
        .replace(/}$/, ',"added":1.5}'),
    );
  });

  test('writes a value changed in place fresh, not as it was read', () => {
    const { value, members } = pythonJsonParseWithMembers(stored);
    assert.ok(members !== undefined);
    const data = value as { dict: Record<string, number> };
    data.dict.x = 5;
    assert.match(pythonJsonStringifyWithMembers(data, members), /"dict":\{"2":3,"10":2,"x":5\}/);
  });

  test('escapes non-ASCII another writer left in a kept value, as Python would', () => {
    const { value, members } = pythonJsonParseWithMembers('{"a":1.0,"b":["é"]}');
    assert.ok(members !== undefined);
    assert.equal(
      pythonJsonStringifyWithMembers(value as Record<string, unknown>, members),
      '{"a":1.0,"b":["\\u00e9"]}',
    );
  });
});
