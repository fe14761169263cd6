/**
 * The session dict as Django's cache engines store it: a Python pickle (`pickle.dumps` of the
 * dict; protocol 4 from django-redis, 5 from pymemcache and Django 4+'s `RedisCache`). Why
 * coatcheck reads and writes pickle itself: docs/decisions/0005-pickle-codec.md.
 *
 * What the application sees for each Python value:
 *
 * | Python                       | JavaScript                                             |
 * | ---------------------------- | ------------------------------------------------------ |
 * | `dict` with only `str` keys  | plain object (a `"__proto__"` key is an own property)  |
 * | `list`, `tuple`              | array                                                  |
 * | `str`                        | string                                                 |
 * | `int`                        | number within ±(2^53 - 1), else BigInt                 |
 * | `float`                      | number                                                 |
 * | `bool`, `None`               | boolean, `null`                                        |
 * | anything else                | a frozen {@link PythonObject}                          |
 *
 * "Anything else" is `datetime`, `date`, `time`, `timedelta`, `timezone`, `Decimal`, `bytes`,
 * `bytearray`, `set`, `frozenset`, a dict with a key that is not a str, and any class instance.
 *
 * Reading never runs Python code: a class instance is only the description of how Python
 * would build it. The `origin` returned with the data keeps the exact Python value of every
 * top-level key, so {@link pickleSession} writes a key the application left alone back as it
 * was read (`1.0` stays a float, a tuple a tuple, a datetime a datetime), and a
 * {@link PythonObject} anywhere is always written back from its description.
 *
 * Writing maps JavaScript the other way: object to `dict` (insertion order), array to `list`,
 * string to `str`, a safe integer to `int`, any other number (and `-0`, `NaN`, `±Infinity`) to
 * `float`, BigInt to `int`, boolean, `null` to `None`. Anything else throws a `TypeError` naming
 * the session key.
 *
 * @module
 */

import { UnpicklingError } from '../../errors.ts';
import type { SessionData } from '../../session/data.ts';
import { MAX_DEPTH, readPickle } from './pickle-read.ts';
import { PickleWriter, type SessionEntry } from './pickle-write.ts';
import {
  makePythonObject,
  type PyDict,
  type PyNode,
  PythonObject,
  type PyValue,
  pythonObjectNode,
} from './python-values.ts';

export { UnpicklingError } from '../../errors.ts';
export { PythonObject } from './python-values.ts';

interface OriginEntry {
  keyNode: PyValue;
  node: PyValue;
}

/** What {@link unpickleSession} read, per top-level key, in the dict's order. */
class PickleOrigin {
  readonly entries: Map<string, OriginEntry>;
  constructor(entries: Map<string, OriginEntry>) {
    this.entries = entries;
  }
}

const SCRATCH = Buffer.alloc(16 * 1024);
let scratchInUse = false;

function invalid(message: string): never {
  throw new UnpicklingError(`coatcheck: cannot read the cached session: ${message}`);
}

function children(node: PyNode): readonly PyValue[] {
  switch (node.kind) {
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
    case 'dict':
      return node.items;
    case 'instance':
      return [
        node.callable,
        node.args,
        node.kwargs,
        ...node.listItems,
        ...node.dictItems,
        ...node.states,
      ];
    default:
      return [];
  }
}

// Refuses a value that contains itself (a list appended to itself, say) or nests deeper than
// MAX_DEPTH, so that converting, comparing and writing it back never loop or overflow.
function checkTree(node: PyValue, depth: number, active: Set<PyNode>, done: Set<PyNode>): void {
  if (node === null || typeof node !== 'object' || node.kind === 'str' || done.has(node)) return;
  if (active.has(node)) invalid('it holds a value that contains itself');
  if (depth > MAX_DEPTH) invalid(`it nests deeper than ${MAX_DEPTH} levels`);
  const inner = children(node);
  if (inner.length === 0) return;
  active.add(node);
  for (const child of inner) checkTree(child, depth + 1, active, done);
  active.delete(node);
  done.add(node);
}

function isStrKeyed(node: PyDict): boolean {
  for (let i = 0; i < node.items.length; i += 2) {
    const key = node.items[i];
    if (key === null || typeof key !== 'object' || key.kind !== 'str') return false;
  }
  return true;
}

// Sets a property without ever touching the prototype: `obj["__proto__"] = v` would.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

// Converts a checked (acyclic, bounded) tree; a node met twice gives the same JS value twice.
function toJs(node: PyValue, seen: Map<PyNode, unknown>): unknown {
  if (node === null || typeof node !== 'object') return node;
  switch (node.kind) {
    case 'float':
    case 'str':
      return node.value;
  }
  const known = seen.get(node);
  if (known !== undefined) return known;
  let value: unknown;
  if (node.kind === 'list' || node.kind === 'tuple') {
    value = node.items.map((item) => toJs(item, seen));
  } else if (node.kind === 'dict' && isStrKeyed(node)) {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < node.items.length; i += 2) {
      define(
        record,
        (node.items[i] as { value: string }).value,
        toJs(node.items[i + 1] ?? null, seen),
      );
    }
    value = record;
  } else {
    value = makePythonObject(node);
  }
  seen.set(node, value);
  return value;
}

/**
 * Whether `value` is still what {@link toJs} made of `node`. Pairs already found equal are
 * remembered, so a tree that shares subtrees costs its size, not the number of its paths.
 */
function matches(value: unknown, node: PyValue, equal: Map<PyNode, Set<unknown>>): boolean {
  if (node === null || typeof node !== 'object') return Object.is(value, node);
  switch (node.kind) {
    case 'float':
      return typeof value === 'number' && Object.is(value, node.value);
    case 'str':
      return value === node.value;
  }
  if (equal.get(node)?.has(value)) return true;
  let same: boolean;
  if (node.kind === 'list' || node.kind === 'tuple') {
    same =
      Array.isArray(value) &&
      value.length === node.items.length &&
      node.items.every((item, i) => matches(value[i], item, equal));
  } else if (node.kind === 'dict' && isStrKeyed(node)) {
    same =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !(value instanceof PythonObject);
    if (same) {
      const record = value as Record<string, unknown>;
      const expected = new Map<string, PyValue>();
      for (let i = 0; i < node.items.length; i += 2) {
        expected.set((node.items[i] as { value: string }).value, node.items[i + 1] ?? null);
      }
      same =
        Object.keys(record).length === expected.size &&
        [...expected].every(
          ([key, item]) => Object.hasOwn(record, key) && matches(record[key], item, equal),
        );
    }
  } else {
    same = value instanceof PythonObject && pythonObjectNode(value) === node;
  }
  if (same) {
    const set = equal.get(node) ?? new Set();
    set.add(value);
    equal.set(node, set);
  }
  return same;
}

/**
 * Reads a pickled session dict, as Django's `cache` and `cached_db` engines store it.
 *
 * @returns the session data, and the `origin` to hand back to {@link pickleSession}.
 * @throws UnpicklingError when the bytes are not a pickle of a dict with string keys, are
 *   truncated, nest deeper than 1000 levels or hold a value that contains itself.
 */
export function unpickleSession(bytes: Uint8Array): { data: SessionData; origin: unknown } {
  const root = readPickle(bytes);
  if (root === null || typeof root !== 'object' || root.kind !== 'dict') {
    invalid('the pickle holds something other than a dict');
  }
  // Most sessions hold only strings and numbers: nothing to check for cycles or depth.
  const flat = root.items.every(
    (item) =>
      item === null || typeof item !== 'object' || item.kind === 'str' || item.kind === 'float',
  );
  if (!flat) checkTree(root, 0, new Set(), new Set());
  const seen = new Map<PyNode, unknown>();
  const data: SessionData = {};
  const entries = new Map<string, OriginEntry>();
  for (let i = 0; i < root.items.length; i += 2) {
    const keyNode = root.items[i] ?? null;
    if (keyNode === null || typeof keyNode !== 'object' || keyNode.kind !== 'str') {
      invalid('a session key is not a string');
    }
    const node = root.items[i + 1] ?? null;
    define(data, keyNode.value, toJs(node, seen));
    const previous = entries.get(keyNode.value);
    // A repeated key keeps its first place and first key object, and takes the last value.
    entries.set(keyNode.value, { keyNode: previous?.keyNode ?? keyNode, node });
  }
  return { data, origin: new PickleOrigin(entries) };
}

/**
 * Pickles a session dict as CPython's `pickle.dumps(session, protocol)` would.
 *
 * @param origin what {@link unpickleSession} returned with the data: every key whose value
 *   still equals what was read is written back as the Python value it was read from, and the
 *   keys keep the order they were read in (new keys follow).
 * @param protocol 5 (pymemcache, Django 4+ `RedisCache`) or 4 (django-redis).
 * @throws TypeError naming the key when a value has no Python equivalent (a function, a
 *   symbol, a `Date`, a `Map`, a class instance other than {@link PythonObject}).
 */
export function pickleSession(data: SessionData, origin?: unknown, protocol: 4 | 5 = 5): Buffer {
  const entries: SessionEntry[] = [];
  const known = origin instanceof PickleOrigin ? origin.entries : undefined;
  if (known !== undefined) {
    const equal = new Map<PyNode, Set<unknown>>();
    for (const [key, read] of known) {
      if (!Object.hasOwn(data, key)) continue;
      const value = data[key];
      if (value === undefined) continue;
      const node = matches(value, read.node, equal) ? read.node : undefined;
      entries.push({ key, keyNode: read.keyNode, node, value });
    }
  }
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (value === undefined || known?.has(key)) continue;
    entries.push({ key, keyNode: undefined, node: undefined, value });
  }
  // One scratch buffer serves every call; a call made while another is writing (from a getter
  // in the data, say) gets its own.
  const scratch = scratchInUse ? undefined : SCRATCH;
  scratchInUse = true;
  try {
    const writer = new PickleWriter(protocol, scratch);
    writer.saveSession(entries);
    return writer.finish();
  } finally {
    if (scratch !== undefined) scratchInUse = false;
  }
}
