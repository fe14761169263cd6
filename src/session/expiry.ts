/**
 * Django's session expiry rules (`SessionBase.get_expiry_age` and friends), as pure functions
 * of the policy (cookie age, expire-at-browser-close) and the session's own `_session_expiry`.
 *
 * @module
 */

/** The session key Django keeps a custom expiry under. */
export const EXPIRY_KEY = '_session_expiry';

/** The two settings expiry depends on. */
export interface ExpiryPolicy {
  /** Seconds a session lives by default. Django's `SESSION_COOKIE_AGE`. */
  readonly cookieAge: number;
  /** Whether sessions end with the browser by default. `SESSION_EXPIRE_AT_BROWSER_CLOSE`. */
  readonly expireAtBrowserClose: boolean;
}

/**
 * A custom expiry as `setExpiry` takes it: seconds from the last change (`0` for "when the
 * browser closes", negative for "already expired"), an instant, or `null` for the policy.
 */
export type Expiry = number | Date | null;

/** What `_session_expiry` may hold: seconds, an ISO 8601 instant (current Django), or nothing. */
export type StoredExpiry = unknown;

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * Formats an instant as Python's `datetime.isoformat()` does for an aware UTC datetime
 * (`2023-11-14T22:13:30+00:00`, microseconds only when non-zero), which is how current Django
 * stores a date expiry and what every Python from 3.7 parses back.
 */
export function toPythonIsoFormat(date: Date): string {
  const base =
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const millis = date.getUTCMilliseconds();
  return `${base}${millis === 0 ? '' : `.${pad(millis, 3)}000`}+00:00`;
}

// A date and time without `Z` or an offset: what Django writes with USE_TZ = False.
const NAIVE_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/**
 * Parses an ISO 8601 instant written by Django or coatcheck; `undefined` when it is not one.
 * A naive date and time is read as UTC, as Django reads a naive `expires`: `Date.parse` would
 * read it in the process's time zone, so the expiry would move with the server's `TZ`.
 */
export function parseIsoDate(text: string): Date | undefined {
  // JavaScript reads at most milliseconds; Python may write microseconds.
  const trimmed = text.replace(/(\.\d{3})\d+/, '$1');
  const time = Date.parse(NAIVE_DATE_TIME.test(trimmed) ? `${trimmed}Z` : trimmed);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function storedInstant(stored: StoredExpiry): Date | undefined {
  if (stored instanceof Date) return stored;
  return typeof stored === 'string' && stored !== '' ? parseIsoDate(stored) : undefined;
}

/**
 * Seconds until the session expires, counted from `modification`: Django's
 * `get_expiry_age`. A number expiry is returned as it is; no expiry (or `0`) gives the
 * cookie age; an instant gives whole seconds until it, rounded down.
 */
export function expiryAge(policy: ExpiryPolicy, stored: StoredExpiry, modification: Date): number {
  if (typeof stored === 'number' && Number.isFinite(stored) && stored !== 0) return stored;
  const instant = storedInstant(stored);
  if (instant === undefined) return policy.cookieAge;
  return Math.floor((instant.getTime() - modification.getTime()) / 1000);
}

/**
 * The instant the session expires: Django's `get_expiry_date`. An instant expiry is
 * returned as it is; otherwise `modification` plus the seconds (or the cookie age).
 */
export function expiryDate(policy: ExpiryPolicy, stored: StoredExpiry, modification: Date): Date {
  const instant = storedInstant(stored);
  if (instant !== undefined) return instant;
  const seconds =
    typeof stored === 'number' && Number.isFinite(stored) && stored !== 0
      ? stored
      : policy.cookieAge;
  return new Date(modification.getTime() + seconds * 1000);
}

/**
 * Whether the cookie should end with the browser session: the policy when no custom expiry
 * is set, otherwise only for the custom expiry `0`. Django's `get_expire_at_browser_close`.
 */
export function expiresAtBrowserClose(policy: ExpiryPolicy, stored: StoredExpiry): boolean {
  if (stored === undefined || stored === null) return policy.expireAtBrowserClose;
  return stored === 0;
}
