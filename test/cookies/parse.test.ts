import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCookies } from '../../src/cookies/parse.ts';
import { serializeCookie } from '../../src/cookies/serialize.ts';
import { vectors } from '../helpers/vectors.ts';

/** The record as `[name, value]` pairs in key order: what Django's dict items() would give. */
const pairs = (header: string | undefined | null) => Object.entries(parseCookies(header));
/** The record as a plain object, for deepEqual (which compares prototypes). */
const plain = (header: string) => ({ ...parseCookies(header) });

describe('parseCookies', () => {
  test('gives Django’s names, values and order for every recorded header', () => {
    const cases = vectors.parse_cookie.cases;
    assert.equal(cases.length, 56);
    for (const c of cases) {
      assert.deepEqual(pairs(c.header), c.pairs, JSON.stringify(c.header));
      assert.deepEqual(plain(c.header), c.dict, JSON.stringify(c.header));
    }
  });

  test('reads the raw header bytes as Django’s WSGI handler does once decoded as UTF-8', () => {
    // Node.js hands header bytes over as latin-1 text; Django decodes them as UTF-8, with
    // invalid bytes as U+FFFD. Buffer's UTF-8 decoder replaces them the same way.
    for (const c of vectors.wsgi_cookies.cases) {
      const nodeHeader = Buffer.from(c.raw_header_hex, 'hex').toString('latin1');
      const header = Buffer.from(nodeHeader, 'latin1').toString('utf8');
      assert.deepEqual(pairs(header), Object.entries(c.COOKIES), c.raw_header_hex);
    }
  });

  // Django's requests_tests test_httprequest and test_wsgirequest: no header, no cookies.
  test('returns an empty record when there is no header', () => {
    assert.deepEqual(pairs(undefined), []);
    assert.deepEqual(pairs(null), []);
    assert.deepEqual(pairs(''), []);
    // Django's recording: a request without a Cookie header has no cookies.
    assert.deepEqual(vectors.wsgi_cookies.no_cookie_header, {});
  });

  test('never throws, even for a value that is not a string', () => {
    for (const header of [42, {}, [], Symbol('s'), true] as unknown as string[]) {
      assert.deepEqual(pairs(header), []);
    }
  });

  // Django's CookieTests.test_python_cookies
  test('splits on every semicolon, quotes or not', () => {
    assert.deepEqual(plain('chips=ahoy; vienna=finger'), { chips: 'ahoy', vienna: 'finger' });
    assert.deepEqual(plain('keebler="E=mc2; L=\\"Loves\\"; fudge=\\012;"'), {
      keebler: '"E=mc2',
      L: '\\"Loves\\"',
      fudge: '\\012',
      '': '"',
    });
    assert.deepEqual(plain('keebler=E=mc2'), { keebler: 'E=mc2' });
    assert.deepEqual(plain('key:term=value:term'), { 'key:term': 'value:term' });
    assert.deepEqual(plain('a=b; c=[; d=r; f=h'), { a: 'b', c: '[', d: 'r', f: 'h' });
  });

  // Django's CookieTests.test_cookie_edgecases
  test('treats attribute names as cookies and lets the last duplicate win', () => {
    assert.deepEqual(plain('a=b; Domain=example.com'), { a: 'b', Domain: 'example.com' });
    assert.deepEqual(pairs('a=b; h=i; a=c'), [
      ['a', 'c'],
      ['h', 'i'],
    ]);
  });

  // Django's CookieTests.test_invalid_cookies
  test('keeps going past cookies that no standard allows', () => {
    assert.equal(parseCookies('abc=def; unnamed; django_language=en').django_language, 'en');
    assert.deepEqual(plain('a=b; "; c=d'), { a: 'b', '': '"', c: 'd' });
    assert.deepEqual(plain('a b c=d e = f; gh=i'), { 'a b c': 'd e = f', gh: 'i' });
    assert.deepEqual(plain('a   b,c<>@:/[]?{}=d  "  =e,f g'), {
      'a   b,c<>@:/[]?{}': 'd  "  =e,f g',
    });
    assert.deepEqual(plain('saint=André Bessette'), { saint: 'André Bessette' });
    assert.deepEqual(plain('  =  b  ;  ;  =  ;   c  =  ;  '), { '': 'b', c: '' });
  });

  // Django's CookieTests.test_nonstandard_keys and test_repeated_nonstandard_keys
  test('keeps cookies that follow a name Python would call illegal', () => {
    assert.equal(parseCookies('good_cookie=yes;bad:cookie=yes').good_cookie, 'yes');
    assert.equal(parseCookies('a:=b; a:=c; good_cookie=yes').good_cookie, 'yes');
  });

  // Django's CookieTests.test_decode
  test('reads back the value Django’s encoding wrote', () => {
    const line = serializeCookie('test', 'An,awkward;value');
    const pair = line.slice(0, line.indexOf('; Path=/'));
    assert.equal(parseCookies(pair).test, 'An,awkward;value');
  });

  test('strips Python’s whitespace, not JavaScript’s', () => {
    assert.deepEqual(plain('\x1ca\x1d=\x1eb\x1f'), { a: 'b' });
    assert.deepEqual(plain('\x85a=b\x85'), { a: 'b' });
    assert.deepEqual(plain('a=\u2028b\u3000; c=\u00a0d\u205f'), { a: 'b', c: 'd' });
    // U+FEFF is JavaScript whitespace but not Python's, so it stays.
    assert.deepEqual(plain('\ufeffa=b\ufeff'), { '\ufeffa': 'b\ufeff' });
    // U+200B (zero width space) is whitespace to neither.
    assert.deepEqual(plain('a=\u200bb'), { a: '\u200bb' });
  });

  test('unquotes only a value wrapped in double quotes, decoding its escapes', () => {
    assert.deepEqual(plain('a="\\101\\102\\103"'), { a: 'ABC' });
    assert.deepEqual(plain('a="\\377\\000"'), { a: '\u00ff\u0000' });
    // \400 is past octal 377: only the backslash goes, as for any other \X.
    assert.deepEqual(plain('a="\\400"'), { a: '400' });
    assert.deepEqual(plain('a="\\01"'), { a: '01' });
    assert.deepEqual(plain('a="\\\\012"'), { a: '\\012' });
    assert.deepEqual(plain('a="\\😀"'), { a: '😀' });
    // Python's `\\(.)` does not match a newline, and a backslash before the closing quote stays.
    assert.deepEqual(plain('a="x\\\ny"'), { a: 'x\\\ny' });
    assert.deepEqual(plain('a="x\\\ry"'), { a: 'x\ry' });
    assert.deepEqual(plain('a="x\\"'), { a: 'x\\' });
    assert.deepEqual(plain('a="\\"'), { a: '\\' });
    assert.deepEqual(plain('a=x\\"y\\"'), { a: 'x\\"y\\"' });
    assert.deepEqual(plain('a=%41'), { a: '%41' });
  });

  test('stores any name as a plain key, never touching the prototype', () => {
    const cookies = parseCookies('__proto__=x; constructor=y; toString=z; hasOwnProperty=w');
    assert.deepEqual(Object.entries(cookies), [
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['toString', 'z'],
      ['hasOwnProperty', 'w'],
    ]);
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(cookies)), null);
    assert.equal(parseCookies('a=b').toString, undefined);
    assert.equal('constructor' in parseCookies('a=b'), false);
    assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype is untouched');
    assert.equal(JSON.stringify(parseCookies('__proto__=x')), '{"__proto__":"x"}');
  });

  // A JavaScript object lists integer-like keys first, in numeric order; a Python dict keeps
  // insertion order. Values are the same; only the order of those names can differ.
  test('lists integer-like names first, as every JavaScript object does', () => {
    assert.deepEqual(pairs('b=1; 2=x; 1=y'), [
      ['1', 'y'],
      ['2', 'x'],
      ['b', '1'],
    ]);
  });

  test('parses a long header of bare chunks', () => {
    const header = `${'a;'.repeat(50_000)}b=c`;
    assert.deepEqual(plain(header), { '': 'a', b: 'c' });
  });
});
