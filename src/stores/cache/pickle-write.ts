/**
 * Writes pickle protocol 4 or 5 the way CPython's `pickle.dumps` does, so a plain session comes
 * out byte for byte as Django's cache would write it: `PROTO`, one `FRAME` (PEP 3154) around
 * everything but payloads of 64 KiB or more, `MEMOIZE` after every str, bytes, list, dict,
 * tuple and instance, `SETITEMS`/`APPENDS` in batches of 1000, and the shortest integer opcode.
 *
 * Two kinds of input share one memo: JavaScript values the application set, and the
 * {@link PyValue} nodes read from the cache (written back exactly as they were read).
 *
 * @module
 */

import { MAX_DEPTH } from './pickle-read.ts';
import {
  type PyBytes,
  type PyInstance,
  type PyNode,
  PythonObject,
  type PyValue,
  pythonObjectNode,
} from './python-values.ts';

// PEP 3154: frames aim at 64 KiB; a payload that size or larger is written outside any frame,
// and a frame shorter than 4 bytes is written without its header.
const FRAME_SIZE_TARGET = 64 * 1024;
const FRAME_SIZE_MIN = 4;
const FRAME_HEADER_SIZE = 9;
// CPython's Pickler._BATCHSIZE.
const BATCH_SIZE = 1000;

const MARK = 0x28;
const STOP = 0x2e;
const NONE = 0x4e;
const NEWTRUE = 0x88;
const NEWFALSE = 0x89;
const BININT = 0x4a;
const BININT1 = 0x4b;
const BININT2 = 0x4d;
const LONG1 = 0x8a;
const LONG4 = 0x8b;
const BINFLOAT = 0x47;
const SHORT_BINUNICODE = 0x8c;
const BINUNICODE = 0x58;
const BINUNICODE8 = 0x8d;
const SHORT_BINBYTES = 0x43;
const BINBYTES = 0x42;
const BINBYTES8 = 0x8e;
const BYTEARRAY8 = 0x96;
const EMPTY_DICT = 0x7d;
const EMPTY_LIST = 0x5d;
const EMPTY_TUPLE = 0x29;
const EMPTY_SET = 0x8f;
const TUPLE = 0x74;
const TUPLE1 = 0x85;
const FROZENSET = 0x91;
const APPEND = 0x61;
const APPENDS = 0x65;
const SETITEM = 0x73;
const SETITEMS = 0x75;
const ADDITEMS = 0x90;
const MEMOIZE = 0x94;
const BINGET = 0x68;
const LONG_BINGET = 0x6a;
const STACK_GLOBAL = 0x93;
const REDUCE = 0x52;
const NEWOBJ = 0x81;
const NEWOBJ_EX = 0x92;
const BUILD = 0x62;
const FRAME = 0x95;
const PROTO = 0x80;

type WellFormed = { isWellFormed(): boolean };

/** UTF-8 as Python's `'surrogatepass'` writes it: a lone surrogate becomes its three bytes. */
function encodeSurrogatePass(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) {
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    } else {
      bytes.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      );
    }
  }
  return Buffer.from(bytes);
}

/** Python's `encode_long`: little-endian two's complement in the fewest bytes. */
function encodeLong(value: bigint): Buffer {
  const magnitude = value < 0n ? -value : value;
  const size = (magnitude.toString(2).length >> 3) + 1;
  const unsigned = value < 0n ? (1n << BigInt(size * 8)) + value : value;
  const bytes = Buffer.from(unsigned.toString(16).padStart(size * 2, '0'), 'hex').reverse();
  // A negative number whose top byte is only sign extension drops it, as Python does.
  if (value < 0n && size > 1 && bytes[size - 1] === 0xff && ((bytes[size - 2] ?? 0) & 0x80) !== 0) {
    return bytes.subarray(0, size - 1);
  }
  return bytes;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value instanceof Date) return 'a Date (store its ISO text or its timestamp instead)';
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : 'an object with a prototype';
}

/** One top-level entry of a session: written from the JS value, or from the read Python value. */
export interface SessionEntry {
  key: string;
  /** The key as read, to keep its memo identity; `undefined` for a key the application added. */
  keyNode: PyValue | undefined;
  /** The value as read, when the application left it unchanged. */
  node: PyValue | undefined;
  value: unknown;
}

/** Writes one pickle into a growing buffer. Single use: construct, save, then `finish`. */
export class PickleWriter {
  #buf: Buffer;
  #pos = 0;
  #frameStart = -1;
  #framing = false;
  #memo = new Map<object, number>();
  #memoCount = 0;
  #singletons = new Map<string, number>();
  // The JavaScript arrays and objects being written, to find one inside itself.
  #open = new Set<object>();
  #key = '';

  /** @param scratch where to write; it grows into a new buffer when the pickle outgrows it. */
  constructor(protocol: 4 | 5, scratch: Buffer = Buffer.allocUnsafe(512)) {
    this.#buf = scratch;
    this.#buf[0] = PROTO;
    this.#buf[1] = protocol;
    this.#pos = 2;
    this.#framing = true;
  }

  /** Writes the session dict: `EMPTY_DICT`, then its entries in batches. */
  saveSession(entries: readonly SessionEntry[]): void {
    this.#boundary();
    this.#op(EMPTY_DICT);
    this.#memoize(undefined);
    this.#batch(entries.length, SETITEMS, SETITEM, true, (i) => {
      const entry = entries[i] as SessionEntry;
      this.#key = entry.key;
      if (entry.keyNode === undefined) this.#saveJs(entry.key, 1);
      else this.#savePy(entry.keyNode, 1);
      if (entry.node === undefined) this.#saveJs(entry.value, 1);
      else this.#savePy(entry.node, 1);
    });
  }

  /** Writes `STOP`, closes the frame and returns a copy of the pickle. */
  finish(): Buffer {
    this.#op(STOP);
    this.#commitFrame();
    return Buffer.from(this.#buf.subarray(0, this.#pos));
  }

  #reserve(count: number): void {
    const opening = this.#framing && this.#frameStart === -1;
    const needed = this.#pos + count + (opening ? FRAME_HEADER_SIZE : 0);
    if (needed > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buf.length * 2));
      this.#buf.copy(grown, 0, 0, this.#pos);
      this.#buf = grown;
    }
    if (opening) {
      this.#frameStart = this.#pos;
      this.#pos += FRAME_HEADER_SIZE;
    }
  }

  #op(code: number): void {
    this.#reserve(1);
    this.#buf[this.#pos++] = code;
  }

  #commitFrame(): void {
    if (this.#frameStart === -1) return;
    const start = this.#frameStart;
    const length = this.#pos - start - FRAME_HEADER_SIZE;
    if (length >= FRAME_SIZE_MIN) {
      this.#buf[start] = FRAME;
      // Frames stay below 2^32 bytes: the 8-byte length is two 32-bit halves.
      this.#buf.writeUInt32LE(length, start + 1);
      this.#buf.writeUInt32LE(0, start + 5);
    } else {
      this.#buf.copyWithin(start, start + FRAME_HEADER_SIZE, this.#pos);
      this.#pos -= FRAME_HEADER_SIZE;
    }
    this.#frameStart = -1;
  }

  // CPython's pickler ends a frame that has reached its target size before saving each object.
  #boundary(): void {
    if (
      this.#frameStart !== -1 &&
      this.#pos - this.#frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET
    ) {
      this.#commitFrame();
    }
  }

  #memoize(identity: object | undefined): void {
    this.#op(MEMOIZE);
    if (identity !== undefined) this.#memo.set(identity, this.#memoCount);
    this.#memoCount++;
  }

  // A node read from a pickle takes a memo entry like any object, but only one the pickle
  // referred to again can be met twice, so only those are looked up later.
  #memoizeNode(node: PyNode): void {
    this.#memoize(node.shared ? node : undefined);
  }

  // Writes BINGET for an object already in the memo and reports whether it did.
  #fromMemo(identity: object): boolean {
    const index = this.#memo.get(identity);
    if (index === undefined) return false;
    this.#get(index);
    return true;
  }

  #get(index: number): void {
    if (index < 256) {
      this.#reserve(2);
      this.#buf[this.#pos++] = BINGET;
      this.#buf[this.#pos++] = index;
    } else {
      this.#reserve(5);
      this.#buf[this.#pos] = LONG_BINGET;
      this.#buf.writeUInt32LE(index, this.#pos + 1);
      this.#pos += 5;
    }
  }

  // Opcode, length field, then the payload; from 64 KiB on outside any frame, as CPython does.
  #payload(code: number, lengthBytes: 1 | 4 | 8, data: Uint8Array): void {
    const large = data.length >= FRAME_SIZE_TARGET;
    if (large) {
      this.#commitFrame();
      this.#framing = false;
    }
    this.#reserve(1 + lengthBytes + data.length);
    const buf = this.#buf;
    buf[this.#pos] = code;
    if (lengthBytes === 1) buf[this.#pos + 1] = data.length;
    else if (lengthBytes === 4) buf.writeUInt32LE(data.length, this.#pos + 1);
    else buf.writeBigUInt64LE(BigInt(data.length), this.#pos + 1);
    this.#pos += 1 + lengthBytes;
    buf.set(data, this.#pos);
    this.#pos += data.length;
    this.#framing = true;
  }

  // `shareSingletons` for strings from JavaScript: CPython keeps one object for '' and for each
  // one-character Latin-1 string it decodes (as pickle.loads does), so a Python session holds
  // them as one object and pickles a repeat as a memo reference. Strings read from a pickle
  // keep the identity they were read with instead.
  #str(text: string, shareSingletons: boolean): void {
    const singleton =
      shareSingletons && (text.length === 0 || (text.length === 1 && text.charCodeAt(0) < 256));
    if (singleton) {
      const index = this.#singletons.get(text);
      if (index !== undefined) {
        this.#get(index);
        return;
      }
      this.#singletons.set(text, this.#memoCount);
    }
    const length = text.length;
    if (length < 256) {
      // Session strings are mostly short ASCII: copy the code units, no encoder call.
      this.#reserve(2 + length);
      const buf = this.#buf;
      const start = this.#pos + 2;
      let i = 0;
      for (; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) break;
        buf[start + i] = code;
      }
      if (i === length) {
        buf[this.#pos] = SHORT_BINUNICODE;
        buf[this.#pos + 1] = length;
        this.#pos = start + length;
        this.#memoize(undefined);
        return;
      }
    }
    const wellFormed = (text as unknown as WellFormed).isWellFormed();
    // Up to 85 UTF-16 units are at most 255 UTF-8 bytes: write in place, then fill the length.
    if (wellFormed && text.length <= 85) {
      this.#reserve(2 + text.length * 3);
      const written = this.#buf.write(text, this.#pos + 2, 'utf8');
      this.#buf[this.#pos] = SHORT_BINUNICODE;
      this.#buf[this.#pos + 1] = written;
      this.#pos += 2 + written;
    } else {
      this.#utf8(wellFormed ? Buffer.from(text, 'utf8') : encodeSurrogatePass(text));
    }
    this.#memoize(undefined);
  }

  #utf8(bytes: Uint8Array): void {
    if (bytes.length < 256) this.#payload(SHORT_BINUNICODE, 1, bytes);
    else if (bytes.length <= 0xffffffff) this.#payload(BINUNICODE, 4, bytes);
    else this.#payload(BINUNICODE8, 8, bytes);
  }

  #int(value: number | bigint): void {
    const fits =
      typeof value === 'number'
        ? value >= -0x80000000 && value <= 0x7fffffff
        : value >= -0x80000000n && value <= 0x7fffffffn;
    if (fits) {
      const small = Number(value);
      if (small >= 0 && small <= 0xff) {
        this.#reserve(2);
        this.#buf[this.#pos++] = BININT1;
        this.#buf[this.#pos++] = small;
      } else if (small >= 0 && small <= 0xffff) {
        this.#reserve(3);
        this.#buf[this.#pos] = BININT2;
        this.#buf.writeUInt16LE(small, this.#pos + 1);
        this.#pos += 3;
      } else {
        this.#reserve(5);
        this.#buf[this.#pos] = BININT;
        this.#buf.writeInt32LE(small, this.#pos + 1);
        this.#pos += 5;
      }
      return;
    }
    const bytes = encodeLong(BigInt(value));
    if (bytes.length < 256) this.#payload(LONG1, 1, bytes);
    else this.#payload(LONG4, 4, bytes);
  }

  #float(value: number): void {
    this.#reserve(9);
    this.#buf[this.#pos] = BINFLOAT;
    this.#buf.writeDoubleBE(value, this.#pos + 1);
    this.#pos += 9;
  }

  // CPython's batching. A list or dict (`exact`): one item gets the single-item opcode, more
  // go as MARK ... op per 1000 (batch_list_exact). Items that came from an iterator, as a
  // REDUCE's list and dict items do: a lone item in any batch gets the single-item opcode
  // (batch_list). Sets always use MARK ... ADDITEMS, which has no single form.
  #batch(
    count: number,
    many: number,
    one: number | undefined,
    exact: boolean,
    saveItem: (i: number) => void,
  ) {
    if (exact && count === 1 && one !== undefined) {
      saveItem(0);
      this.#op(one);
      return;
    }
    for (let start = 0; start < count; ) {
      const size = Math.min(BATCH_SIZE, count - start);
      if (size > 1 || one === undefined || exact) {
        this.#op(MARK);
        for (let i = start; i < start + size; i++) saveItem(i);
        this.#op(many);
      } else {
        saveItem(start);
        this.#op(one);
      }
      start += size;
    }
  }

  #tooDeep(): never {
    throw new TypeError(
      `coatcheck: cannot pickle session[${JSON.stringify(this.#key)}]: it nests deeper than ${MAX_DEPTH} levels`,
    );
  }

  #saveJs(value: unknown, depth: number): void {
    this.#boundary();
    switch (typeof value) {
      case 'string':
        this.#str(value, true);
        return;
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) this.#int(value);
        else this.#float(value);
        return;
      case 'bigint':
        this.#int(value);
        return;
      case 'boolean':
        this.#op(value ? NEWTRUE : NEWFALSE);
        return;
      case 'undefined':
        this.#op(NONE);
        return;
      case 'object':
        break;
      default:
        throw new TypeError(
          `coatcheck: cannot pickle session[${JSON.stringify(this.#key)}]: it holds ${describe(value)}`,
        );
    }
    if (value === null) {
      this.#op(NONE);
      return;
    }
    if (value instanceof PythonObject) {
      this.#savePy(pythonObjectNode(value), depth);
      return;
    }
    // A value inside itself would pickle (as a memo reference) but never read back: refuse it.
    if (this.#open.has(value)) {
      throw new TypeError(
        `coatcheck: cannot pickle session[${JSON.stringify(this.#key)}]: it contains itself`,
      );
    }
    if (this.#fromMemo(value)) return;
    if (depth > MAX_DEPTH) this.#tooDeep();
    if (Array.isArray(value)) {
      this.#op(EMPTY_LIST);
      this.#memoize(value);
      this.#open.add(value);
      this.#batch(value.length, APPENDS, APPEND, true, (i) => this.#saveJs(value[i], depth + 1));
      this.#open.delete(value);
      return;
    }
    if (!isPlainObject(value)) {
      throw new TypeError(
        `coatcheck: cannot pickle session[${JSON.stringify(this.#key)}]: it holds ${describe(value)}`,
      );
    }
    const record = value as Record<string, unknown>;
    // Like JSON, a property set to undefined is left out.
    const keys = Object.keys(record).filter((name) => record[name] !== undefined);
    this.#op(EMPTY_DICT);
    this.#memoize(value);
    this.#open.add(value);
    this.#batch(keys.length, SETITEMS, SETITEM, true, (i) => {
      const name = keys[i] as string;
      this.#boundary();
      this.#str(name, true);
      this.#saveJs(record[name], depth + 1);
    });
    this.#open.delete(value);
  }

  #savePy(node: PyValue, depth: number): void {
    this.#boundary();
    if (node === null) {
      this.#op(NONE);
      return;
    }
    switch (typeof node) {
      case 'boolean':
        this.#op(node ? NEWTRUE : NEWFALSE);
        return;
      case 'number':
      case 'bigint':
        this.#int(node);
        return;
    }
    if (node.kind === 'float') {
      this.#float(node.value);
      return;
    }
    if (node.shared && this.#fromMemo(node)) return;
    if (depth > MAX_DEPTH) this.#tooDeep();
    const items = (list: readonly PyValue[]) => (i: number) =>
      this.#savePy(list[i] ?? null, depth + 1);
    switch (node.kind) {
      case 'str': {
        const before = this.#memoCount;
        if (node.utf8 !== undefined) {
          this.#utf8(node.utf8);
          this.#memoize(undefined);
        } else {
          this.#str(node.value, false);
        }
        if (node.shared && this.#memoCount > before) this.#memo.set(node, before);
        return;
      }
      case 'bytes': {
        const length = node.value.length;
        if (length < 256) this.#payload(SHORT_BINBYTES, 1, node.value);
        else if (length <= 0xffffffff) this.#payload(BINBYTES, 4, node.value);
        else this.#payload(BINBYTES8, 8, node.value);
        this.#memoizeNode(node);
        return;
      }
      case 'bytearray':
        this.#bytearray(node, depth);
        return;
      case 'list':
        this.#op(EMPTY_LIST);
        this.#memoizeNode(node);
        this.#batch(node.items.length, APPENDS, APPEND, true, items(node.items));
        return;
      case 'dict':
        this.#op(EMPTY_DICT);
        this.#memoizeNode(node);
        this.#batch(node.items.length / 2, SETITEMS, SETITEM, true, (i) => {
          this.#savePy(node.items[2 * i] ?? null, depth + 1);
          this.#savePy(node.items[2 * i + 1] ?? null, depth + 1);
        });
        return;
      case 'tuple': {
        const count = node.items.length;
        if (count === 0) {
          this.#op(EMPTY_TUPLE);
          return;
        }
        if (count > 3) this.#op(MARK);
        for (let i = 0; i < count; i++) this.#savePy(node.items[i] ?? null, depth + 1);
        this.#op(count > 3 ? TUPLE : TUPLE1 + count - 1);
        this.#memoizeNode(node);
        return;
      }
      case 'set':
        this.#op(EMPTY_SET);
        this.#memoizeNode(node);
        this.#batch(node.items.length, ADDITEMS, undefined, false, items(node.items));
        return;
      case 'frozenset':
        this.#op(MARK);
        for (let i = 0; i < node.items.length; i++) this.#savePy(node.items[i] ?? null, depth + 1);
        this.#op(FROZENSET);
        this.#memoizeNode(node);
        return;
      case 'global':
        this.#savePy(node.module, depth + 1);
        this.#savePy(node.name, depth + 1);
        this.#op(STACK_GLOBAL);
        this.#memoizeNode(node);
        return;
      case 'instance':
        this.#instance(node, depth);
        return;
    }
  }

  #instance(node: PyInstance, depth: number): void {
    this.#savePy(node.callable, depth + 1);
    this.#savePy(node.args, depth + 1);
    if (node.how === 'newobj_ex') this.#savePy(node.kwargs, depth + 1);
    this.#op(node.how === 'reduce' ? REDUCE : node.how === 'newobj' ? NEWOBJ : NEWOBJ_EX);
    this.#memoizeNode(node);
    const save = (list: readonly PyValue[]) => (i: number) =>
      this.#savePy(list[i] ?? null, depth + 1);
    this.#batch(node.listItems.length, APPENDS, APPEND, false, save(node.listItems));
    this.#batch(node.dictItems.length / 2, SETITEMS, SETITEM, false, (i) => {
      this.#savePy(node.dictItems[2 * i] ?? null, depth + 1);
      this.#savePy(node.dictItems[2 * i + 1] ?? null, depth + 1);
    });
    for (const state of node.states) {
      this.#savePy(state, depth + 1);
      this.#op(BUILD);
    }
  }

  #protocol(): number {
    return this.#buf[1] ?? 5;
  }

  // Protocol 5 has BYTEARRAY8; protocol 4 writes bytearray(b'...') as a REDUCE, as CPython does.
  #bytearray(node: PyBytes, depth: number): void {
    if (this.#protocol() >= 5) {
      this.#payload(BYTEARRAY8, 8, node.value);
      this.#memoizeNode(node);
      return;
    }
    const reduced: PyInstance = {
      kind: 'instance',
      how: 'reduce',
      callable: this.#global('builtins', 'bytearray'),
      args: { kind: 'tuple', items: [{ kind: 'bytes', value: node.value }] },
      kwargs: null,
      listItems: [],
      dictItems: [],
      states: [],
    };
    this.#instance(reduced, depth);
    // Later references to the same bytearray find the REDUCE result.
    if (node.shared) this.#memo.set(node, this.#memoCount - 1);
  }

  #globals = new Map<string, PyNode>();

  #global(module: string, name: string): PyNode {
    const id = `${module} ${name}`;
    let node = this.#globals.get(id);
    if (node === undefined) {
      node = {
        kind: 'global',
        module: { kind: 'str', value: module },
        name: { kind: 'str', value: name },
        shared: true,
      };
      this.#globals.set(id, node);
    }
    return node;
  }
}
