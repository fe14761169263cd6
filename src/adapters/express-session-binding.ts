/**
 * One request's express-session view of its coatcheck `Session`: puts `req.session` and
 * `req.sessionID` on the request, replaces the object when the session is regenerated, and
 * when the request finishes takes the nested values changed in place, found by comparing each
 * value's JSON with the JSON it was loaded with (express-session compares a hash of it all).
 *
 * @module
 */

import type { Sessions } from '../middleware/lifecycle.ts';
import type { Session } from '../session/session.ts';
import { ExpressSessionCookie } from './express-session-cookie.ts';
import {
  type ExpressSession,
  type SessionOwner,
  sessionObject,
  type View,
} from './express-session-object.ts';

/** What express-session's `unset` option names: the fate of a session the app unsets. */
export type UnsetAction = 'keep' | 'destroy';

// Only objects and arrays can change in place: a string or a number that differs was assigned,
// and the assignment went through `session.set`.
const mutable = (value: unknown): value is object => typeof value === 'object' && value !== null;

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

/** The request object as this module sees it. */
export interface SessionHolder {
  session?: unknown;
  sessionID?: string;
}

/** The binding of one request's `req.session` to its `Session`. */
export class SessionBinding implements SessionOwner {
  readonly #request: SessionHolder;
  readonly #session: Session;
  readonly #sessions: Sessions;
  readonly #unset: UnsetAction;
  // Each value's JSON as loaded, or as last saved: what "changed in place" is measured against.
  readonly #baseline = new Map<string, string | null>();
  #current: { object: ExpressSession; view: View } | undefined;
  #cookie: ExpressSessionCookie | undefined;
  #finished = false;

  constructor(request: SessionHolder, session: Session, sessions: Sessions, unset: UnsetAction) {
    this.#request = request;
    this.#session = session;
    this.#sessions = sessions;
    this.#unset = unset;
    for (const [key, value] of session.entries()) {
      if (mutable(value)) this.#baseline.set(key, serialized(value));
    }
    // The load was this module's doing, not the route's: the response varies on Cookie only if
    // the route reads the session.
    session.accessed = false;
    this.#attach();
    // A plain property, kept current here: an accessor defined on each request object would
    // turn it into a slow dictionary object for the rest of the request (15% more CPU here).
    request.sessionID = session.sessionKey ?? '';
  }

  get cookie(): ExpressSessionCookie {
    this.#cookie ??= new ExpressSessionCookie(this.#session, this.#sessions.settings);
    return this.#cookie;
  }

  #attach(): void {
    const view: View = { owner: this, data: this.#session };
    this.#current = { object: sessionObject(view), view };
    this.#request.session = this.#current.object;
  }

  #isLive(view: View): boolean {
    return view.data === this.#session;
  }

  idOf(view: View): string {
    if (!this.#isLive(view)) return view.detachedId ?? '';
    if (this.#session.sessionKey === null && !this.#finished) {
      this.#session.cycleKey();
      this.#request.sessionID = this.#session.sessionKey ?? '';
    }
    return this.#session.sessionKey ?? '';
  }

  /**
   * Ends the session (Django's `flush`: data gone, the stored record deleted, the key with it)
   * and, for `regenerate`, puts a new empty one in its place, which gets a new key when stored.
   * The object the application held keeps a copy of the data (Passport's `keepSessionInfo`
   * copies it across).
   */
  replace(regenerate: boolean): void {
    const view = this.#current?.view;
    if (view !== undefined) {
      view.detachedId = this.#session.sessionKey ?? '';
      view.data = new Map(this.#session.entries());
    }
    this.#session.flush();
    this.#baseline.clear();
    this.#current = undefined;
    // After destroy, req.sessionID still names the session that was, as in express-session.
    if (regenerate) {
      this.#attach();
      this.#request.sessionID = '';
    } else delete this.#request.session;
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
      if (mutable(value)) this.#baseline.set(name, text);
    }
  }

  // Values changed in place are set again: that marks them changed, and checks them again (an
  // in-place change may have put a Date somewhere). A session the route never read was never
  // handed out, so nothing in it can have changed in place.
  #takeInPlaceChanges(): void {
    const session = this.#session;
    if (!session.accessed) return;
    for (const [key, value] of session.entries()) {
      if (!mutable(value)) continue;
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
    if (this.#request.session === current.object) this.#takeInPlaceChanges();
    // The application unset req.session: express-session's `unset` says what that means.
    else if (this.#unset === 'destroy') this.#session.flush();
    else this.#session.modified = false;
  }
}
