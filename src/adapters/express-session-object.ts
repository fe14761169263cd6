/**
 * `req.session` as express-session shapes it: the session's data as properties, beside `id`,
 * `cookie`, `regenerate`, `destroy`, `save`, `reload`, `touch` and `resetMaxAge`.
 *
 * The object is a Proxy over the coatcheck `Session` the lifecycle loaded, so the data has one
 * home: setting a property is `session.set` (a value that would not come back as it went in is
 * refused there and then), deleting one is `session.delete`. What no Proxy sees, a nested value
 * changed in place, is found by comparing each value's JSON with the JSON it had when loaded,
 * as express-session compares a hash of the whole session.
 *
 * @module
 */

import { inspect } from 'node:util';
import type { Sessions } from '../middleware/lifecycle.ts';
import type { Session } from '../session/session.ts';
import { ExpressSessionCookie } from './express-session-cookie.ts';

/** express-session's session API; the data sits beside it as properties. */
export interface ExpressSession {
  /**
   * The session key, express-session's `req.sessionID`. A session without one yet gets one when
   * this is read, and is then stored even if empty, since the caller means to use the key.
   */
  readonly id: string;
  /** The session cookie's attributes, times in milliseconds. */
  readonly cookie: ExpressSessionCookie;
  /** Replaces the session with an empty one under a new key; the old one is deleted. */
  regenerate(callback: (error?: unknown) => void): this;
  /** Deletes the session and its cookie; `req.session` is gone for the rest of the request. */
  destroy(callback?: (error?: unknown) => void): this;
  /** Reads the session from the store again, dropping this request's unsaved changes. */
  reload(callback: (error?: unknown) => void): this;
  /**
   * Takes the session's changes, nested ones included; the store write itself happens once,
   * before the response's headers leave. The callback gets a value that cannot be stored.
   */
  save(callback?: (error?: unknown) => void): this;
  /** Makes the request save the session, so its expiry starts again from now. */
  touch(): this;
  /** The same as {@link touch}: a Django session's lifetime restarts when it is saved. */
  resetMaxAge(): this;
}

/** What express-session's `unset` option names: the fate of a session the app unsets. */
export type UnsetAction = 'keep' | 'destroy';

// The data a session object shows: the live session, or a copy once it is replaced.
interface DataSource {
  has(key: string): boolean;
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  delete(key: string): boolean;
  keys(): Iterable<string>;
}

interface View {
  readonly binding: SessionBinding;
  data: DataSource;
  /** The key it had, once this object is no longer the request's session. */
  detachedId?: string;
}

const VIEW = Symbol('coatcheck.expressSession');
const API = new Set([
  'id',
  'cookie',
  'regenerate',
  'destroy',
  'reload',
  'save',
  'touch',
  'resetMaxAge',
]);

// Callbacks run after the call returns, as express-session's do after its store answers.
function later(callback: ((error?: unknown) => void) | undefined, error?: unknown): void {
  if (callback !== undefined) queueMicrotask(() => callback(error));
}

/** JSON text to compare a value by; `null` for a value JSON cannot write (a cycle). */
function serialized(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    try {
      return JSON.stringify(value, (_, item) => (typeof item === 'bigint' ? `${item}n` : item));
    } catch {
      return null;
    }
  }
}

class SessionObject implements ExpressSession {
  readonly [VIEW]: View;

  constructor(view: View) {
    this[VIEW] = view;
  }

  get id(): string {
    return this[VIEW].binding.idOf(this[VIEW]);
  }

  get cookie(): ExpressSessionCookie {
    return this[VIEW].binding.cookie;
  }

  regenerate(callback: (error?: unknown) => void): this {
    this[VIEW].binding.replace(true);
    later(callback);
    return this;
  }

  destroy(callback?: (error?: unknown) => void): this {
    this[VIEW].binding.replace(false);
    later(callback);
    return this;
  }

  reload(callback: (error?: unknown) => void): this {
    this[VIEW].binding.reload(this[VIEW]).then(() => callback(), callback);
    return this;
  }

  save(callback?: (error?: unknown) => void): this {
    let failure: unknown;
    try {
      this[VIEW].binding.save(this[VIEW]);
    } catch (error) {
      failure = error;
    }
    later(callback, failure);
    return this;
  }

  touch(): this {
    this[VIEW].binding.touch(this[VIEW]);
    return this;
  }

  resetMaxAge(): this {
    return this.touch();
  }

  // console.log(req.session) inspects the Proxy's target; show the data instead.
  [inspect.custom](): Record<string, unknown> {
    const { data } = this[VIEW];
    return Object.fromEntries([...data.keys()].map((key) => [key, data.get(key)]));
  }
}

const isData = (key: string | symbol): key is string => typeof key === 'string' && !API.has(key);

// Data keys go to the session; API names and symbols to the object. A `__proto__` key is data
// like any other: it never reaches the object's prototype.
const HANDLER: ProxyHandler<SessionObject> = {
  get(target, key, receiver) {
    if (isData(key)) {
      const { data } = target[VIEW];
      if (data.has(key)) return data.get(key);
    }
    return Reflect.get(target, key, receiver);
  },
  set(target, key, value, receiver) {
    if (!isData(key)) return Reflect.set(target, key, value, receiver);
    const { data } = target[VIEW];
    // Giving a value back to its own key (connect-flash does on every call) changes nothing.
    if (!(data.has(key) && data.get(key) === value)) data.set(key, value);
    return true;
  },
  has(target, key) {
    return (isData(key) && target[VIEW].data.has(key)) || Reflect.has(target, key);
  },
  deleteProperty(target, key) {
    if (!isData(key)) return Reflect.deleteProperty(target, key);
    target[VIEW].data.delete(key);
    return true;
  },
  ownKeys(target) {
    const keys = [...target[VIEW].data.keys()].filter((key) => !API.has(key));
    return [...keys, ...Reflect.ownKeys(target)];
  },
  getOwnPropertyDescriptor(target, key) {
    if (!isData(key) || !target[VIEW].data.has(key)) {
      return Reflect.getOwnPropertyDescriptor(target, key);
    }
    const value = target[VIEW].data.get(key);
    return { value, writable: true, enumerable: true, configurable: true };
  },
  defineProperty(target, key, descriptor) {
    if (!isData(key)) return Reflect.defineProperty(target, key, descriptor);
    if (!('value' in descriptor)) return false; // a getter cannot be stored
    target[VIEW].data.set(key, descriptor.value);
    return true;
  },
};

/** The request object as this module sees it. */
export interface SessionHolder {
  session?: unknown;
}

/**
 * One request's express-session view of its coatcheck session: puts `req.session` and
 * `req.sessionID` on the request, and replaces the object when the session is regenerated.
 */
export class SessionBinding {
  readonly #request: SessionHolder;
  readonly #session: Session;
  readonly #sessions: Sessions;
  readonly #unset: UnsetAction;
  // Each value's JSON as loaded, or as last saved: what "changed in place" is measured against.
  readonly #baseline = new Map<string, string | null>();
  #current: SessionObject | undefined;
  #cookie: ExpressSessionCookie | undefined;
  #destroyedId = '';
  #finished = false;

  constructor(request: SessionHolder, session: Session, sessions: Sessions, unset: UnsetAction) {
    this.#request = request;
    this.#session = session;
    this.#sessions = sessions;
    this.#unset = unset;
    for (const [key, value] of session.entries()) this.#baseline.set(key, serialized(value));
    // The load was this module's doing, not the route's: the response varies on Cookie only if
    // the route reads the session.
    session.accessed = false;
    this.#attach();
    Object.defineProperty(request, 'sessionID', {
      configurable: true,
      enumerable: true,
      get: () => this.#current?.id ?? this.#destroyedId,
    });
  }

  get cookie(): ExpressSessionCookie {
    this.#cookie ??= new ExpressSessionCookie(this.#session, this.#sessions.settings);
    return this.#cookie;
  }

  #attach(): void {
    this.#current = new Proxy(new SessionObject({ binding: this, data: this.#session }), HANDLER);
    this.#request.session = this.#current;
  }

  #isLive(view: View): boolean {
    return view.data === this.#session;
  }

  idOf(view: View): string {
    if (!this.#isLive(view)) return view.detachedId ?? '';
    if (this.#session.sessionKey === null && !this.#finished) this.#session.cycleKey();
    return this.#session.sessionKey ?? '';
  }

  /**
   * Ends the session (Django's `flush`: data gone, the stored record deleted, the key with it)
   * and, for `regenerate`, puts a new empty one in its place, which gets a new key when stored.
   * The object the application held keeps a copy of the data (Passport's `keepSessionInfo`
   * copies it across).
   */
  replace(regenerate: boolean): void {
    const old = this.#current;
    if (old !== undefined) {
      const view = old[VIEW];
      view.detachedId = this.#session.sessionKey ?? '';
      view.data = new Map(this.#session.entries());
      this.#destroyedId = view.detachedId;
    }
    this.#session.flush();
    this.#baseline.clear();
    this.#current = undefined;
    if (regenerate) this.#attach();
    else delete this.#request.session;
  }

  save(view: View): void {
    if (this.#isLive(view)) this.#takeInPlaceChanges();
  }

  touch(view: View): void {
    if (this.#isLive(view)) this.#session.modified = true;
  }

  async reload(view: View): Promise<void> {
    if (!this.#isLive(view)) return;
    const key = this.#session.sessionKey;
    const stored = key === null ? null : await this.#sessions.open(key);
    if (stored === null || stored.sessionKey === null) {
      throw new Error('coatcheck: this session is not in the store (never saved, or deleted)');
    }
    const session = this.#session;
    for (const name of session.keys()) if (!stored.has(name)) session.delete(name);
    this.#baseline.clear();
    for (const [name, value] of stored.entries()) {
      const text = serialized(value);
      if (serialized(session.get(name)) !== text) session.set(name, value);
      this.#baseline.set(name, text);
    }
  }

  // Values changed in place are set again: that marks them changed, and checks them again (an
  // in-place change may have put a Date somewhere). A session the route never read was never
  // handed out, so nothing in it can have changed in place.
  #takeInPlaceChanges(): void {
    const session = this.#session;
    if (!session.accessed) return;
    for (const [key, value] of session.entries()) {
      const text = serialized(value);
      if (this.#baseline.get(key) === text) continue;
      session.set(key, value);
      this.#baseline.set(key, text);
    }
  }

  /** Runs as the request finishes, before the lifecycle decides what to save. */
  finish(): void {
    this.#finished = true;
    const current = this.#current;
    if (current === undefined) return; // destroyed
    if (this.#request.session === current) this.#takeInPlaceChanges();
    // The application unset req.session: express-session's `unset` says what that means.
    else if (this.#unset === 'destroy') this.#session.flush();
    else this.#session.modified = false;
  }
}
