/**
 * `req.session.cookie` as express-session shapes it (times in milliseconds), read from and
 * written to the coatcheck session's expiry (times in seconds, Django's rules).
 *
 * @module
 */

import type { Session } from '../session/session.ts';
import type { ResolvedSettings } from '../settings.ts';

// The attributes every session cookie shares come from the settings, as in Django; saying
// which setting beats a bare "has only a getter" when code written for express-session
// assigns one per session.
function fixed(attribute: string, setting: string): never {
  throw new TypeError(
    `coatcheck: req.session.cookie.${attribute} is the ${setting} setting, the same for every ` +
      'session; pass it to createSessions',
  );
}

/**
 * The session cookie, express-session's `Cookie`. Django counts a session's lifetime from the
 * moment it is saved, so `maxAge` and `originalMaxAge` are the same: how long the session lives
 * if it is saved now.
 */
export class ExpressSessionCookie {
  readonly #session: Session;
  readonly #settings: ResolvedSettings;

  constructor(session: Session, settings: ResolvedSettings) {
    this.#session = session;
    this.#settings = settings;
  }

  /**
   * Milliseconds the session lives once saved, or `undefined` when the cookie ends with the
   * browser. Setting it is Django's `setExpiry` in seconds (rounded up); `null` makes the
   * cookie end with the browser, `0` or less ends the session now.
   */
  get maxAge(): number | undefined {
    if (this.#session.getExpireAtBrowserClose()) return undefined;
    return this.#session.getExpiryAge() * 1000;
  }

  set maxAge(milliseconds: number | null | undefined) {
    if (milliseconds === null || milliseconds === undefined) {
      this.#session.setExpiry(0);
      return;
    }
    if (!Number.isFinite(milliseconds)) {
      throw new TypeError(`coatcheck: cookie.maxAge takes milliseconds, got ${milliseconds}`);
    }
    // Django takes whole seconds, and 0 would mean "until the browser closes": a maxAge of 0 in
    // express-session ends the session at once, which a negative expiry does here.
    this.#session.setExpiry(milliseconds <= 0 ? -1 : Math.ceil(milliseconds / 1000));
  }

  /** The same as {@link maxAge}, with `null` for a cookie that ends with the browser. */
  get originalMaxAge(): number | null {
    return this.maxAge ?? null;
  }

  set originalMaxAge(milliseconds: number | null) {
    this.maxAge = milliseconds;
  }

  /** When the session expires if saved now; `null` when the cookie ends with the browser. */
  get expires(): Date | null {
    if (this.#session.getExpireAtBrowserClose()) return null;
    return this.#session.getExpiryDate();
  }

  /** An instant is Django's `setExpiry(date)`; `null` makes the cookie end with the browser. */
  set expires(date: Date | null | undefined) {
    this.#session.setExpiry(date ?? 0);
  }

  /** `settings.cookieHttpOnly`. */
  get httpOnly(): boolean {
    return this.#settings.cookieHttpOnly;
  }
  set httpOnly(_: boolean) {
    fixed('httpOnly', 'cookieHttpOnly');
  }

  /** `settings.cookiePath`. */
  get path(): string {
    return this.#settings.cookiePath;
  }
  set path(_: string) {
    fixed('path', 'cookiePath');
  }

  /** `settings.cookieDomain`, `undefined` when unset. */
  get domain(): string | undefined {
    return this.#settings.cookieDomain ?? undefined;
  }
  set domain(_: string | undefined) {
    fixed('domain', 'cookieDomain');
  }

  /** `settings.cookieSecure`. */
  get secure(): boolean {
    return this.#settings.cookieSecure;
  }
  set secure(_: boolean) {
    fixed('secure', 'cookieSecure');
  }

  /** `settings.cookieSameSite`, lowercased as express-session spells it; `false` when unset. */
  get sameSite(): 'lax' | 'strict' | 'none' | false {
    const sameSite = this.#settings.cookieSameSite;
    return sameSite === false ? false : (sameSite.toLowerCase() as 'lax' | 'strict' | 'none');
  }
  set sameSite(_: 'lax' | 'strict' | 'none' | false) {
    fixed('sameSite', 'cookieSameSite');
  }

  /** The attributes as plain data, for logging and templates. */
  toJSON(): Record<string, unknown> {
    const { originalMaxAge, expires, httpOnly, path, domain, secure, sameSite } = this;
    return { originalMaxAge, expires, httpOnly, path, domain, secure, sameSite };
  }
}
