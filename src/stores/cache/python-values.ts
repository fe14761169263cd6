/**
 * Python values as the pickle codec sees them: an inert tree of tagged nodes that keeps what
 * JavaScript cannot (int against float, tuple against list, which strings are one object, the
 * reduce description of a class instance), and {@link PythonObject}, the frozen stand-in the
 * application gets for a Python value that has no JavaScript equivalent.
 *
 * Nothing here runs Python code or looks a name up: a class is its module and name as text.
 *
 * @module
 */

import { pythonFloatRepr } from '../../signing/python-json.ts';

/** A Python value: `None`, a bool, an int (a safe integer as a number, else a BigInt), or a node. */
export type PyValue = null | boolean | number | bigint | PyNode;

/** What every node has. */
export interface PyNodeBase {
  /**
   * Set when the pickle referred to this node again through its memo (`BINGET`): only such
   * nodes need a memo entry when written back, to stay one object in Python.
   */
  shared?: true;
}

/** A `float`. Boxed because JavaScript cannot tell `1.0` from `1`. */
export interface PyFloat extends PyNodeBase {
  kind: 'float';
  value: number;
}

/** A `str`. Boxed so that one Python string object met twice stays one object (memo sharing). */
export interface PyStr extends PyNodeBase {
  kind: 'str';
  value: string;
  /**
   * The UTF-8 bytes, kept only for a string Python wrote with surrogates ('surrogatepass'):
   * a surrogate pair written as two code points reads as one JavaScript character, and must
   * go back as the two Python wrote.
   */
  utf8?: Uint8Array;
}

/** `bytes` or `bytearray`. */
export interface PyBytes extends PyNodeBase {
  kind: 'bytes' | 'bytearray';
  value: Uint8Array;
}

/** A `list`, `tuple`, `set` or `frozenset`, its items in pickle order. */
export interface PySequence extends PyNodeBase {
  kind: 'list' | 'tuple' | 'set' | 'frozenset';
  items: PyValue[];
}

/** A `dict`: keys and values alternate, in insertion order, duplicates as they were written. */
export interface PyDict extends PyNodeBase {
  kind: 'dict';
  items: PyValue[];
}

/** A class or function named by `GLOBAL` / `STACK_GLOBAL`: only its names, never imported. */
export interface PyGlobal extends PyNodeBase {
  kind: 'global';
  module: PyStr;
  name: PyStr;
}

/**
 * An instance the pickle builds by calling something: `REDUCE` (callable and argument tuple),
 * `NEWOBJ` (`cls.__new__(cls, *args)`) or `NEWOBJ_EX` (with keyword arguments), then the
 * items and states that `APPENDS`, `SETITEMS`, `ADDITEMS` and `BUILD` gave it afterwards.
 */
export interface PyInstance extends PyNodeBase {
  kind: 'instance';
  how: 'reduce' | 'newobj' | 'newobj_ex';
  callable: PyValue;
  args: PyValue;
  kwargs: PyValue;
  listItems: PyValue[];
  dictItems: PyValue[];
  states: PyValue[];
}

/** Every boxed Python value. */
export type PyNode = PyFloat | PyStr | PyBytes | PySequence | PyDict | PyGlobal | PyInstance;

// The pure-Python Decimal pickles under its own module name; it is the same type to Python.
const CLASS_ALIASES: Record<string, string> = { '_pydecimal Decimal': 'decimal.Decimal' };

function globalName(node: PyValue): string | undefined {
  if (node === null || typeof node !== 'object' || node.kind !== 'global') return undefined;
  return `${node.module.value} ${node.name.value}`;
}

function dotted(node: PyGlobal): string {
  const name = `${node.module.value} ${node.name.value}`;
  return (
    CLASS_ALIASES[name] ??
    (node.module.value === 'builtins' ? node.name.value : name.replace(' ', '.'))
  );
}

function tupleItems(node: PyValue): PyValue[] | undefined {
  return node !== null && typeof node === 'object' && node.kind === 'tuple'
    ? node.items
    : undefined;
}

/**
 * The Python type of a value as `module.qualname` (`datetime.datetime`), or the bare name for
 * a builtin (`set`, `bytes`); `global` for a class or function itself.
 */
export function pythonTypeOf(node: PyValue): string {
  if (node === null) return 'NoneType';
  if (typeof node === 'boolean') return 'bool';
  if (typeof node === 'number' || typeof node === 'bigint') return 'int';
  switch (node.kind) {
    case 'global':
      return 'global';
    case 'instance': {
      const callable = node.callable;
      if (callable === null || typeof callable !== 'object') return 'object';
      // getattr(cls, '_unpickle')(...): a class's own constructor method (zoneinfo.ZoneInfo).
      if (callable.kind === 'instance' && globalName(callable.callable) === 'builtins getattr') {
        const owner = tupleItems(callable.args)?.[0];
        if (
          owner !== undefined &&
          owner !== null &&
          typeof owner === 'object' &&
          owner.kind === 'global'
        ) {
          return dotted(owner);
        }
      }
      if (callable.kind !== 'global') return 'object';
      if (globalName(callable) === '_codecs encode') return 'bytes';
      // copyreg._reconstructor(cls, base, state) is how protocols 0 and 1 build instances.
      if (globalName(callable) === 'copyreg _reconstructor') {
        const cls = tupleItems(node.args)?.[0];
        if (cls !== undefined && cls !== null && typeof cls === 'object' && cls.kind === 'global') {
          return dotted(cls);
        }
      }
      return dotted(callable);
    }
    default:
      return node.kind;
  }
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

function bytesOf(node: PyValue): Uint8Array | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  if (node.kind === 'bytes') return node.value;
  // Protocols 2 and below write bytes as _codecs.encode('<latin-1 text>', 'latin1').
  if (node.kind === 'instance' && globalName(node.callable) === '_codecs encode') {
    const text = tupleItems(node.args)?.[0];
    if (text !== undefined && text !== null && typeof text === 'object' && text.kind === 'str') {
      return Buffer.from(text.value, 'latin1');
    }
  }
  return undefined;
}

function intOf(node: PyValue): number | undefined {
  return typeof node === 'number' ? node : undefined;
}

function clockText(hour: number, minute: number, second: number, micro: number): string {
  const base = `${pad(hour)}:${pad(minute)}:${pad(second)}`;
  return micro === 0 ? base : `${base}.${pad(micro, 6)}`;
}

// The UTC offset of a fixed datetime.timezone tzinfo, as isoformat() writes it. A named zone
// (zoneinfo.ZoneInfo, pytz) has an offset only Python's tz database can tell; its name is
// shown instead, in the RFC 9557 suffix form: 2024-07-01T12:00:00[Europe/Paris].
function offsetText(tz: PyValue): string {
  if (tz === null || typeof tz !== 'object' || tz.kind !== 'instance') return '';
  if (globalName(tz.callable) !== 'datetime timezone') {
    const zone = tupleItems(tz.args)?.[0];
    const named =
      zone !== undefined && zone !== null && typeof zone === 'object' && zone.kind === 'str';
    return named && /^[A-Za-z][\w+/-]*$/.test(zone.value) ? `[${zone.value}]` : '';
  }
  const delta = tupleItems(tz.args)?.[0];
  if (delta === undefined || delta === null || typeof delta !== 'object') return '';
  if (delta.kind !== 'instance' || globalName(delta.callable) !== 'datetime timedelta') return '';
  const [days = 0, seconds = 0, micro = 0] = (tupleItems(delta.args) ?? []).map(intOf);
  if (days === undefined || seconds === undefined || micro === undefined) return '';
  let total = (days * 86400 + seconds) * 1e6 + micro;
  const sign = total < 0 ? '-' : '+';
  total = Math.abs(total);
  const us = total % 1e6;
  const s = Math.floor(total / 1e6);
  const text = `${sign}${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}`;
  const rest = s % 60 === 0 && us === 0 ? '' : `:${pad(s % 60)}`;
  return `${text}${rest}${us === 0 ? '' : `.${pad(us, 6)}`}`;
}

function timedeltaText(args: PyValue[]): string | undefined {
  const [days, seconds, micro] = args.map(intOf);
  if (days === undefined || seconds === undefined || micro === undefined) return undefined;
  const clock = `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  const tail = micro === 0 ? clock : `${clock}.${pad(micro, 6)}`;
  if (days === 0) return tail;
  return `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${tail}`;
}

/** The text an instance shows the application: what Python's `str()` gives for known types. */
function instanceText(node: PyInstance): string | undefined {
  if (node.how !== 'reduce') return undefined;
  const args = tupleItems(node.args);
  if (args === undefined) return undefined;
  const state = bytesOf(args[0] ?? null);
  if (pythonTypeOf(node) === 'zoneinfo.ZoneInfo') {
    const key = args[0];
    return key !== undefined && key !== null && typeof key === 'object' && key.kind === 'str'
      ? key.value
      : undefined;
  }
  switch (globalName(node.callable)) {
    case 'datetime datetime':
      if (state?.length === 10) {
        const [y1 = 0, y2 = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = state;
        const micro = ((state[7] ?? 0) << 16) | ((state[8] ?? 0) << 8) | (state[9] ?? 0);
        const date = `${pad(y1 * 256 + y2, 4)}-${pad(month & 0x7f)}-${pad(day)}`;
        return `${date}T${clockText(hour, minute, second, micro)}${offsetText(args[1] ?? null)}`;
      }
      return undefined;
    case 'datetime date':
      if (state?.length === 4) {
        const [y1 = 0, y2 = 0, month = 0, day = 0] = state;
        return `${pad(y1 * 256 + y2, 4)}-${pad(month)}-${pad(day)}`;
      }
      return undefined;
    case 'datetime time':
      if (state?.length === 6) {
        const [hour = 0, minute = 0, second = 0] = state;
        const micro = ((state[3] ?? 0) << 16) | ((state[4] ?? 0) << 8) | (state[5] ?? 0);
        return `${clockText(hour & 0x7f, minute, second, micro)}${offsetText(args[1] ?? null)}`;
      }
      return undefined;
    case 'datetime timedelta':
      return timedeltaText(args);
    case 'datetime timezone': {
      const offset = offsetText(node);
      return offset === '' || offset === '+00:00' ? 'UTC' : `UTC${offset}`;
    }
    case 'decimal Decimal':
    case '_pydecimal Decimal': {
      const digits = args[0];
      return digits !== null && typeof digits === 'object' && digits.kind === 'str'
        ? digits.value
        : undefined;
    }
    default:
      return undefined;
  }
}

// Python's repr quotes with ' unless the text holds ' and no ".
function quoteOf(text: string): string {
  return text.includes("'") && !text.includes('"') ? '"' : "'";
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
// What str.isprintable() refuses, near enough: controls, format characters, surrogates,
// unassigned code points and separators other than the space.
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

function hexEscape(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Python's `repr()` of a str. */
function strRepr(text: string): string {
  const quote = quoteOf(text);
  let out = '';
  for (const char of text) {
    if (char === quote) out += `\\${char}`;
    else if (ESCAPES[char] !== undefined) out += ESCAPES[char];
    else if (char !== ' ' && NOT_PRINTABLE.test(char)) out += hexEscape(char.codePointAt(0) ?? 0);
    else out += char;
  }
  return `${quote}${out}${quote}`;
}

/** Python's `repr()` of bytes. */
function bytesRepr(bytes: Uint8Array): string {
  const quote = quoteOf(Buffer.from(bytes).toString('latin1'));
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === quote) out += `\\${char}`;
    else if (ESCAPES[char] !== undefined) out += ESCAPES[char];
    else if (byte >= 0x20 && byte < 0x7f) out += char;
    else out += hexEscape(byte);
  }
  return `b${quote}${out}${quote}`;
}

/**
 * The plain value behind the REDUCE forms protocols 2 and 3 use for types they have no opcode
 * for: `set([...])`, `frozenset([...])`, `bytearray(b'...')`, `bytes()` and the bytes that
 * `_codecs.encode` makes.
 */
function builtinValue(node: PyInstance): PyNode | undefined {
  if (node.how !== 'reduce') return undefined;
  const args = tupleItems(node.args);
  const first = args?.[0];
  const bytes = bytesOf(node);
  if (bytes !== undefined) return { kind: 'bytes', value: bytes };
  switch (globalName(node.callable)) {
    case 'builtins set':
    case 'builtins frozenset': {
      const kind = globalName(node.callable) === 'builtins set' ? 'set' : 'frozenset';
      if (args?.length === 0) return { kind, items: [] };
      const items =
        first !== undefined && first !== null && typeof first === 'object' && first.kind === 'list';
      return items ? { kind, items: first.items } : undefined;
    }
    case 'builtins bytearray': {
      if (args?.length === 0) return { kind: 'bytearray', value: new Uint8Array(0) };
      // Protocol 2 passes the bytes as latin-1 text: bytearray('\xff', 'latin-1').
      const text =
        first !== undefined && first !== null && typeof first === 'object' && first.kind === 'str';
      const value = text ? Buffer.from(first.value, 'latin1') : bytesOf(first ?? null);
      return value === undefined ? undefined : { kind: 'bytearray', value };
    }
    case 'builtins bytes':
      return args?.length === 0 ? { kind: 'bytes', value: new Uint8Array(0) } : undefined;
    default:
      return undefined;
  }
}

/** A short, Python-like `repr` of a value, for messages and for {@link PythonObject.toString}. */
export function pythonRepr(node: PyValue, depth = 0, budget = { nodes: 10_000 }): string {
  // Memo references can make a small pickle a tree with 2^200 paths: stop early, as a text.
  if (depth > 20 || --budget.nodes < 0) return '...';
  if (node === null) return 'None';
  if (typeof node === 'boolean') return node ? 'True' : 'False';
  if (typeof node === 'number' || typeof node === 'bigint') return String(node);
  const inner = (items: PyValue[]) => items.map((item) => pythonRepr(item, depth + 1, budget));
  switch (node.kind) {
    case 'float': {
      const text = pythonFloatRepr(node.value);
      return text === 'NaN' ? 'nan' : text.replace('Infinity', 'inf');
    }
    case 'str':
      return strRepr(node.value);
    case 'bytes':
      return bytesRepr(node.value);
    case 'bytearray':
      return `bytearray(${bytesRepr(node.value)})`;
    case 'list':
      return `[${inner(node.items).join(', ')}]`;
    case 'tuple':
      return node.items.length === 1
        ? `(${pythonRepr(node.items[0] ?? null, depth + 1, budget)},)`
        : `(${inner(node.items).join(', ')})`;
    case 'set':
      return node.items.length === 0 ? 'set()' : `{${inner(node.items).join(', ')}}`;
    case 'frozenset':
      return `frozenset({${inner(node.items).join(', ')}})`;
    case 'dict': {
      const parts: string[] = [];
      for (let i = 0; i + 1 < node.items.length; i += 2) {
        parts.push(
          `${pythonRepr(node.items[i] ?? null, depth + 1, budget)}: ${pythonRepr(node.items[i + 1] ?? null, depth + 1, budget)}`,
        );
      }
      return `{${parts.join(', ')}}`;
    }
    case 'global':
      return dotted(node);
    case 'instance': {
      const builtin = builtinValue(node);
      if (builtin !== undefined) return pythonRepr(builtin, depth, budget);
      const text = instanceText(node);
      const type = pythonTypeOf(node);
      // Decimal('1.5') as Python shows it; other known types in the same shape.
      return text === undefined
        ? `<${type} object>`
        : `${type === 'decimal.Decimal' ? 'Decimal' : type}(${strRepr(text)})`;
    }
  }
}

const CONSTRUCTION = Symbol('PythonObject');
let nodeOfObject: (object: PythonObject) => PyNode;

/**
 * A Python value read from a cache entry that JavaScript has no type for: a `datetime`,
 * `date`, `time`, `timedelta` or `timezone`, a `Decimal`, `bytes`, a `set`, a `dict` with a key
 * that is not a string, or any other class instance. The application can read it, compare its
 * text and store it again (it is written back exactly as it was read), but not build one.
 *
 * @example
 * ```ts
 * const when = session.get('last_login'); // PythonObject { pythonType: 'datetime.datetime' }
 * String(when); // '2024-02-29T12:34:56.789000+00:00'
 * ```
 */
export class PythonObject {
  /** The Python type, e.g. `datetime.datetime`, `decimal.Decimal`, `bytes`, `set`, `myapp.Cart`. */
  readonly pythonType: string;
  #node: PyNode;

  static {
    nodeOfObject = (object) => object.#node;
  }

  /** @internal Only the pickle codec makes these; the token argument keeps others out. */
  constructor(token: symbol, node: PyNode) {
    if (token !== CONSTRUCTION) {
      throw new TypeError('coatcheck: a PythonObject comes only from a cache entry, not from new');
    }
    this.pythonType = pythonTypeOf(node);
    this.#node = node;
    Object.freeze(this);
  }

  /**
   * What Python shows for the value: ISO 8601 text for a `datetime`, `date` or `time`
   * (`isoformat()`; for a named zone such as `zoneinfo.ZoneInfo`, whose offset only Python's tz
   * database knows, the zone name in brackets instead: `2024-07-01T12:00:00[Europe/Paris]`),
   * `str()` for a `Decimal`, `timedelta` or `timezone`, and `repr()` for anything else.
   */
  toString(): string {
    const node = this.#node;
    if (node.kind === 'instance' && builtinValue(node) === undefined) {
      return instanceText(node) ?? pythonRepr(node);
    }
    return pythonRepr(node);
  }

  /** The same text as {@link PythonObject.toString}, so `JSON.stringify` shows it. */
  toJSON(): string {
    return this.toString();
  }
}

/** Wraps a node the application gets as an opaque value. For the codec only. */
export function makePythonObject(node: PyNode): PythonObject {
  return new PythonObject(CONSTRUCTION, node);
}

/** The node a {@link PythonObject} was made from. For the codec only. */
export function pythonObjectNode(object: PythonObject): PyNode {
  return nodeOfObject(object);
}
