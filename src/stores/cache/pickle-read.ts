/**
 * Reads a pickle (protocols 2 to 5, and the protocol 0/1 opcodes they can still contain) into
 * an inert {@link PyValue} tree. It never imports or calls anything: `GLOBAL`, `REDUCE`,
 * `NEWOBJ` and `BUILD` only record what Python would have done. Every length is checked
 * against the bytes left before anything is read or allocated, so truncated or hostile input
 * throws {@link UnpicklingError} and costs at most time and memory linear in its size.
 *
 * Opcode names and layouts: CPython's `Lib/pickletools.py`, PEP 307 (protocol 2), PEP 3154
 * (protocol 4: `FRAME`, `MEMOIZE`, `STACK_GLOBAL`, `SHORT_BINUNICODE`, sets) and PEP 574
 * (protocol 5: `BYTEARRAY8` and the out-of-band buffers, which a cache entry never holds).
 *
 * @module
 */

import { UnpicklingError } from '../../errors.ts';
import type { PyDict, PyInstance, PyNode, PySequence, PyStr, PyValue } from './python-values.ts';

/** How deep containers may nest. CPython's own pickler gives up near 1000 (its recursion limit). */
export const MAX_DEPTH = 1000;

// Integers in text form (INT, LONG, PUT, GET) longer than this are refused, as Python 3.11
// refuses int('...') past 4300 digits: converting them costs time quadratic in their length.
const MAX_INT_DIGITS = 4300;

// Python 3 reads protocol 0-2 pickles written by Python 2 with these module names renamed
// (Lib/_compat_pickle.py, IMPORT_MAPPING); the ones a session could plausibly meet.
// Python 3 itself writes protocol 2 with these names (`_compat_pickle.REVERSE_NAME_MAPPING`).
const PYTHON2_MODULES: Record<string, string> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  exceptions: 'builtins',
};
const PYTHON2_NAMES: Record<string, [string, string]> = {
  '__builtin__ xrange': ['builtins', 'range'],
  '__builtin__ reduce': ['functools', 'reduce'],
  '__builtin__ intern': ['sys', 'intern'],
  '__builtin__ unichr': ['builtins', 'chr'],
  '__builtin__ unicode': ['builtins', 'str'],
  '__builtin__ basestring': ['builtins', 'str'],
  '__builtin__ long': ['builtins', 'int'],
  'itertools izip': ['builtins', 'zip'],
  'itertools imap': ['builtins', 'map'],
  'itertools ifilter': ['builtins', 'filter'],
  'itertools ifilterfalse': ['itertools', 'filterfalse'],
  'itertools izip_longest': ['itertools', 'zip_longest'],
  'UserDict IterableUserDict': ['collections', 'UserDict'],
  'UserDict UserDict': ['collections', 'UserDict'],
  'UserList UserList': ['collections', 'UserList'],
  'UserString UserString': ['collections', 'UserString'],
};

const decoder = new TextDecoder('utf-8', { fatal: true });

function fail(message: string, at: number): never {
  throw new UnpicklingError(
    `coatcheck: cannot read the cached session: ${message} (at byte ${at}); the entry is corrupt or was not written by Django's cache`,
  );
}

/**
 * Decodes UTF-8 as Python's unpickler does (`'utf-8', 'surrogatepass'`): a lone surrogate
 * encoded as three bytes (ED A0 80 to ED BF BF) comes back as that lone surrogate.
 */
function decodeSurrogatePass(bytes: Uint8Array, at: number): string {
  // UTF-16 needs at most one unit per UTF-8 byte.
  const units = new Uint16Array(bytes.length);
  let length = 0;
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] ?? 0;
    let code: number;
    let size: number;
    if (b0 < 0x80) {
      code = b0;
      size = 1;
    } else if (b0 >= 0xc2 && b0 < 0xe0) {
      code = b0 & 0x1f;
      size = 2;
    } else if (b0 >= 0xe0 && b0 < 0xf0) {
      code = b0 & 0x0f;
      size = 3;
    } else if (b0 >= 0xf0 && b0 < 0xf5) {
      code = b0 & 0x07;
      size = 4;
    } else {
      fail('a string is not valid UTF-8', at + i);
    }
    if (i + size > bytes.length) fail('a string is not valid UTF-8', at + i);
    for (let k = 1; k < size; k++) {
      const next = bytes[i + k] ?? 0;
      if ((next & 0xc0) !== 0x80) fail('a string is not valid UTF-8', at + i);
      code = (code << 6) | (next & 0x3f);
    }
    const least = size === 1 ? 0 : size === 2 ? 0x80 : size === 3 ? 0x800 : 0x10000;
    if (code < least || code > 0x10ffff) fail('a string is not valid UTF-8', at + i);
    if (code >= 0x10000) {
      units[length++] = 0xd800 + ((code - 0x10000) >> 10);
      units[length++] = 0xdc00 + ((code - 0x10000) & 0x3ff);
    } else {
      units[length++] = code;
    }
    i += size;
  }
  return Buffer.from(units.buffer, 0, length * 2).toString('utf16le');
}

function isStr(value: PyValue): value is PyStr {
  return value !== null && typeof value === 'object' && value.kind === 'str';
}

/** Turns a signed integer into a number when it is safe, else keeps the BigInt. */
export function normalizeInt(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/** Reads one pickle and returns the value `STOP` left on the stack. */
export function readPickle(input: Uint8Array): PyValue {
  const buf = Buffer.isBuffer(input)
    ? input
    : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const end = buf.length;
  let pos = 0;
  let proto = 0;
  const stack: PyValue[] = [];
  // Python's metastack: the stack length at each MARK. Nothing below the last one can be
  // popped except by the opcode that consumes the mark.
  const marks: number[] = [];
  let fence = 0;
  // Python's memo is a dict, and MEMOIZE takes its size as the next index. An array is faster
  // for the dense indices picklers write; a far index makes it sparse, never large.
  const memo: PyValue[] = [];
  let memoSize = 0;
  const memoPut = (index: number, value: PyValue) => {
    if (memo[index] === undefined) memoSize++;
    memo[index] = value;
  };

  const need = (count: number) => {
    if (count > end - pos) fail('the pickle ends too early', pos);
  };
  const pop = (): PyValue => {
    if (stack.length <= fence) fail('the stack is empty', pos);
    return stack.pop() ?? null;
  };
  const top = (): PyValue => {
    if (stack.length <= fence) fail('the stack is empty', pos);
    return stack[stack.length - 1] ?? null;
  };
  const popMark = (): PyValue[] => {
    const mark = marks.pop();
    if (mark === undefined) fail('a MARK is missing', pos);
    fence = marks[marks.length - 1] ?? 0;
    return stack.splice(mark);
  };
  const readLine = (): string => {
    const newline = buf.indexOf(0x0a, pos);
    if (newline === -1) fail('a text argument has no end of line', pos);
    const line = buf.toString('latin1', pos, newline);
    pos = newline + 1;
    return line;
  };
  const readDecimal = (line: string): bigint => {
    const text = line.endsWith('L') ? line.slice(0, -1) : line;
    if (!/^[+-]?\d+$/.test(text) || text.length > MAX_INT_DIGITS) {
      fail(`${JSON.stringify(text.slice(0, 40))} is not an integer coatcheck reads`, pos);
    }
    return BigInt(text);
  };
  const readSize64 = (): number => {
    need(8);
    const size = buf.readBigUInt64LE(pos);
    pos += 8;
    if (size > BigInt(end - pos)) fail('a length field runs past the end of the pickle', pos);
    return Number(size);
  };
  // A str; one with surrogates written by 'surrogatepass' also keeps its bytes (see PyStr).
  let surrogateBytes: Uint8Array | undefined;
  const readStr = (size: number): PyStr => {
    surrogateBytes = undefined;
    const node: PyStr = { kind: 'str', value: readText(size) };
    if (surrogateBytes !== undefined) node.utf8 = surrogateBytes;
    return node;
  };
  const readText = (size: number): string => {
    need(size);
    const start = pos;
    pos += size;
    let ascii = true;
    for (let i = start; i < pos; i++) {
      if ((buf[i] ?? 0) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return buf.toString('latin1', start, pos);
    const text = buf.toString('utf8', start, pos);
    // No U+FFFD means Node decoded valid UTF-8; otherwise check strictly, then allow the
    // surrogates Python's surrogatepass writes.
    if (!text.includes('\ufffd')) return text;
    const bytes = buf.subarray(start, pos);
    try {
      return decoder.decode(bytes);
    } catch {
      surrogateBytes = new Uint8Array(bytes);
      return decodeSurrogatePass(bytes, start);
    }
  };
  const readBytes = (size: number): Uint8Array => {
    need(size);
    const bytes = new Uint8Array(buf.subarray(pos, pos + size));
    pos += size;
    return bytes;
  };
  const readLong = (size: number): number | bigint => {
    need(size);
    const start = pos;
    pos += size;
    if (size === 0) return 0;
    if (size <= 6) return buf.readIntLE(start, size);
    // Little-endian two's complement: read as unsigned hex, then subtract 2^(8n) if negative.
    const hex = Buffer.from(buf.subarray(start, pos)).reverse().toString('hex');
    let value = BigInt(`0x${hex}`);
    if ((buf[pos - 1] ?? 0) & 0x80) value -= 1n << BigInt(size * 8);
    return normalizeInt(value);
  };
  const memoGet = (index: number): PyValue => {
    const value = memo[index];
    if (value === undefined) fail(`memo entry ${index} does not exist`, pos);
    if (value !== null && typeof value === 'object') value.shared = true;
    return value;
  };
  const container = (op: string, kinds: readonly string[]): PyNode => {
    const target = top();
    if (target === null || typeof target !== 'object' || !kinds.includes(target.kind)) {
      fail(`${op} applies to something that is not a ${kinds.join(' or ')}`, pos);
    }
    return target;
  };
  const appendTo = (op: string, items: PyValue[]) => {
    const target = container(op, ['list', 'instance']) as PySequence | PyInstance;
    const list = target.kind === 'instance' ? target.listItems : target.items;
    for (const item of items) list.push(item);
  };
  const setItemsOf = (op: string, items: PyValue[]) => {
    if (items.length % 2 !== 0) fail(`${op} has an odd number of items`, pos);
    const target = container(op, ['dict', 'instance']) as PyDict | PyInstance;
    const list = target.kind === 'instance' ? target.dictItems : target.items;
    for (const item of items) list.push(item);
  };
  const instance = (how: PyInstance['how'], callable: PyValue, args: PyValue, kwargs: PyValue) =>
    ({
      kind: 'instance',
      how,
      callable,
      args,
      kwargs,
      listItems: [],
      dictItems: [],
      states: [],
    }) satisfies PyInstance;
  const makeGlobal = (module: string, name: string): PyNode => {
    const [newModule, newName] =
      proto >= 3
        ? [module, name]
        : (PYTHON2_NAMES[`${module} ${name}`] ?? [PYTHON2_MODULES[module] ?? module, name]);
    return {
      kind: 'global',
      module: { kind: 'str', value: newModule },
      name: { kind: 'str', value: newName },
    };
  };

  while (pos < end) {
    const at = pos;
    const op = buf[pos++] ?? 0;
    switch (op) {
      case 0x80: // PROTO
        need(1);
        proto = buf[pos++] ?? 0;
        if (proto > 5) fail(`pickle protocol ${proto} is newer than 5`, at);
        break;
      case 0x95: // FRAME: frames only group opcodes for buffered reading; the length is checked.
        readSize64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(stack.length);
        fence = stack.length;
        break;
      case 0x30: // POP: the top item, or the top mark when the items above it are gone
        if (stack.length > fence) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(buf.readInt32LE(pos));
        pos += 4;
        break;
      case 0x4b: // BININT1
        need(1);
        stack.push(buf[pos++] ?? 0);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(buf.readUInt16LE(pos));
        pos += 2;
        break;
      case 0x49: {
        // INT: decimal text; protocol 0 writes True and False as I01 and I00
        const line = readLine();
        if (line === '01' || line === '00') stack.push(line === '01');
        else stack.push(normalizeInt(readDecimal(line)));
        break;
      }
      case 0x4c: // LONG: decimal text with a trailing L
        stack.push(normalizeInt(readDecimal(readLine())));
        break;
      case 0x8a: // LONG1
        need(1);
        stack.push(readLong(buf[pos++] ?? 0));
        break;
      case 0x8b: {
        // LONG4
        need(4);
        const size = buf.readInt32LE(pos);
        pos += 4;
        if (size < 0) fail('LONG4 has a negative length', at);
        stack.push(readLong(size));
        break;
      }
      case 0x47: // BINFLOAT: big-endian IEEE 754 double
        need(8);
        stack.push({ kind: 'float', value: buf.readDoubleBE(pos) });
        pos += 8;
        break;
      case 0x46: {
        // FLOAT: repr text
        const line = readLine().trim();
        const value = /^[+-]?nan$/i.test(line)
          ? Number.NaN
          : Number(line.replace(/inf$/i, 'Infinity'));
        if (Number.isNaN(value) && !/nan$/i.test(line)) fail('FLOAT text is not a number', at);
        stack.push({ kind: 'float', value });
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
        need(1);
        stack.push(readStr(buf[pos++] ?? 0));
        break;
      case 0x58: {
        // BINUNICODE
        need(4);
        const size = buf.readUInt32LE(pos);
        pos += 4;
        stack.push(readStr(size));
        break;
      }
      case 0x8d: // BINUNICODE8
        stack.push(readStr(readSize64()));
        break;
      case 0x43: // SHORT_BINBYTES
        need(1);
        stack.push({ kind: 'bytes', value: readBytes(buf[pos++] ?? 0) });
        break;
      case 0x42: {
        // BINBYTES
        need(4);
        const size = buf.readUInt32LE(pos);
        pos += 4;
        stack.push({ kind: 'bytes', value: readBytes(size) });
        break;
      }
      case 0x8e: // BINBYTES8
        stack.push({ kind: 'bytes', value: readBytes(readSize64()) });
        break;
      case 0x96: // BYTEARRAY8
        stack.push({ kind: 'bytearray', value: readBytes(readSize64()) });
        break;
      case 0x7d: // EMPTY_DICT
        stack.push({ kind: 'dict', items: [] });
        break;
      case 0x5d: // EMPTY_LIST
        stack.push({ kind: 'list', items: [] });
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ kind: 'tuple', items: [] });
        break;
      case 0x8f: // EMPTY_SET
        stack.push({ kind: 'set', items: [] });
        break;
      case 0x74: // TUPLE
        stack.push({ kind: 'tuple', items: popMark() });
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const count = op - 0x84;
        if (stack.length - fence < count) fail('the stack is empty', at);
        stack.push({ kind: 'tuple', items: stack.splice(stack.length - count) });
        break;
      }
      case 0x6c: // LIST
        stack.push({ kind: 'list', items: popMark() });
        break;
      case 0x91: // FROZENSET
        stack.push({ kind: 'frozenset', items: popMark() });
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2 !== 0) fail('DICT has an odd number of items', at);
        stack.push({ kind: 'dict', items });
        break;
      }
      case 0x61: // APPEND
        appendTo('APPEND', [pop()]);
        break;
      case 0x65: // APPENDS
        appendTo('APPENDS', popMark());
        break;
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItemsOf('SETITEM', [key, value]);
        break;
      }
      case 0x75: // SETITEMS
        setItemsOf('SETITEMS', popMark());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const target = container('ADDITEMS', ['set']) as PySequence;
        for (const item of items) target.items.push(item);
        break;
      }
      case 0x94: // MEMOIZE: the memo index is the number of entries so far
        memoPut(memoSize, top());
        break;
      case 0x71: // BINPUT
        need(1);
        memoPut(buf[pos++] ?? 0, top());
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memoPut(buf.readUInt32LE(pos), top());
        pos += 4;
        break;
      case 0x70: // PUT
        memoPut(Number(readDecimal(readLine())), top());
        break;
      case 0x68: // BINGET
        need(1);
        stack.push(memoGet(buf[pos++] ?? 0));
        break;
      case 0x6a: // LONG_BINGET
        need(4);
        stack.push(memoGet(buf.readUInt32LE(pos)));
        pos += 4;
        break;
      case 0x67: // GET
        stack.push(memoGet(Number(readDecimal(readLine()))));
        break;
      case 0x63: {
        // GLOBAL: module and name as text lines
        const module = readLine();
        const name = readLine();
        stack.push(
          makeGlobal(
            Buffer.from(module, 'latin1').toString(),
            Buffer.from(name, 'latin1').toString(),
          ),
        );
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (!isStr(module) || !isStr(name)) fail('STACK_GLOBAL needs two strings', at);
        stack.push({ kind: 'global', module, name });
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args), recorded, not called
        const args = pop();
        const callable = pop();
        stack.push(instance('reduce', callable, args, null));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        stack.push(instance('newobj', cls, args, null));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        stack.push(instance('newobj_ex', cls, args, kwargs));
        break;
      }
      case 0x62: {
        // BUILD: __setstate__(state) or __dict__.update(state), recorded
        const state = pop();
        (container('BUILD', ['instance']) as PyInstance).states.push(state);
        break;
      }
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not one coatcheck reads`, at);
    }
  }
  return fail('the pickle has no STOP', pos);
}
