/**
 * The `Session`: Django's `SessionBase` as a typed, synchronous, dict-like object.
 *
 * The lifecycle loads the data before handing a session out, so every method here is
 * synchronous; the store work that `flush` and `cycleKey` imply is recorded and done when the
 * request finishes.
 *
 * @module
 */

import type { SessionData, StorableData } from './data.ts';
import { assertStorable } from './data.ts';
import {
  EXPIRY_KEY,
  type Expiry,
  type ExpiryPolicy,
  expiresAtBrowserClose,
  expiryAge,
  expiryDate,
  toPythonIsoFormat,
} from './expiry.ts';
import { generateSessionKey, isValidSessionKey } from './keys.ts';

/**
 * What `Data` keeps under `K`: an optional key's type without the `undefined` that says it may
 * be missing (schema libraries write optional keys as `key?: T | undefined`), since a session
 * holds no `undefined` (JSON cannot carry it; `delete` removes a key).
 */
export type SessionValue<Data, K extends keyof Data> = Exclude<Data[K], undefined>;

/** Django's test cookie key and value, so both frameworks agree on it. */
export const TEST_COOKIE_NAME = 'testcookie';
export const TEST_COOKIE_VALUE = 'worked';

/**
 * The mutable state behind a {@link Session}, shared with the lifecycle that saves it.
 * Applications never see it.
 */
export interface SessionState {
  /** The validated key, or `null` when the session has none (yet). */
  key: string | null;
  data: Map<string, unknown>;
  accessed: boolean;
  modified: boolean;
  /** Keys whose records must be deleted when the request finishes (`flush`, `cycleKey`). */
  staleKeys: string[];
  /** The key was generated here and has no record yet, so saving must create it. */
  mustCreate: boolean;
  /**
   * Keys set or deleted in this request. When another request saved the same session
   * meanwhile, a store that can detect it re-applies just these to the newer data, so both
   * requests keep their change.
   */
  changedKeys: Set<string>;
  /** The data was replaced as a whole (`clear`, `flush`, `modified = true`): save it as it is. */
  replaced: boolean;
  /**
   * The lifecycle changed the data itself (an idle timeout's refresh) and the request must save
   * it, though the application changed nothing: `modified` stays what the application did.
   */
  touched: boolean;
}

/** What a session needs from its surroundings. */
export interface SessionContext {
  readonly policy: ExpiryPolicy;
  /**
   * Called after each change with the new data; throws to refuse it (the signed-cookie engine
   * refuses data that no longer fits in a cookie). The change is then undone.
   */
  readonly checkData?: ((data: ReadonlyMap<string, unknown>) => void) | undefined;
  /**
   * Whether `setExpiry` may store an instant. Django reads one from 4.0 on; Django 3.2 takes
   * only seconds (settings.djangoVersion). @default true
   */
  readonly dateExpiry?: boolean | undefined;
}

/** Options of {@link Session.getExpiryAge} and {@link Session.getExpiryDate}. */
export interface ExpiryOptions {
  /** The instant the session was last changed. @default now */
  modification?: Date;
  /** Use this expiry instead of the session's own; passing it avoids reading the data. */
  expiry?: number | Date | string | null;
}

// A loop, not new Map(Object.entries(data)): no array per key, on every request that loads.
function mapOf(data: SessionData): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const key of Object.keys(data)) map.set(key, data[key]);
  return map;
}

/** Makes the state of a new or loaded session. */
export function createSessionState(key: string | null, data: SessionData = {}): SessionState {
  return {
    key: isValidSessionKey(key) ? key : null,
    data: mapOf(data),
    accessed: false,
    modified: false,
    staleKeys: [],
    mustCreate: false,
    changedKeys: new Set(),
    replaced: false,
    touched: false,
  };
}

/**
 * A user's session: Django's `request.session`, with its names camelCased.
 *
 * Reading marks the session accessed (the response then varies on `Cookie`); writing marks
 * it modified (the response then saves it and re-sends the cookie). Changing a nested value
 * in place is not a modification, as in Django: `set` it again, or set `modified = true`.
 *
 * @typeParam Data - the keys and value types this application keeps in sessions.
 *
 * @example
 * const session = await ctx.session();
 * session.set('visits', (session.get('visits') ?? 0) + 1);
 */
export class Session<Data extends StorableData<Data> = SessionData> {
  readonly #state: SessionState;
  readonly #context: SessionContext;

  constructor(state: SessionState, context: SessionContext) {
    this.#state = state;
    this.#context = context;
  }

  /** The session key (the cookie value), or `null` until the session is first saved. */
  get sessionKey(): string | null {
    return this.#state.key;
  }

  /** Whether the data was read or written in this request. */
  get accessed(): boolean {
    return this.#state.accessed;
  }

  set accessed(value: boolean) {
    this.#state.accessed = value;
  }

  /** Whether the data changed in this request; set it to `true` to force a save. */
  get modified(): boolean {
    return this.#state.modified;
  }

  set modified(value: boolean) {
    this.#state.modified = value;
    // Forcing a save means "store the data as it is now", whatever changed in place.
    if (value) this.#state.replaced = true;
  }

  #read(): Map<string, unknown> {
    this.#state.accessed = true;
    return this.#state.data;
  }

  // Applies a change to `keys`, lets the context refuse it, and undoes it when refused, so a
  // refused change leaves the session exactly as it was.
  #change(keys: readonly string[], apply: (data: Map<string, unknown>) => void): void {
    const data = this.#read();
    const before = this.#context.checkData === undefined ? undefined : new Map(data);
    apply(data);
    if (before !== undefined) {
      try {
        this.#context.checkData?.(data);
      } catch (error) {
        data.clear();
        for (const [key, value] of before) data.set(key, value);
        throw error;
      }
    }
    for (const key of keys) this.#state.changedKeys.add(key);
    this.#state.modified = true;
  }

  /** Returns the value stored under `key`, or `fallback` (by default `undefined`). */
  get<K extends keyof Data & string>(key: K): SessionValue<Data, K> | undefined;
  get<K extends keyof Data & string>(
    key: K,
    fallback: SessionValue<Data, K>,
  ): SessionValue<Data, K>;
  get(key: string, fallback?: unknown): unknown {
    const data = this.#read();
    return data.has(key) ? data.get(key) : fallback;
  }

  /**
   * Stores `value` under `key`. Throws a `TypeError` naming the key when the value cannot be
   * stored as JSON; nothing is changed then.
   */
  set<K extends keyof Data & string>(key: K, value: SessionValue<Data, K>): void {
    assertStorable(key, value);
    // #change's work without its copy of the whole data: the one key set is all there is to
    // undo, and a Map keeps an existing key's place when it is set again. set() runs on most
    // requests that touch a session.
    const data = this.#read();
    const checkData = this.#context.checkData;
    const had = data.has(key);
    const old = data.get(key);
    data.set(key, value);
    if (checkData !== undefined) {
      try {
        checkData(data);
      } catch (error) {
        if (had) data.set(key, old);
        else data.delete(key);
        throw error;
      }
    }
    this.#state.changedKeys.add(key);
    this.#state.modified = true;
  }

  /** Whether `key` is stored. */
  has(key: keyof Data & string): boolean {
    return this.#read().has(key);
  }

  /**
   * Removes `key`. Returns whether it was there; only then is the session modified.
   * (Django's `del session[key]` raises when the key is missing; this mirrors `Map.delete`.)
   */
  delete(key: keyof Data & string): boolean {
    if (!this.#read().has(key)) return false;
    this.#change([key], (data) => data.delete(key));
    return true;
  }

  /**
   * Removes `key` and returns its value. A missing key returns `fallback` when one is given
   * (leaving the session unmodified) and throws a `RangeError` otherwise, as Django's
   * `pop` raises `KeyError`.
   */
  pop<K extends keyof Data & string>(key: K): SessionValue<Data, K>;
  pop<K extends keyof Data & string, F>(key: K, fallback: F): SessionValue<Data, K> | F;
  pop(key: string, ...fallback: [unknown?]): unknown {
    const data = this.#read();
    if (!data.has(key)) {
      if (fallback.length > 0) return fallback[0];
      throw new RangeError(`coatcheck: the session has no key ${JSON.stringify(key)}`);
    }
    const value = data.get(key);
    this.#change([key], (current) => current.delete(key));
    return value;
  }

  /** Returns the value under `key`; when there is none, stores `value` first. */
  setDefault<K extends keyof Data & string>(
    key: K,
    value: SessionValue<Data, K>,
  ): SessionValue<Data, K> {
    const data = this.#read();
    if (data.has(key)) return data.get(key) as SessionValue<Data, K>;
    this.set(key, value);
    return value;
  }

  /** Stores every entry of `values`. Always marks the session modified, as Django does. */
  update(values: { [K in keyof Data]?: SessionValue<Data, K> }): void {
    const entries = Object.entries(values);
    for (const [key, value] of entries) assertStorable(key, value);
    const keys = entries.map(([key]) => key);
    this.#change(keys, (data) => {
      for (const [key, value] of entries) data.set(key, value);
    });
  }

  /** The stored keys, in insertion order. */
  keys(): (keyof Data & string)[] {
    return [...this.#read().keys()];
  }

  /** The stored values, in insertion order. */
  values(): SessionValue<Data, keyof Data>[] {
    return [...this.#read().values()] as SessionValue<Data, keyof Data>[];
  }

  /** The stored `[key, value]` pairs, in insertion order. */
  entries(): [keyof Data & string, SessionValue<Data, keyof Data>][] {
    return [...this.#read().entries()] as [keyof Data & string, SessionValue<Data, keyof Data>][];
  }

  /** Removes all data but keeps the key. */
  clear(): void {
    this.#state.accessed = true;
    this.#state.data.clear();
    this.#state.replaced = true;
    this.#state.modified = true;
  }

  /** Whether the session has neither a key nor data. */
  isEmpty(): boolean {
    return this.#state.key === null && this.#state.data.size === 0;
  }

  /**
   * Removes all data and the key, and deletes the stored record when the request finishes;
   * the response then deletes the cookie. What `logout` does.
   */
  flush(): void {
    this.clear();
    const { key } = this.#state;
    if (key !== null && !this.#state.mustCreate) this.#state.staleKeys.push(key);
    this.#state.key = null;
    this.#state.mustCreate = false;
  }

  /**
   * Moves the data to a new key and deletes the old record when the request finishes. Call it
   * when a user logs in, so a key planted before login (session fixation) is worthless after.
   */
  cycleKey(): void {
    const state = this.#state;
    state.accessed = true;
    if (state.key !== null && !state.mustCreate) state.staleKeys.push(state.key);
    state.key = generateSessionKey();
    state.mustCreate = true;
    state.modified = true;
  }

  /** Sets the test cookie, to learn on the next request whether the browser keeps cookies. */
  setTestCookie(): void {
    this.set(TEST_COOKIE_NAME, TEST_COOKIE_VALUE as SessionValue<Data, keyof Data & string>);
  }

  /** Whether the test cookie set on an earlier request came back. */
  testCookieWorked(): boolean {
    return this.#read().get(TEST_COOKIE_NAME) === TEST_COOKIE_VALUE;
  }

  /** Removes the test cookie; like `delete`, only a present one modifies the session. */
  deleteTestCookie(): void {
    if (this.#read().has(TEST_COOKIE_NAME))
      this.#change([TEST_COOKIE_NAME], (data) => data.delete(TEST_COOKIE_NAME));
  }

  /**
   * Sets this session's own expiry: seconds of inactivity (`0` ends it with the browser,
   * negative ends it now), an instant (stored as an ISO string, which Django 4.0 and later
   * read), or `null` to return to the global policy. With `djangoVersion: '3.2'` an instant
   * throws a `TypeError`: Django 3.2 cannot read one, so pass the seconds until it instead.
   */
  setExpiry(value: Expiry): void {
    if (value === null) {
      if (this.#read().has(EXPIRY_KEY))
        this.#change([EXPIRY_KEY], (data) => data.delete(EXPIRY_KEY));
      return;
    }
    let stored: number | string;
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime()))
        throw new TypeError('coatcheck: setExpiry got an invalid Date');
      // Django 3.2's get_expiry_age hands a string expiry back as it is: its middleware then
      // fails the request with a 500 and its clearsessions stops at the first such file.
      if (this.#context.dateExpiry === false) {
        throw new TypeError(
          'coatcheck: setExpiry got a Date, which Django 3.2 (settings.djangoVersion) cannot ' +
            'read from a session; pass the seconds until then instead, such as ' +
            'Math.floor((date.getTime() - Date.now()) / 1000)',
        );
      }
      stored = toPythonIsoFormat(value);
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      stored = value;
    } else {
      throw new TypeError(
        `coatcheck: setExpiry takes seconds, a Date or null, got ${String(value)}`,
      );
    }
    this.#change([EXPIRY_KEY], (data) => data.set(EXPIRY_KEY, stored));
  }

  #storedExpiry(options: ExpiryOptions): unknown {
    return 'expiry' in options ? options.expiry : this.#read().get(EXPIRY_KEY);
  }

  /** Seconds the session lives from `modification` (now): Django's `get_expiry_age`. */
  getExpiryAge(options: ExpiryOptions = {}): number {
    const modification = options.modification ?? new Date(Date.now());
    return expiryAge(this.#context.policy, this.#storedExpiry(options), modification);
  }

  /** The instant the session expires: Django's `get_expiry_date`. */
  getExpiryDate(options: ExpiryOptions = {}): Date {
    const modification = options.modification ?? new Date(Date.now());
    return expiryDate(this.#context.policy, this.#storedExpiry(options), modification);
  }

  /** Whether the session cookie ends with the browser session. */
  getExpireAtBrowserClose(): boolean {
    return expiresAtBrowserClose(this.#context.policy, this.#read().get(EXPIRY_KEY));
  }

  /** A plain snapshot of the data, for templates and logging. */
  toJSON(): Partial<Data> {
    return Object.fromEntries(this.#read()) as Partial<Data>;
  }
}
