/**
 * `req.session` as express-session shapes it: the session's data as properties, beside `id`,
 * `cookie`, `regenerate`, `destroy`, `save`, `reload`, `touch` and `resetMaxAge`.
 *
 * The object is a Proxy over the coatcheck `Session` the lifecycle loaded, so the data has one
 * home: setting a property is `session.set` (a value that would not come back as it went in is
 * refused there and then), deleting one is `session.delete`. What no Proxy sees, a nested value
 * changed in place, is the binding's to find (express-session-binding.ts).
 *
 * @module
 */

import { inspect } from 'node:util';
import type { ExpressSessionCookie } from './express-session-cookie.ts';

/** express-session's session API; the data sits beside it as properties. */
export interface ExpressSession {
  /**
   * The session key. A session without one yet (new, or just regenerated) gets one when this is
   * read, and is then stored even if empty, since the caller means to use the key;
   * `req.sessionID` follows it.
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

/** The data a session object shows: the live `Session`, or a copy once it is replaced. */
export interface DataSource {
  has(key: string): boolean;
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  delete(key: string): boolean;
  keys(): Iterable<string>;
}

/** What a session object asks of the request it belongs to; `view` says which object asks. */
export interface SessionOwner {
  readonly cookie: ExpressSessionCookie;
  idOf(view: View): string;
  /** Ends the session; with `regenerate`, puts a new empty one in `req.session`. */
  replace(regenerate: boolean): void;
  save(view: View): void;
  touch(view: View): void;
  reload(view: View): Promise<void>;
}

/** One session object's state. */
export interface View {
  readonly owner: SessionOwner;
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

class SessionObject implements ExpressSession {
  readonly [VIEW]: View;

  constructor(view: View) {
    this[VIEW] = view;
  }

  get id(): string {
    return this[VIEW].owner.idOf(this[VIEW]);
  }

  get cookie(): ExpressSessionCookie {
    return this[VIEW].owner.cookie;
  }

  regenerate(callback: (error?: unknown) => void): this {
    this[VIEW].owner.replace(true);
    later(callback);
    return this;
  }

  destroy(callback?: (error?: unknown) => void): this {
    this[VIEW].owner.replace(false);
    later(callback);
    return this;
  }

  reload(callback: (error?: unknown) => void): this {
    this[VIEW].owner.reload(this[VIEW]).then(() => callback(), callback);
    return this;
  }

  save(callback?: (error?: unknown) => void): this {
    let failure: unknown;
    try {
      this[VIEW].owner.save(this[VIEW]);
    } catch (error) {
      failure = error;
    }
    later(callback, failure);
    return this;
  }

  touch(): this {
    this[VIEW].owner.touch(this[VIEW]);
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

/** The object to put on `req.session`: a Proxy showing `view`'s data as properties. */
export function sessionObject(view: View): ExpressSession {
  return new Proxy(new SessionObject(view), HANDLER);
}
