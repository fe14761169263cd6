import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BadSignature } from '../../src/errors.ts';
import { dumps, loads } from '../../src/signing/dumps.ts';
import { atTime } from '../helpers/clock.ts';
import { jsCannotRoundTrip, parseWithBigInts } from '../helpers/python-numbers.ts';
import { OTHER_SECRET_KEY, SECRET_KEY, vectors } from '../helpers/vectors.ts';

const seconds = (maxAge: number | { $timedelta_seconds: number }) =>
  typeof maxAge === 'number' ? maxAge : maxAge.$timedelta_seconds;

describe('dumps', () => {
  test('produces Django’s exact token for every uncompressed recorded case', () => {
    let compared = 0;
    for (const c of vectors.dumps.cases) {
      if (c.is_compressed || jsCannotRoundTrip(c.serialized_json)) continue;
      const value = JSON.parse(c.serialized_json);
      const token = atTime(c.time, () =>
        dumps(value, { key: c.key, salt: c.salt, compress: c.compress }),
      );
      assert.equal(token, c.output, c.serialized_json);
      compared++;
    }
    assert.ok(compared > 100, `only ${compared} cases compared`);
  });

  // Node's zlib may pick other deflate bytes than CPython's: compare what inflates, not bytes.
  test('compresses when Django does, into a token that loads to the same value', () => {
    for (const c of vectors.dumps.cases.filter(
      (v: { is_compressed: boolean }) => v.is_compressed,
    )) {
      const value = JSON.parse(c.serialized_json);
      const token = dumps(value, { key: c.key, salt: c.salt, compress: true });
      assert.ok(token.startsWith('.'), c.serialized_json.slice(0, 40));
      assert.deepEqual(loads(token, { key: c.key, salt: c.salt }), value);
    }
  });
});

describe('loads', () => {
  test('loads every token Django made, compressed or not', () => {
    for (const c of vectors.dumps.cases) {
      assert.deepEqual(
        loads(c.output, { key: c.key, salt: c.salt }),
        parseWithBigInts(c.serialized_json),
      );
    }
  });

  test('fails exactly where Django fails, with the same error', () => {
    for (const c of vectors.loads_failures) {
      const { key = SECRET_KEY, salt, max_age } = c.kwargs;
      const options = { key, salt, maxAge: max_age === undefined ? undefined : seconds(max_age) };
      const run = () => atTime(c.now, () => loads(c.input, options));
      if ('ok' in c.result) {
        assert.deepEqual(run(), c.result.ok, c.name);
      } else if (c.result.error === 'JSONDecodeError') {
        // A payload signed with the right key but not JSON: Django lets the parser's error
        // through, and so does coatcheck (a SyntaxError, not a BadSignature).
        assert.throws(run, SyntaxError, c.name);
      } else {
        const message = c.result.message.replace(/(\d+)\.0 seconds$/, '$1 seconds');
        assert.throws(run, { name: c.result.error, message }, c.name);
      }
    }
  });

  test('accepts a token signed with another key only through fallbackKeys', () => {
    const mismatch = vectors.secret_key_mismatch;
    assert.throws(() => loads(mismatch.dumps_other_key, { key: SECRET_KEY }), {
      name: 'BadSignature',
      message: mismatch.loads_with_interop_key.message,
    });
    const value = loads(mismatch.dumps_other_key, {
      key: SECRET_KEY,
      fallbackKeys: [OTHER_SECRET_KEY],
    });
    assert.deepEqual(value, mismatch.with_fallback_loads.ok);
  });

  // Django's test_dumps_loads and test_decode_detects_tampering
  test('round-trips values and rejects each kind of tampering', () => {
    for (const value of [['a', 'list'], 'a string ’', { a: 'dictionary' }]) {
      for (const compress of [false, true]) {
        assert.deepEqual(loads(dumps(value, { key: 'k', compress }), { key: 'k' }), value);
      }
    }
    const token = dumps({ foo: 'bar', baz: 1 }, { key: 'k' });
    const tampered = [
      token.toUpperCase(),
      `${token}a`,
      `a${token.slice(1)}`,
      token.replaceAll(':', ''),
    ];
    for (const bad of tampered) assert.throws(() => loads(bad, { key: 'k' }), BadSignature, bad);
  });

  test("uses the salt 'django.core.signing' by default and keeps salts apart", () => {
    const token = dumps('v', { key: 'k' });
    assert.equal(loads(token, { key: 'k', salt: 'django.core.signing' }), 'v');
    assert.throws(
      () => loads(dumps('v', { key: 'k', salt: 'a' }), { key: 'k', salt: 'b' }),
      BadSignature,
    );
  });

  test('loads NaN and Infinity that Python wrote', () => {
    const c = vectors.dumps.cases.find((v: { serialized_json: string }) =>
      v.serialized_json.includes('NaN'),
    );
    if (c === undefined) {
      const token = dumps([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], {
        key: 'k',
      });
      assert.deepEqual(loads(token, { key: 'k' }), [
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ]);
    } else {
      assert.ok(Number.isNaN((loads(c.output, { key: c.key, salt: c.salt }) as number[])[0]));
    }
  });
});

describe('the signer cache behind dumps and loads', () => {
  test('keeps salts, keys and fallback lists apart', () => {
    const token = dumps('v', { key: 'k1', salt: 's1' });
    assert.equal(loads(token, { key: 'k1', salt: 's1' }), 'v');
    assert.throws(() => loads(token, { key: 'k2', salt: 's1' }), BadSignature);
    assert.throws(() => loads(token, { key: 'k1', salt: 's2' }), BadSignature);
    assert.equal(loads(token, { key: 'k2', salt: 's1', fallbackKeys: ['k1'] }), 'v');
    assert.throws(
      () => loads(token, { key: 'k2', salt: 's1', fallbackKeys: ['k3'] }),
      BadSignature,
    );
    // The same bytes as a string and as a Buffer sign alike.
    assert.equal(loads(token, { key: Buffer.from('k1'), salt: 's1' }), 'v');
  });

  test('refuses keys that are not strings or bytes, with or without fallbacks', () => {
    assert.throws(() => loads('x:y:z', { key: 42 as never }), TypeError);
    assert.throws(() => loads('x:y:z', { key: 'k', fallbackKeys: [42 as never] }), TypeError);
  });
});
