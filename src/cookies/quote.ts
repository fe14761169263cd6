/**
 * Python's `http.cookies` quoting, which Django's cookies go through: which names are legal,
 * how a value is quoted for `Set-Cookie`, and how a quoted value is read back.
 *
 * @module
 */

// Python's http.cookies `_LegalChars`: the RFC 2616 token characters plus `:`. They form names,
// and a value made only of them is sent without quotes.
const LEGAL_CHARS =
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:";
// Python's `_UnescapedChars`: inside quotes these are also written as they are.
const UNESCAPED_EXTRA = ' ()/<=>?@[]{}';

const LEGAL = new Uint8Array(128);
const UNESCAPED = new Uint8Array(256);
for (const char of LEGAL_CHARS) {
  LEGAL[char.charCodeAt(0)] = 1;
  UNESCAPED[char.charCodeAt(0)] = 1;
}
for (const char of UNESCAPED_EXTRA) UNESCAPED[char.charCodeAt(0)] = 1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NEWLINE = 0x0a;

/**
 * Whether `text` is one or more of Python's legal cookie characters: Django's rule for a
 * cookie name (`http.cookies._is_legal_key`), and the test for sending a value unquoted.
 */
export function isLegalCookieName(text: string): boolean {
  const length = text.length;
  if (length === 0) return false;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f || LEGAL[code] === 0) return false;
  }
  return true;
}

/**
 * Quotes a cookie value exactly as Python's `http.cookies._quote` does for Django's `Morsel`.
 *
 * A value of legal characters is returned as is. Anything else, the empty string included, is
 * wrapped in double quotes with `"` as `\"`, `\` as `\\`, and every other character up to U+00FF
 * outside the unescaped set as a three-digit octal escape (`,` is `\054`, `é` is `\351`).
 * Characters above U+00FF stay raw, as Python leaves them.
 */
export function quoteCookieValue(value: string): string {
  if (isLegalCookieName(value)) return value;
  let quoted = '"';
  let runStart = 0;
  const length = value.length;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff || UNESCAPED[code] === 1) continue;
    quoted += value.slice(runStart, i);
    runStart = i + 1;
    if (code === QUOTE) quoted += '\\"';
    else if (code === BACKSLASH) quoted += '\\\\';
    else quoted += `\\${code.toString(8).padStart(3, '0')}`;
  }
  return `${quoted}${value.slice(runStart)}"`;
}

/**
 * Reads a cookie value back as Python's `http.cookies._unquote` does: a value of at least two
 * characters that starts and ends with `"` loses the quotes, then `\ooo` (octal 000 to 377)
 * and `\X` escapes are decoded. Any other value is returned unchanged.
 */
export function unquoteCookieValue(value: string): string {
  const last = value.length - 1;
  if (last < 1 || value.charCodeAt(0) !== QUOTE || value.charCodeAt(last) !== QUOTE) return value;
  const backslash = value.indexOf('\\', 1);
  if (backslash === -1 || backslash >= last) return value.slice(1, last);
  return decodeEscapes(value, 1, last, backslash);
}

/**
 * Decodes the escapes of `_unquote` in `text.slice(from, to)`, given the position of its first
 * backslash; working in place lets the parser skip slicing the value out of the header first.
 */
export function decodeEscapes(text: string, from: number, to: number, backslash: number): string {
  let result = '';
  let runStart = from;
  let at = backslash;
  while (at !== -1 && at < to) {
    const high = text.charCodeAt(at + 1) - ZERO;
    const middle = text.charCodeAt(at + 2) - ZERO;
    const low = text.charCodeAt(at + 3) - ZERO;
    if (
      at + 3 < to &&
      high >= 0 &&
      high <= 3 &&
      middle >= 0 &&
      middle <= 7 &&
      low >= 0 &&
      low <= 7
    ) {
      result += text.slice(runStart, at) + String.fromCharCode((high << 6) | (middle << 3) | low);
      runStart = at + 4;
      at = text.indexOf('\\', runStart);
    } else if (at + 1 < to && text.charCodeAt(at + 1) !== NEWLINE) {
      // Python's `\\(.)` has no DOTALL: any one character but a newline loses its backslash
      // and is kept as it is, even a backslash. For a surrogate pair, keeping the first half
      // here and the second in the next run gives the same string.
      result += text.slice(runStart, at);
      runStart = at + 1;
      at = text.indexOf('\\', at + 2);
    } else {
      // A backslash at the end, or before a newline, stays.
      at = text.indexOf('\\', at + 1);
    }
  }
  return result + text.slice(runStart, to);
}
