/**
 * The shape of session data, and the check every value passes before it is stored.
 *
 * @module
 */

/** Session data: string keys, JSON values. Django's session dict. */
export type SessionData = Record<string, unknown>;

/** A value JSON carries as it is: what Django's JSON serializer reads back to the same value. */
type JsonScalar = string | number | boolean | bigint | null;

/**
 * Things JSON cannot carry, or would turn into something else (`JSON.stringify` makes a `Date` an
 * ISO string, a `Map` or `Set` an empty object), so `get` would not give them back.
 */
type Unstorable =
  | undefined
  | symbol
  | Date
  | RegExp
  | Map<unknown, unknown>
  | ReadonlyMap<unknown, unknown>
  | Set<unknown>
  | ReadonlySet<unknown>
  | WeakMap<object, unknown>
  | WeakSet<object>
  | Promise<unknown>
  | ArrayBufferView
  | ArrayBufferLike
  | ((...args: never[]) => unknown);

/**
 * `T` where every part of it can be stored, `never` where a part cannot. Nested object
 * properties may be `undefined` (left out, as JSON leaves them); array items may not (JSON would
 * write `null`). `unknown` and `any` pass as they are: the runtime check catches the rest.
 */
export type Storable<T> = unknown extends T
  ? T
  : T extends JsonScalar
    ? T
    : T extends Unstorable
      ? never
      : T extends readonly unknown[]
        ? { [I in keyof T]: Storable<T[I]> }
        : T extends object
          ? { [K in keyof T]: StorableProperty<T[K]> }
          : never;

type StorableProperty<T> = Storable<Exclude<T, undefined>> | Extract<T, undefined>;

/** The keys of `T` that may be missing (`key?: ...`). */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * The constraint on `Session<Data>`: session data whose every value {@link Storable} accepts. A
 * `Data` with a `Date`, a function, a `Map`, a `Set` or a required `undefined` field fails it,
 * so `Session<{ lastVisit: Date }>` is a type error rather than a string at run time. An
 * optional key may say `| undefined` (`visits?: number | undefined`, as Zod and Valibot write
 * optional keys): it only says the key may be missing, which every session key may be.
 */
export type StorableData<Data> = SessionData & {
  [K in keyof Data]: K extends OptionalKeys<Data> ? StorableProperty<Data[K]> : Storable<Data[K]>;
};

function describePath(path: readonly (string | number)[]): string {
  return path.map((part) => `[${JSON.stringify(part)}]`).join('');
}

// Why an object that is neither an array nor a plain object is refused, and what to store instead.
function objectHint(value: object): string {
  if (value instanceof Date)
    return 'a Date, which JSON stores as a string; store date.toISOString() (or the milliseconds) and parse it back';
  if (value instanceof Map) return 'a Map; store Object.fromEntries(map)';
  if (value instanceof Set) return 'a Set; store Array.from(set)';
  const name = value.constructor?.name;
  return `${name ? `a ${name}` : 'an object with a prototype'}, which JSON would not give back as it is; store a plain object, an array or a primitive`;
}

function refusal(key: string, path: readonly (string | number)[], what: string): TypeError {
  const where = path.length === 0 ? '' : ` at ${describePath(path)}`;
  return new TypeError(
    `coatcheck: cannot store session[${JSON.stringify(key)}]: the value${where} is ${what}`,
  );
}

function check(
  key: string,
  value: unknown,
  path: (string | number)[],
  ancestors: object[],
  inArray: boolean,
): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return;
    case 'undefined':
      throw refusal(
        key,
        path,
        inArray
          ? 'undefined, which JSON stores as null; store null'
          : 'undefined, which JSON cannot carry; delete the key instead',
      );
    case 'function':
      throw refusal(key, path, 'a function, which JSON cannot carry');
    case 'symbol':
      throw refusal(key, path, 'a symbol, which JSON cannot carry');
  }
  if (value === null) return;
  const object = value as object;
  const isArray = Array.isArray(object);
  if (!isArray) {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      throw refusal(key, path, objectHint(object));
    }
    if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
      throw refusal(key, path, 'an object with a toJSON method, which would store something else');
    }
  }
  if (ancestors.includes(object)) throw refusal(key, path, 'a circular reference');
  ancestors.push(object);
  if (isArray) {
    const array = object as readonly unknown[];
    for (let i = 0; i < array.length; i++) {
      path.push(i);
      check(key, array[i], path, ancestors, true);
      path.pop();
    }
  } else {
    const record = object as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      const item = record[name];
      // A property left undefined is left out, as JSON leaves it out.
      if (item === undefined) continue;
      path.push(name);
      check(key, item, path, ancestors, false);
      path.pop();
    }
  }
  ancestors.pop();
}

/**
 * Throws a `TypeError` naming the session key when `value` cannot be stored exactly, so a bad
 * value fails at `set`, in the code that made it, rather than when the response is saved or,
 * worse, when the next request reads back something else.
 *
 * Stored as they are: strings, numbers (NaN and ±Infinity too: Python's JSON writes them),
 * booleans, `null`, `BigInt`s (written as JSON integers, as Python writes its ints), arrays of
 * those and plain objects of those. Refused: `undefined` (at the top or in an array), functions,
 * symbols, cycles, and every object that is not a plain object or an array (a `Date`, `Map`,
 * `Set`, `RegExp`, `Buffer`, boxed primitive or class instance), since JSON would store
 * something else in its place; and any object with a `toJSON` method, for the same reason.
 */
export function assertStorable(key: string, value: unknown): void {
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean' || value === null) return;
  check(key, value, [], [], false);
}
