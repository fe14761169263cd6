/**
 * Django's `parse_cookie`: a `Cookie` request header as a record of names to values.
 *
 * @module
 */

import { decodeEscapes } from './quote.ts';

const QUOTE = 0x22;

// A constructor whose instances inherit from a prototype-less object: no `__proto__` setter,
// no `toString`, no `constructor`, so a cookie called `__proto__` is a plain own key. V8 keeps
// these objects in fast mode, which `Object.create(null)` objects are not (the `cookie`
// package uses the same trick).
const CookieRecord = function CookieRecord() {} as unknown as new () => Record<string, string>;
CookieRecord.prototype = Object.create(null);

/**
 * Whether a UTF-16 code unit is whitespace to Python's `str.strip()` (`str.isspace`). Unlike
 * JavaScript's `trim()`, that includes U+001C to U+001F and U+0085, and excludes U+FEFF.
 * Every such character is in the BMP, so testing code units is the same as code points.
 */
function isPythonSpace(code: number): boolean {
  if (code <= 0x20) return code >= 0x1c || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/**
 * Parses a `Cookie` request header exactly as Django's `parse_cookie` does, and never throws.
 *
 * - Every `;` ends a cookie, even inside quotes; commas separate nothing.
 * - The name is what comes before the first `=`; a chunk without `=` has the name `''`
 *   (as Mozilla does).
 * - Names and values are stripped of Python's whitespace; a chunk is skipped only when both
 *   are empty.
 * - A value in double quotes is unquoted with its `\ooo` and `\X` escapes decoded
 *   (Python's `http.cookies._unquote`); nothing is percent-decoded.
 * - A repeated name takes the last value but keeps its first position. Names are
 *   case-sensitive.
 *
 * The result inherits nothing, so a cookie named `__proto__` or `constructor` is just a key.
 * One difference from Django's dict cannot be avoided: JavaScript lists integer-like keys
 * (`"1"`, `"42"`) first, in numeric order, whatever their order in the header.
 *
 * A header that reached Node.js as latin-1 text holds the raw bytes; Django decodes them as
 * UTF-8 (invalid bytes become U+FFFD) before parsing, which
 * `Buffer.from(header, 'latin1').toString('utf8')` reproduces.
 *
 * @example
 * parseCookies('sessionid=abc; theme="dark mode"; a=1; a=2');
 * // { sessionid: 'abc', theme: 'dark mode', a: '2' }
 */
export function parseCookies(header: string | undefined | null): Record<string, string> {
  const cookies = new CookieRecord();
  if (typeof header !== 'string') return cookies;
  const length = header.length;
  // The next `=` at or after the current chunk, remembered across chunks so a header of many
  // `=`-less chunks is scanned once, not once per chunk.
  let equals = header.indexOf('=');
  // The same for `\`, found only once a quoted value needs it (-2: not looked for yet).
  let backslash = -2;
  let start = 0;
  while (start <= length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    if (equals !== -1 && equals < start) equals = header.indexOf('=', start);
    let name = '';
    let valueStart = start;
    if (equals !== -1 && equals < end) {
      let nameStart = start;
      let nameEnd = equals;
      while (nameStart < nameEnd && isPythonSpace(header.charCodeAt(nameStart))) nameStart++;
      while (nameEnd > nameStart && isPythonSpace(header.charCodeAt(nameEnd - 1))) nameEnd--;
      name = header.slice(nameStart, nameEnd);
      valueStart = equals + 1;
    }
    let valueEnd = end;
    while (valueStart < valueEnd && isPythonSpace(header.charCodeAt(valueStart))) valueStart++;
    while (valueEnd > valueStart && isPythonSpace(header.charCodeAt(valueEnd - 1))) valueEnd--;
    // Python's str.strip() on both parts; a chunk is skipped only when both are empty.
    if (name !== '' || valueEnd > valueStart) {
      const last = valueEnd - 1;
      if (
        last - valueStart < 1 ||
        header.charCodeAt(valueStart) !== QUOTE ||
        header.charCodeAt(last) !== QUOTE
      ) {
        cookies[name] = header.slice(valueStart, valueEnd);
      } else {
        // http.cookies._unquote: the quotes go, then the escapes are decoded.
        if (backslash !== -1 && backslash < valueStart) {
          backslash = header.indexOf('\\', valueStart);
        }
        cookies[name] =
          backslash === -1 || backslash >= last
            ? header.slice(valueStart + 1, last)
            : decodeEscapes(header, valueStart + 1, last, backslash);
      }
    }
    start = end + 1;
  }
  return cookies;
}
