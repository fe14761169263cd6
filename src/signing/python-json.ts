/**
 * JSON exactly as Python's `json.dumps(value, separators=(",", ":"))` writes it, which is what
 * Django signs: compact, every non-ASCII character escaped (`ensure_ascii`), floats in
 * Python's `repr` (`1e-05`, `1e+16`), `NaN` and `Infinity` allowed, key order kept. Byte-equal
 * output is what lets Django and coatcheck verify each other's signatures over re-encoded data.
 *
 * @module
 */

// Python's ensure_ascii escapes DEL and everything above it; JSON.stringify leaves them raw.
const NON_ASCII = /[\u007f-\uffff]/g;
const HAS_NON_ASCII = /[\u007f-\uffff]/;

function escapeNonAscii(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function encodeString(text: string): string {
  const json = JSON.stringify(text);
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeNonAscii) : json;
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
      throw unsupported(`a BigInt (${value}n)`, path, '; store it as a string or a number');
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
 * `toJSON` is honoured and `undefined` inside objects and arrays follows `JSON.stringify`.
 * A value JSON cannot carry (a function, a symbol, a BigInt, a Map or Set, a cycle, or
 * `undefined` at the top) throws a `TypeError` naming where it sits.
 */
export function pythonJsonStringify(value: unknown): string {
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

function reviveNaN(this: unknown, _key: string, value: unknown, context?: { source?: string }) {
  return context?.source === NAN_STAND_IN ? Number.NaN : value;
}

/** Parses JSON the way Python's `json.loads` does, so `NaN`, `Infinity` and `-Infinity` load. */
export function pythonJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const swapped = text.replace(PYTHON_CONSTANTS, replaceConstant);
    if (swapped === text) throw error;
    return JSON.parse(swapped, reviveNaN as (key: string, value: unknown) => unknown);
  }
}
