/**
 * JSON exactly as Python's `json.dumps(value, separators=(",", ":"))` writes it, which is what
 * Django signs: compact, every non-ASCII character escaped (`ensure_ascii`), floats in
 * Python's `repr` (`1e-05`, `1e+16`), `NaN` and `Infinity` allowed, key order kept. Byte-equal
 * output is what lets Django and coatcheck verify each other's signatures over re-encoded data.
 *
 * Python's integers have no size limit: one beyond JavaScript's safe range (±(2^53 - 1)) loads as
 * a `BigInt`, and a `BigInt` is written as a JSON integer, so such numbers survive the round trip.
 * What JavaScript still cannot hold (a whole float such as `1.0`, the order of a dict with
 * numeric keys) is kept as text by {@link pythonJsonParseWithMembers}, for values the application
 * leaves alone.
 *
 * @module
 */

// Python's ensure_ascii escapes DEL and everything above it; JSON.stringify leaves them raw.
const NON_ASCII = /[\u007f-\uffff]/g;
const HAS_NON_ASCII = /[\u007f-\uffff]/;

function escapeNonAscii(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** JSON text with what Python's ensure_ascii escapes escaped as it does. */
function asciiOnly(json: string): string {
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeNonAscii) : json;
}

function encodeString(text: string): string {
  return asciiOnly(JSON.stringify(text));
}

// Past this depth the careful encoder takes over (it also reports cycles).
const FAST_DEPTH = 32;

/**
 * Whether `JSON.stringify(value)` gives Python's text once non-ASCII is escaped: strings,
 * booleans, null, integers JavaScript holds exactly, floats both languages print the same way,
 * in plain arrays and objects. Anything else (a BigInt, -0, NaN, a large or tiny float,
 * `undefined`, `toJSON`, a Map) goes through {@link encodeValue}, which writes or refuses it.
 */
function writesAsPython(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number': {
      const magnitude = Math.abs(value);
      if (Number.isInteger(value))
        return magnitude <= LARGEST_SAFE_INTEGER && !Object.is(value, -0);
      return magnitude >= 1e-4 && magnitude < 1e16;
    }
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= FAST_DEPTH) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) {
    for (const item of value as unknown[]) if (!writesAsPython(item, depth + 1)) return false;
    return true;
  }
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  if ('toJSON' in record) return false;
  for (const key in record) {
    if (!Object.hasOwn(record, key) || !writesAsPython(record[key], depth + 1)) return false;
  }
  return true;
}

/** Python's `float.__repr__`: shortest round-trip digits, exponent below 1e-4 or from 1e16. */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  // In this range JavaScript and Python pick the same digits and the same fixed notation.
  if (magnitude >= 1e-4 && magnitude < 1e16 && !Number.isInteger(value)) return String(value);
  const [mantissa = '', exponentText = '0'] = magnitude.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const sign = value < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${head}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) {
    return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  }
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

const LARGEST_SAFE_INTEGER = 2 ** 53;
const LARGEST_INT64 = 2 ** 64;

function encodeNumber(value: number): string {
  // A whole number in the 64-bit range goes out as a Python int, digit for digit (2 ** 63
  // stays 9223372036854775808, where String() would switch to exponent notation); anything
  // else as a Python float. JavaScript cannot tell 1.0 from 1, so a whole float read from
  // Django comes back as an int of the same value.
  if (Number.isInteger(value) && !Object.is(value, -0) && Math.abs(value) <= LARGEST_INT64) {
    return Math.abs(value) <= LARGEST_SAFE_INTEGER ? String(value) : BigInt(value).toString();
  }
  return pythonFloatRepr(value);
}

function describePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'the value';
  return `the value at ${path.map((part) => `[${JSON.stringify(part)}]`).join('')}`;
}

function unsupported(what: string, path: readonly (string | number)[], hint = ''): TypeError {
  return new TypeError(
    `coatcheck: ${describePath(path)} is ${what}, which JSON cannot carry${hint}`,
  );
}

function encodeBigInt(value: bigint): string {
  return value.toString();
}

function encodeValue(
  value: unknown,
  key: string,
  path: (string | number)[],
  ancestors: object[],
): string | undefined {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      return encodeNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return undefined;
    case 'bigint':
      return encodeBigInt(value);
    case 'function':
      throw unsupported('a function', path);
    case 'symbol':
      throw unsupported('a symbol', path);
  }
  if (value === null) return 'null';
  const object = value as object;
  if ('toJSON' in object && typeof object.toJSON === 'function') {
    return encodeValue(object.toJSON(key), key, path, ancestors);
  }
  if (object instanceof Map || object instanceof Set) {
    const convert = object instanceof Map ? 'Object.fromEntries()' : 'Array.from()';
    throw unsupported(`a ${object.constructor.name}`, path, `; convert it with ${convert}`);
  }
  if (ancestors.includes(object)) throw unsupported('a circular reference', path);
  ancestors.push(object);
  let text: string;
  if (Array.isArray(object)) {
    const parts: string[] = [];
    for (let i = 0; i < object.length; i++) {
      path.push(i);
      parts.push(encodeValue(object[i], String(i), path, ancestors) ?? 'null');
      path.pop();
    }
    text = `[${parts.join(',')}]`;
  } else {
    const parts: string[] = [];
    const record = object as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      path.push(name);
      const encoded = encodeValue(record[name], name, path, ancestors);
      path.pop();
      if (encoded !== undefined) parts.push(`${encodeString(name)}:${encoded}`);
    }
    text = `{${parts.join(',')}}`;
  }
  ancestors.pop();
  return text;
}

/**
 * Serializes a value as Python's `json.dumps(value, separators=(",", ":"))` does. The result
 * is pure ASCII.
 *
 * `toJSON` is honoured and `undefined` inside objects and arrays follows `JSON.stringify`; a
 * `BigInt` is written as an integer, as Python writes its ints. A value JSON cannot carry (a
 * function, a symbol, a Map or Set, a cycle, or `undefined` at the top) throws a `TypeError`
 * naming where it sits.
 */
export function pythonJsonStringify(value: unknown): string {
  // Most session data is what JSON.stringify already writes as Python would: the engine's own
  // serializer is several times faster than building the text here, piece by piece.
  if (writesAsPython(value, 0)) return asciiOnly(JSON.stringify(value));
  const text = encodeValue(value, '', [], []);
  if (text === undefined) throw unsupported('undefined', []);
  return text;
}

// Python writes NaN and ±Infinity bare, which JSON.parse refuses. They are swapped for
// number literals that overflow to Infinity, and the reviver tells NaN apart by its source.
const PYTHON_CONSTANTS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const NAN_STAND_IN = '7e999999';

function replaceConstant(token: string): string {
  if (token.startsWith('"')) return token;
  if (token === 'NaN') return NAN_STAND_IN;
  return token.startsWith('-') ? '-1e999999' : '1e999999';
}

// Sixteen digits in a row: the only way an integer beyond 2^53 (or a float with more digits than
// a double keeps) can be written. Without them, JSON.parse alone reads the text exactly.
const LONG_DIGITS = /\d{16}/;
// Text JavaScript may read into values it would write back differently: long digit runs (an
// int beyond 2^53, a float JavaScript may spell otherwise), a number with an exponent (`1e+16`
// is a float JavaScript writes as an int), a float ending in 0 (`1.0`), the int `-0`, and an
// integer-like object key (JavaScript lists those first, whatever order the text had). Numbers
// are recognised after `:`, `,` or `[`, so hex digits inside strings (a password hash) rarely
// trip it; when something inside a string does, the careful parse only costs a little time.
const MAY_CHANGE =
  /\d{16}|[:,[]\s*(?:-?\d+(?:\.\d+)?[eE]|-?\d+\.\d*0(?!\d)|-0(?![.\deE]))|"(?:0|[1-9]\d{0,9})"\s*:/;
const INTEGER_TEXT = /^-?\d+$/;
// Keys JavaScript orders before all others in an object: canonical array indexes.
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

interface CarefulParse {
  value: unknown;
  /** Whether writing `value` back would change some number's text or some object's key order. */
  altered: boolean;
}

/**
 * JSON.parse with a reviver that sees each number's source text: integers beyond the safe range
 * become BigInts, NaN stand-ins become NaN, and (with `track`) anything JavaScript would write
 * back differently is noted. The reviver only replaces values, which JSON.parse stores as own
 * data properties, so a `"__proto__"` key stays an ordinary key.
 */
function parseCarefully(text: string, track: boolean): CarefulParse {
  let altered = false;
  let swapped = false;
  function revive(this: unknown, _key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number') {
      const source = context?.source;
      if (swapped && source === NAN_STAND_IN) return Number.NaN;
      if (source === undefined || !Number.isFinite(value)) return value;
      if (INTEGER_TEXT.test(source)) {
        if (!Number.isSafeInteger(value)) return BigInt(source);
        if (Object.is(value, -0)) altered = true;
      } else if (track && !altered && encodeNumber(value) !== source) {
        altered = true;
      }
      return value;
    }
    if (track && !altered && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // JavaScript lists integer-like keys first, so checking the first key is enough.
      for (const key in value) {
        if (ARRAY_INDEX.test(key)) altered = true;
        break;
      }
    }
    return value;
  }
  const reviver = revive as (key: string, value: unknown) => unknown;
  try {
    return { value: JSON.parse(text, reviver), altered };
  } catch (error) {
    const replaced = text.replace(PYTHON_CONSTANTS, replaceConstant);
    if (replaced === text) throw error;
    swapped = true;
    altered = false;
    return { value: JSON.parse(replaced, reviver), altered };
  }
}

function reviveNaN(this: unknown, _key: string, value: unknown, context?: { source?: string }) {
  return context?.source === NAN_STAND_IN ? Number.NaN : value;
}

function parseQuickly(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const swapped = text.replace(PYTHON_CONSTANTS, replaceConstant);
    if (swapped === text) throw error;
    return JSON.parse(swapped, reviveNaN as (key: string, value: unknown) => unknown);
  }
}

/**
 * Parses JSON the way Python's `json.loads` does, so `NaN`, `Infinity` and `-Infinity` load, and
 * an integer beyond ±(2^53 - 1) loads as a `BigInt`, digit for digit.
 */
export function pythonJsonParse(text: string): unknown {
  return LONG_DIGITS.test(text) ? parseCarefully(text, false).value : parseQuickly(text);
}

/**
 * The exact text of each member of a top-level JSON object, by key, in the order written (a key
 * written twice keeps its first place and its last text, as `json.loads` and `JSON.parse` do).
 */
export type MemberTexts = ReadonlyMap<string, string>;

/** What {@link pythonJsonParseWithMembers} read. */
export interface ParsedWithMembers {
  value: unknown;
  /**
   * The text of each top-level member, when `value` is an object that
   * {@link pythonJsonStringify} would not write back as it was read; otherwise `undefined`.
   */
  members: MemberTexts | undefined;
}

/**
 * {@link pythonJsonParse}, and the text of each top-level member when JavaScript could not write
 * the value back as it was read: a whole float (`1.0`, `1e+16`), the int `-0`, a float spelt
 * otherwise than Python's `repr`, or an object whose keys look like integers (JavaScript moves
 * them first). Hand the members to {@link pythonJsonStringifyWithMembers} to write the members
 * the application left alone exactly as they were. Text with none of these (almost every
 * session) costs one regular-expression test beyond `JSON.parse`, and gives no members.
 */
export function pythonJsonParseWithMembers(text: string): ParsedWithMembers {
  if (!MAY_CHANGE.test(text)) return { value: parseQuickly(text), members: undefined };
  const { value, altered } = parseCarefully(text, true);
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  return { value, members: altered && isObject ? memberTexts(text) : undefined };
}

const SPACE = /[ \t\n\r]/;

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && SPACE.test(text[i] ?? '')) i++;
  return i;
}

// The index just past the string that opens at `from`.
function stringEnd(text: string, from: number): number {
  for (let i = from + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) i++;
    else if (code === 0x22) return i + 1;
  }
  return text.length;
}

// The index just past the value that starts at `from`, inside an object.
function valueEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      i = stringEnd(text, i) - 1;
      if (depth === 0) return i + 1;
    } else if (char === '{' || char === '[') {
      depth++;
    } else if (char === '}' || char === ']') {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && char === ',') {
      return i;
    }
  }
  return text.length;
}

// Splits a top-level object into its members' texts. Runs only on text JSON.parse accepted.
function memberTexts(text: string): Map<string, string> {
  const members = new Map<string, string>();
  let i = skipSpace(text, skipSpace(text, 0) + 1);
  while (text[i] === '"') {
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const start = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const end = valueEnd(text, start);
    // Another writer may have left non-ASCII in strings; escaped, it is the same value.
    const member = text.slice(start, end).trimEnd();
    members.set(
      key,
      HAS_NON_ASCII.test(member) ? member.replace(NON_ASCII, escapeNonAscii) : member,
    );
    i = skipSpace(text, end);
    if (text[i] !== ',') break;
    i = skipSpace(text, i + 1);
  }
  return members;
}

// Whether `current` (the application's value) is still what `original` (parsed from the stored
// text) was: same types, same numbers (NaN and -0 included), same keys in the same order.
function sameValue(current: unknown, original: unknown): boolean {
  if (Object.is(current, original)) return true;
  if (typeof current !== 'object' || typeof original !== 'object') return false;
  if (current === null || original === null) return false;
  if (Array.isArray(current) || Array.isArray(original)) {
    if (!Array.isArray(current) || !Array.isArray(original)) return false;
    if (current.length !== original.length) return false;
    for (let i = 0; i < current.length; i++) {
      if (!sameValue(current[i], original[i])) return false;
    }
    return true;
  }
  const keys = Object.keys(current);
  const originalKeys = Object.keys(original);
  if (keys.length !== originalKeys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key !== originalKeys[i]) return false;
    const value = (current as Record<string, unknown>)[key];
    if (!sameValue(value, (original as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/**
 * Writes a top-level object as {@link pythonJsonStringify} does, except that each member whose
 * value still equals what `members` (from {@link pythonJsonParseWithMembers}) holds for its key
 * is written as that text, in its original place. Members the application changed are written
 * fresh, and new ones follow in the object's order, as Python appends new keys to a dict.
 */
export function pythonJsonStringifyWithMembers(
  value: Record<string, unknown>,
  members: MemberTexts,
): string {
  const parts: string[] = [];
  const write = (key: string, text: string | undefined) => {
    if (text !== undefined) parts.push(`${encodeString(key)}:${text}`);
  };
  const fresh = (key: string) => encodeValue(value[key], key, [key], []);
  for (const [key, text] of members) {
    if (!Object.hasOwn(value, key)) continue;
    write(key, sameValue(value[key], pythonJsonParse(text)) ? text : fresh(key));
  }
  for (const key of Object.keys(value)) {
    if (!members.has(key)) write(key, fresh(key));
  }
  return `{${parts.join(',')}}`;
}
