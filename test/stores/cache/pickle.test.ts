import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { UnpicklingError } from '../../../src/errors.ts';
import { PythonObject, pickleSession, unpickleSession } from '../../../src/stores/cache/pickle.ts';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const PROTO4 = '8004';
// {'x': <value>} around the opcodes of one value: EMPTY_DICT, 'x', the value, SETITEM, STOP.
const inDict = (value: string) => hex(`${PROTO4} 7d 8c0178 ${value} 73 2e`);

// {'py_dt': datetime(2024, 2, 29, 12, 34, 56, 789000, tzinfo=timezone.utc),
//  'py_decimal': Decimal('3.14159265358979323846264338327950288'), 'py_plain': 'kept'}, recorded
// from django-redis (django-cache-format.md).
const DATETIME_SESSION = hex(
  '800495c4000000000000007d94288c0570795f6474948c086461746574696d65948c086461746574696d65949394430a07e8021d0c22380c0a089468028c0874696d657a6f6e6594939468028c0974696d6564656c74619493944b004b004b008794529485945294869452948c0a70795f646563696d616c948c07646563696d616c948c07446563696d616c9493948c25332e313431353932363533353839373933323338343632363433333833323739353032383894859452948c0870795f706c61696e948c046b65707494752e',
);

// CPython's pickle.dumps({'f': 1.0, 't': (1, 2), 'n': {'2': 1, '1': 2}, 'b': 2**64, 's': 'x'}, 5)
const TYPED_SESSION = hex(
  '80059547000000000000007d94288c016694473ff00000000000008c0174944b014b0286948c016e947d94288c0132944b018c0131944b02758c0162948a090000000000000000018c0173948c017894752e',
);

function rejects(bytes: Uint8Array, message?: RegExp): void {
  assert.throws(
    () => unpickleSession(bytes),
    (error: unknown) =>
      error instanceof UnpicklingError &&
      error.message.startsWith('coatcheck: ') &&
      (message === undefined || message.test(error.message)),
  );
}

describe('unpickleSession on hostile input', () => {
  test('every truncation of a real session throws UnpicklingError', () => {
    for (let length = 0; length < DATETIME_SESSION.length; length++) {
      rejects(DATETIME_SESSION.subarray(0, length));
    }
  });

  test('random corruption either decodes or throws UnpicklingError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bytes = Buffer.from(DATETIME_SESSION);
          for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
          try {
            const { data, origin } = unpickleSession(bytes);
            pickleSession(data, origin);
          } catch (error) {
            if (!(error instanceof UnpicklingError)) throw error;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('unknown and unsupported opcodes are refused by name', () => {
    rejects(inDict('ff'), /opcode 0xff/);
    rejects(inDict('50 31 0a'), /opcode 0x50/); // PERSID: persistent ids need a callback
    rejects(inDict('82 01'), /opcode 0x82/); // EXT1: the extension registry
    rejects(inDict('97'), /opcode 0x97/); // NEXT_BUFFER: out-of-band data
    rejects(hex('8006 7d 2e'), /protocol 6/);
  });

  test('a length field larger than the input is refused before anything is allocated', () => {
    rejects(inDict('58 ffffffff 41'), /ends too early/); // BINUNICODE
    rejects(inDict('8d ffffffffffffff7f 41'), /length field/); // BINUNICODE8
    rejects(inDict('8e ffffffffffffffff'), /length field/); // BINBYTES8
    rejects(inDict('96 0000000001000000'), /length field/); // BYTEARRAY8
    rejects(inDict('8b ffffff7f 00'), /ends too early/); // LONG4
    rejects(inDict('8b ffffffff 00'), /negative/);
    rejects(hex(`${PROTO4} 95 ffffffffffffffff 7d 2e`), /length field/); // FRAME
  });

  test('a text integer longer than Python converts is refused', () => {
    rejects(inDict(`49 ${Buffer.from('9'.repeat(5000)).toString('hex')} 0a`), /not an integer/);
    const { data } = unpickleSession(
      inDict(`4c ${Buffer.from('-123456789012345678901L').toString('hex')} 0a`),
    );
    assert.equal(data.x, -123456789012345678901n);
  });

  test('stack and memo misuse is refused', () => {
    rejects(hex(`${PROTO4} 2e`), /stack is empty/);
    rejects(hex(`${PROTO4} 7d 28 85 2e`), /stack is empty/); // TUPLE1 cannot reach below a MARK
    rejects(hex(`${PROTO4} 7d 74 2e`), /MARK is missing/);
    rejects(inDict('68 07'), /memo entry 7/);
    rejects(inDict('6a ffffffff'), /memo entry 4294967295/);
    rejects(hex(`${PROTO4} 7d 8c0178 4b01 65 2e`), /MARK is missing/);
    rejects(
      hex(`${PROTO4} 7d 8c0178 4b01 61 2e`),
      /APPEND applies to something that is not a list/,
    );
    rejects(hex(`${PROTO4} 5d 2e`), /other than a dict/);
    rejects(hex(`${PROTO4} 7d 4b01 4b02 73 2e`), /key is not a string/);
  });

  test('far memo indices work without allocating for them', () => {
    const { data } = unpickleSession(inDict('8c0179 72 feffffff 30 6a feffffff'));
    assert.equal(data.x, 'y');
  });

  test('a value that contains itself is refused', () => {
    // l = []; l.append(l)
    rejects(inDict('5d 94 68 00 61'), /contains itself/);
    // d = {}; d['d'] = d, as the session itself
    rejects(hex(`${PROTO4} 7d 94 8c0164 68 00 73 2e`), /contains itself/);
  });

  test('nesting deeper than 1000 levels is refused, 1000 levels read', () => {
    const nested = (depth: number) => inDict(`${'5d'.repeat(depth)}${'61'.repeat(depth - 1)}`);
    rejects(nested(1001), /deeper than 1000/);
    rejects(nested(200_000), /deeper than 1000/);
    const { data, origin } = unpickleSession(nested(999));
    let value = data.x;
    let depth = 0;
    while (Array.isArray(value) && value.length > 0) {
      value = value[0];
      depth++;
    }
    assert.equal(depth, 998);
    assert.deepEqual(unpickleSession(pickleSession(data, origin)).data, data);
  });

  test('a shared-subtree bomb decodes and re-encodes in linear time', () => {
    // l0 = []; l(n) = [l(n-1), l(n-1)]: 2^200 paths through 200 levels of memo references.
    // Memo: 0 the dict, 1 'x', 2 + n the list l(n).
    const get = (index: number) =>
      `6a ${Buffer.from(new Uint32Array([index]).buffer).toString('hex')}`;
    let body = '5d 94';
    for (let level = 1; level <= 200; level++) {
      body += ` 30 5d 94 28 ${get(level + 1)} ${get(level + 1)} 65`;
    }
    const bytes = hex(`${PROTO4} 7d 94 8c0178 94 ${body} 73 2e`);
    const started = performance.now();
    const { data, origin } = unpickleSession(bytes);
    const again = pickleSession(data, origin, 4);
    const fresh = pickleSession({ ...data }, undefined, 4);
    assert.ok(performance.now() - started < 1000);
    assert.ok(again.length < 3000 && fresh.length < 3000);
    let value = data.x as unknown[];
    for (let level = 0; level < 200; level++) {
      assert.equal(value[0], value[1]);
      value = value[0] as unknown[];
    }
    assert.deepEqual(value, []);
  });

  test('the text of a shared-subtree bomb inside an opaque value stays short', () => {
    // frozenset({t199}) where t(n) = (t(n-1), t(n-1)): the repr would be 2^200 items long.
    let body = '29 94';
    for (let level = 1; level < 200; level++)
      body += ` 30 68 ${(level + 1).toString(16).padStart(2, '0')} 68 ${(level + 1).toString(16).padStart(2, '0')} 86 94`;
    const bytes = hex(
      `${PROTO4} 7d 94 8c0178 94 28 ${body.replace(/68 (..)/g, (_, n) => `6a ${Buffer.from(new Uint32Array([Number.parseInt(n, 16)]).buffer).toString('hex')}`)} 91 73 2e`,
    );
    const started = performance.now();
    const { data } = unpickleSession(bytes);
    const text = String(data.x);
    assert.ok(performance.now() - started < 1000);
    assert.ok(text.startsWith('frozenset({((((') && text.length < 100_000, text.slice(0, 80));
  });
});

describe('unpickleSession values', () => {
  test('a "__proto__" key is an own property and never the prototype', () => {
    const { data } = unpickleSession(
      hex(`${PROTO4} 7d 94 28 8c095f5f70726f746f5f5f 94 7d 94 8c0161 94 4b01 73 75 2e`),
    );
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    const inner = Object.getOwnPropertyDescriptor(data, '__proto__')?.value;
    assert.deepEqual(Object.getOwnPropertyDescriptor(data, '__proto__')?.enumerable, true);
    assert.equal(Object.getPrototypeOf(inner), Object.prototype);
    assert.equal(inner.a, 1);
    assert.equal(({} as Record<string, unknown>).a, undefined);
  });

  test('a repeated key keeps its first place and its last value, as a Python dict does', () => {
    const { data } = unpickleSession(
      hex(`${PROTO4} 7d 28 8c0161 4b01 8c0162 4b02 8c0161 4b03 75 2e`),
    );
    assert.deepEqual(Object.entries(data), [
      ['a', 3],
      ['b', 2],
    ]);
  });

  test('a PythonObject cannot be built by the application and cannot be changed', () => {
    assert.throws(
      () => new PythonObject(Symbol('PythonObject'), { kind: 'str', value: 'x' }),
      TypeError,
    );
    const { data } = unpickleSession(DATETIME_SESSION);
    const when = data.py_dt as PythonObject;
    assert.throws(() => {
      (when as unknown as { pythonType: string }).pythonType = 'str';
    }, TypeError);
  });
});

describe('pickleSession with an origin', () => {
  test('untouched keys keep their Python types; changed keys are written from JavaScript', () => {
    const { data, origin } = unpickleSession(TYPED_SESSION);
    assert.deepEqual(data, { f: 1, t: [1, 2], n: { 1: 2, 2: 1 }, b: 2n ** 64n, s: 'x' });
    assert.deepEqual(pickleSession(data, origin), TYPED_SESSION);
    data.s = 'y';
    const written = pickleSession(data, origin);
    assert.ok(written.includes(hex('47 3ff0000000000000')), '1.0 stays a float');
    assert.ok(written.includes(hex('4b01 4b02 86')), '(1, 2) stays a tuple');
    assert.ok(
      written.includes(hex('8c0132 94 4b01 8c0131 94 4b02')),
      "the nested dict's order is kept",
    );
    assert.ok(written.includes(hex('8c0179')));
  });

  test('a value changed in place is written from its new JavaScript value', () => {
    const { data, origin } = unpickleSession(TYPED_SESSION);
    (data.t as number[]).push(3);
    (data.n as Record<string, number>)['3'] = 0;
    data.f = 1.5;
    const fresh = { f: 1.5, t: [1, 2, 3], n: { 1: 2, 2: 1, 3: 0 }, b: 2n ** 64n, s: 'x' };
    const { data: again } = unpickleSession(pickleSession(data, origin));
    assert.deepEqual(again, fresh);
    assert.ok(!pickleSession(data, origin).includes(hex('4b01 4b02 86')));
  });

  test('keys keep the order they were read in, and new keys follow', () => {
    const { data, origin } = unpickleSession(TYPED_SESSION);
    const reordered: Record<string, unknown> = { z: 0, ...data };
    delete reordered.f;
    const { data: again } = unpickleSession(pickleSession(reordered, origin));
    assert.deepEqual(Object.keys(again), ['t', 'n', 'b', 's', 'z']);
  });

  test('a PythonObject moved to another key or nested is written from its description', () => {
    const { data, origin } = unpickleSession(DATETIME_SESSION);
    const moved = { later: [data.py_dt, { amount: data.py_decimal }], py_plain: 'kept' };
    const { data: again } = unpickleSession(pickleSession(moved, origin));
    const [when, holder] = again.later as [PythonObject, { amount: PythonObject }];
    assert.equal(String(when), '2024-02-29T12:34:56.789000+00:00');
    assert.equal(holder.amount.pythonType, 'decimal.Decimal');
  });

  test('an origin that is not one unpickleSession made is ignored', () => {
    assert.deepEqual(pickleSession({ a: 1 }, { entries: new Map() }), pickleSession({ a: 1 }));
  });
});

describe('pickleSession from JavaScript', () => {
  test('numbers: safe integers are ints, the rest floats; BigInts are ints', () => {
    const written = pickleSession({ i: 2 ** 53 - 1, z: -0, big: 1e20, n: 2n ** 70n, small: 5n });
    const { data } = unpickleSession(written);
    assert.equal(data.i, 2 ** 53 - 1);
    assert.ok(Object.is(data.z, -0));
    assert.equal(data.big, 1e20);
    assert.equal(data.n, 2n ** 70n);
    assert.equal(data.small, 5);
    assert.ok(written.includes(hex('8c05736d616c6c 94 4b05')), '5n is written as BININT1');
  });

  test('a "__proto__" own property and null-prototype objects are written as dict keys', () => {
    const nested = Object.create(null) as Record<string, unknown>;
    nested.k = 'v';
    const data = JSON.parse('{"__proto__": {"a": 1}}') as Record<string, unknown>;
    data.nested = nested;
    const { data: again } = unpickleSession(pickleSession(data));
    assert.equal(Object.getOwnPropertyDescriptor(again, '__proto__')?.value.a, 1);
    assert.deepEqual(again.nested, { k: 'v' });
  });

  test('undefined properties are left out and undefined array items become None', () => {
    const { data } = unpickleSession(
      pickleSession({ a: undefined, b: { c: undefined }, d: [undefined] }),
    );
    assert.deepEqual(data, { b: {}, d: [null] });
  });

  for (const [what, value] of [
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a Set', new Set()],
    ['a class instance', new (class Cart {})()],
  ] as const) {
    test(`${what} throws a TypeError naming the key`, () => {
      assert.throws(
        () => pickleSession({ ok: 1, bad: { deep: [value] } }),
        (error: unknown) => {
          return (
            error instanceof TypeError &&
            /session\["bad"\]/.test(error.message) &&
            error.message.startsWith('coatcheck:')
          );
        },
      );
    });
  }

  test('a value that contains itself throws a TypeError naming the key; shared values are fine', () => {
    const loop: unknown[] = [];
    loop.push([loop]);
    assert.throws(() => pickleSession({ loop }), /session\["loop"\].*contains itself/);
    const shared = { n: 1 };
    const { data } = unpickleSession(pickleSession({ a: [shared, shared], b: shared }));
    const [first, second] = data.a as unknown[];
    assert.equal(first, second);
    assert.equal(first, data.b);
  });

  test('nesting deeper than 1000 levels throws a TypeError naming the key', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 1500; i++) deep = [deep];
    assert.throws(() => pickleSession({ deep }), /session\["deep"\].*deeper than 1000/);
  });

  test('a lone surrogate is written as Python writes it (surrogatepass) and reads back', () => {
    const written = pickleSession({ s: 'a\ud800' });
    assert.ok(written.includes(hex('8c04 61 eda080')));
    assert.equal(unpickleSession(written).data.s, 'a\ud800');
  });

  test('an empty session is five bytes, with no frame, as CPython writes it', () => {
    assert.deepEqual(pickleSession({}), hex('8005 7d 94 2e'));
    assert.deepEqual(pickleSession({}, undefined, 4), hex('8004 7d 94 2e'));
  });
});
