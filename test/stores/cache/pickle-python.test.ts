import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { PythonObject, pickleSession, unpickleSession } from '../../../src/stores/cache/pickle.ts';

// CPython is the reference: it pickles the edge cases in pickle-peer.py with protocols 2 to 5,
// and loads back what coatcheck writes. Missing Python skips here and fails under CI=true.
const PYTHON = '/usr/bin/python3';
const PEER = fileURLToPath(new URL('./pickle-peer.py', import.meta.url));
const missing = existsSync(PYTHON) ? false : `${PYTHON} is not installed`;
const skip = process.env.CI === 'true' ? false : missing;

function python(mode: string, input?: unknown): unknown {
  if (missing) throw new Error(`${missing}; CI=true requires it`);
  const output = execFileSync(PYTHON, [PEER, mode], {
    input: input === undefined ? '' : JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return JSON.parse(output);
}

type Made = {
  pickles: Record<string, Record<'2' | '3' | '4' | '5', string>>;
  texts: Record<string, string>;
};
const { pickles: made, texts } = (skip ? { pickles: {}, texts: {} } : python('make')) as Made;
const caseNames = Object.keys(made);

describe('pickle against CPython', { skip }, () => {
  test('every case from every protocol re-encodes to a pickle Python loads back unchanged', () => {
    const written: { case: string; from: string; protocol: number; hex: string }[] = [];
    for (const name of caseNames) {
      for (const [from, hex] of Object.entries(made[name] ?? {})) {
        const { data, origin } = unpickleSession(Buffer.from(hex, 'hex'));
        for (const protocol of [4, 5] as const) {
          written.push({
            case: name,
            from,
            protocol,
            hex: pickleSession(data, origin, protocol).toString('hex'),
          });
        }
      }
    }
    assert.equal(written.length, caseNames.length * 8);
    const failures = python('check', written) as { case: string; from: string; error?: string }[];
    assert.deepEqual(
      failures.map(
        (failure) => `${failure.case} (from protocol ${failure.from}) ${failure.error ?? ''}`,
      ),
      [],
    );
  });

  test('a protocol 4 or 5 pickle re-encodes byte for byte under its own protocol', () => {
    for (const name of caseNames) {
      for (const protocol of [4, 5] as const) {
        const hex = made[name]?.[protocol] ?? '';
        const { data, origin } = unpickleSession(Buffer.from(hex, 'hex'));
        assert.equal(
          pickleSession(data, origin, protocol).toString('hex'),
          hex,
          `${name}, protocol ${protocol}`,
        );
      }
    }
  });

  test('JavaScript data with no origin is written as CPython writes the same dict', () => {
    // These cases hold only what JavaScript represents exactly (numeric-looking keys would be
    // reordered, floats like 1.0 and tuples lose their type), plus opaque values. Not 'proto
    // keys': Python interns identifier-like literals, so its repeated keys are one object.
    for (const name of [
      'ints',
      'unicode',
      'long strings',
      'many keys',
      'long list',
      'big frame',
      'sets and bytes',
      'datetimes',
    ]) {
      for (const protocol of [4, 5] as const) {
        const hex = made[name]?.[protocol] ?? '';
        const { data } = unpickleSession(Buffer.from(hex, 'hex'));
        assert.equal(
          pickleSession(data, undefined, protocol).toString('hex'),
          hex,
          `${name}, protocol ${protocol}`,
        );
      }
    }
  });

  test('the decoded values follow the documented mapping', () => {
    const load = (name: string) =>
      unpickleSession(Buffer.from(made[name]?.['2'] ?? '', 'hex')).data;
    const ints = load('ints');
    assert.equal(ints.safe, 2 ** 53 - 1);
    assert.equal(ints.unsafe, 2n ** 53n);
    assert.equal(ints['-2^63'], -(2n ** 63n));
    assert.equal(ints.huge, 7n ** 400n);
    const floats = load('floats');
    assert.ok(Object.is(floats['-0.0'], -0));
    assert.ok(Number.isNaN(floats.nan));
    assert.equal(floats.inf, Number.POSITIVE_INFINITY);
    const unicode = load('unicode');
    assert.equal(unicode['lone high'], '\ud800x');
    assert.equal(unicode.astral, '😀 𝄞 🇫🇷');
    const keys = load('proto keys');
    assert.equal(Object.getPrototypeOf(keys), Object.prototype);
    assert.deepEqual(Object.keys(keys), ['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    const inner = Object.getOwnPropertyDescriptor(keys, '__proto__')?.value as Record<
      string,
      unknown
    >;
    assert.equal(Object.getPrototypeOf(inner), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value, 1);
    const nested = load('nested');
    assert.deepEqual(nested.tuple, [1, [2, [3, []]], [4, [5]]]);
    const shared = load('shared');
    assert.equal(shared.a, shared.b);
    const dates = load('datetimes');
    const text = (key: string) => String(dates[key]);
    assert.equal(text('utc'), '2024-02-29T12:34:56.789000+00:00');
    assert.equal(text('offset'), '1999-12-31T23:59:59-05:30');
    assert.equal(text('naive'), '2000-01-01T00:00:00');
    assert.equal(text('date'), '2024-02-29');
    assert.equal(text('time'), '01:02:03.000004');
    assert.equal(text('timedelta'), '-1 day, 0:00:05.000006');
    assert.equal(text('utc zone'), 'UTC');
    assert.equal(text('zoned'), '2024-07-01T12:00:00[Europe/Paris]');
    assert.equal((dates.zone as PythonObject).pythonType, 'zoneinfo.ZoneInfo');
    assert.equal((dates.zoned as PythonObject).pythonType, 'datetime.datetime');
    const others = { ...load('sets and bytes'), ...load('other dicts'), ...load('instances') };
    const types = Object.fromEntries(
      Object.entries(others).map(([key, value]) => [
        key,
        value instanceof PythonObject ? value.pythonType : typeof value,
      ]),
    );
    assert.deepEqual(types, {
      set: 'set',
      frozenset: 'frozenset',
      quoted: 'bytes',
      'str set': 'set',
      'empty set': 'set',
      bytes: 'bytes',
      'empty bytes': 'bytes',
      bytearray: 'bytearray',
      'big set': 'set',
      'int keys': 'dict',
      'tuple key': 'dict',
      ordered: 'collections.OrderedDict',
      counter: 'collections.Counter',
      default: 'collections.defaultdict',
      fraction: 'fractions.Fraction',
      uuid: 'uuid.UUID',
      namespace: 'types.SimpleNamespace',
      class: 'global',
      function: 'global',
      complex: 'complex',
      range: 'range',
    });
  });

  test('a PythonObject shows what Python shows: isoformat(), str() or repr()', () => {
    for (const protocol of ['2', '3', '4', '5'] as const) {
      const loaded: Record<string, unknown> = {};
      for (const name of ['datetimes', 'decimals', 'sets and bytes', 'other dicts']) {
        Object.assign(
          loaded,
          unpickleSession(Buffer.from(made[name]?.[protocol] ?? '', 'hex')).data,
        );
      }
      const shown = Object.fromEntries(Object.keys(texts).map((key) => [key, String(loaded[key])]));
      assert.deepEqual(shown, texts, `protocol ${protocol}`);
    }
  });
});

type Described =
  | null
  | boolean
  | { int: string }
  | { float: string }
  | { str: string }
  | Described[]
  | { dict: [Described, Described][] };

// What pickle-peer.py's describe() gives for the Python value a JavaScript value should become.
function expected(value: unknown): Described {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return { int: String(value) };
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) return { int: String(value) };
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return { float: bytes.toString('hex') };
  }
  if (typeof value === 'string') return { str: value };
  if (Array.isArray(value)) return value.map(expected);
  return {
    dict: Object.entries(value as object).map(([key, item]) => [{ str: key }, expected(item)]),
  };
}

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('tree')),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('tree')),
  ),
}));
const sessions = fc.dictionary(fc.string({ unit: 'binary' }), tree);

describe('pickle property against CPython', { skip }, () => {
  test('Python loads what coatcheck writes for random data as the same values and types', () => {
    const samples = fc.sample(fc.tuple(sessions, fc.constantFrom(4 as const, 5 as const)), 300);
    const pickles = samples.map(([data, protocol]) =>
      pickleSession(data, undefined, protocol).toString('hex'),
    );
    const described = python('describe', pickles) as Described[];
    samples.forEach(([data], i) => {
      assert.deepEqual(described[i], expected(data), `sample ${i}: ${pickles[i]}`);
    });
  });

  test('coatcheck reads back what it writes for random data', () => {
    fc.assert(
      fc.property(sessions, (data) => {
        const { data: back } = unpickleSession(pickleSession(data));
        assert.deepEqual(expected(back), expected(data));
      }),
    );
  });
});
