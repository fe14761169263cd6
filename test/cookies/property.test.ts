import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseCookies } from '../../src/cookies/parse.ts';
import { serializeCookie } from '../../src/cookies/serialize.ts';
import { signCookieValue, unsignCookieValue } from '../../src/cookies/signed.ts';
import { BadSignature } from '../../src/errors.ts';

/** Any UTF-16 code unit, lone surrogates included: any string JavaScript can hold. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyString = fc.string({ unit: codeUnit });
/** Strings dense in what the cookie grammar and Python's quoting care about. */
const cookieish = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      ';',
      '=',
      '"',
      '\\',
      ' ',
      '\t',
      '\n',
      '\r',
      ',',
      '0',
      '1',
      '3',
      '4',
      '7',
      'a',
      'b',
    ),
    fc.constantFrom('\x1c', '\x85', '\xa0', '\ufeff', '\u2028', '\u3000', 'é', '😀', '\ud800'),
    codeUnit,
  ),
  maxLength: 40,
});
/** Headers of quoted values full of escapes, backslashes before newlines and stray quotes. */
const quotedHeaders = fc
  .array(
    fc.tuple(
      fc.string({ unit: fc.constantFrom('a', 'b', ' '), maxLength: 3 }),
      fc.string({
        unit: fc.constantFrom('\\', '"', '0', '3', '4', '7', '\n', '\r', ' ', 'x', '😀', '\ud800'),
        maxLength: 12,
      }),
    ),
    { maxLength: 4 },
  )
  .map((cookies) => cookies.map(([name, inner]) => `${name}="${inner}"`).join('; '));

const LEGAL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:";
const RESERVED = [
  'expires',
  'path',
  'comment',
  'domain',
  'max-age',
  'secure',
  'httponly',
  'version',
  'samesite',
  'partitioned',
  'priority',
];
const legalNames = fc
  .string({ unit: fc.constantFrom(...LEGAL), minLength: 1, maxLength: 20 })
  .filter((name) => !RESERVED.includes(name.toLowerCase()) && !/^__(secure|host)-/i.test(name));

// Django's parse_cookie and http.cookies._unquote, transcribed as directly as JavaScript allows,
// to check the hand-optimized parser against.
const PYTHON_SPACE =
  '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const LEADING = new RegExp(`^${PYTHON_SPACE}+`);
const TRAILING = new RegExp(`${PYTHON_SPACE}+$`);
const strip = (text: string) => text.replace(LEADING, '').replace(TRAILING, '');
function unquote(text: string): string {
  if (text.length < 2 || text[0] !== '"' || text[text.length - 1] !== '"') return text;
  return text
    .slice(1, -1)
    .replace(/\\(?:([0-3][0-7][0-7])|([^\n]))/g, (_, octal: string | undefined, char: string) =>
      octal === undefined ? char : String.fromCharCode(Number.parseInt(octal, 8)),
    );
}
function parseCookieModel(header: string): Record<string, string> {
  const cookies = new Map<string, string>();
  for (const chunk of header.split(';')) {
    const at = chunk.indexOf('=');
    const name = strip(at === -1 ? '' : chunk.slice(0, at));
    const value = strip(at === -1 ? chunk : chunk.slice(at + 1));
    if (name || value) cookies.set(name, unquote(value));
  }
  return Object.fromEntries(cookies);
}

describe('cookie properties', () => {
  test('parseCookies never throws and gives only own string values', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, cookieish, fc.string({ unit: 'binary' })), (header) => {
        const cookies = parseCookies(header);
        for (const name of Object.keys(cookies)) assert.equal(typeof cookies[name], 'string');
        assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(cookies)), null);
      }),
      { numRuns: 2000 },
    );
  });

  test('parseCookies agrees with a direct transcription of Django’s parse_cookie', () => {
    fc.assert(
      fc.property(fc.oneof(cookieish, anyString, quotedHeaders), (header) => {
        assert.deepEqual({ ...parseCookies(header) }, parseCookieModel(header));
      }),
      { numRuns: 3000 },
    );
  });

  test('serializeCookie writes a name=value pair that parses back to the same name and value', () => {
    fc.assert(
      fc.property(legalNames, fc.oneof(anyString, cookieish), (name, value) => {
        const line = serializeCookie(name, value);
        const pair = line.slice(0, line.indexOf(';'));
        assert.deepEqual(Object.entries(parseCookies(pair)), [[name, value]]);
        assert.equal(line.slice(pair.length), '; Path=/');
      }),
      { numRuns: 1000 },
    );
  });

  test('serializeCookie never writes a control character (C0 or C1), whatever the value', () => {
    fc.assert(
      fc.property(legalNames, anyString, (name, value) => {
        assert.doesNotMatch(serializeCookie(name, value), /\p{Cc}/u);
      }),
    );
  });

  test('signed values round-trip for any name, value, salt, key and scheme', () => {
    const keys = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1 }),
      fc.uint8Array({ minLength: 1 }),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        keys,
        fc.constantFrom('v2' as const, 'legacy' as const),
        (name, value, salt, key, scheme) => {
          const signed = signCookieValue(name, value, { key, salt, scheme });
          const legacyFallback = scheme === 'legacy';
          assert.equal(unsignCookieValue(name, signed, { key, salt, legacyFallback }), value);
        },
      ),
    );
  });

  test('every single-character change of a signed value is rejected', () => {
    const key = 'property-key';
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.nat(),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.boolean(),
        (value, at, replacement, legacyFallback) => {
          // Whole code points, so a change never leaves half a surrogate pair behind.
          const chars = [...signCookieValue('c', value, { key, salt: 's' })];
          const index = at % chars.length;
          fc.pre(chars[index] !== replacement);
          chars[index] = replacement;
          assert.throws(
            () => unsignCookieValue('c', chars.join(''), { key, salt: 's', legacyFallback }),
            BadSignature,
          );
        },
      ),
    );
  });

  test('v2 keeps apart name and salt pairs that concatenate the same; legacy does not', () => {
    const key = 'property-key';
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.nat(),
        fc.nat(),
        fc.string(),
        (text, i, j, value) => {
          const first = i % (text.length + 1);
          const second = j % (text.length + 1);
          fc.pre(first !== second);
          const [nameA, saltA] = [text.slice(0, first), text.slice(first)];
          const [nameB, saltB] = [text.slice(0, second), text.slice(second)];
          const v2 = signCookieValue(nameA, value, { key, salt: saltA });
          assert.throws(
            () => unsignCookieValue(nameB, v2, { key, salt: saltB, legacyFallback: true }),
            BadSignature,
          );
          const legacy = signCookieValue(nameA, value, { key, salt: saltA, scheme: 'legacy' });
          assert.equal(
            unsignCookieValue(nameB, legacy, { key, salt: saltB, legacyFallback: true }),
            value,
          );
        },
      ),
    );
  });
});
