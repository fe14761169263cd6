/**
 * Idle and absolute session timeouts (OWASP's session management rules), on top of Django's
 * expiry: a session ends after `idleTimeout` seconds without a request, and `absoluteTimeout`
 * seconds after it was created or its key last cycled (a login), whatever the activity.
 *
 * The two instants live in the session data under keys Django never reads, as whole seconds
 * since the epoch, so a session shared with Django keeps working there (Django does not enforce
 * them). The last-request time is rewritten at most once per {@link refreshInterval}, so an
 * idle timeout does not cost a store write on every request.
 *
 * @module
 */

import type { SessionState } from './session.ts';

/** When the session was created or its key last cycled, in seconds since the epoch. */
export const CREATED_KEY = '_coatcheck_created';
/** When a request last refreshed the session, in seconds since the epoch. */
export const SEEN_KEY = '_coatcheck_seen';

/** The timeouts in force, in seconds; `null` when off. */
export interface Timeouts {
  readonly idleTimeout: number | null;
  readonly absoluteTimeout: number | null;
}

/**
 * Seconds between rewrites of the last-request time: a tenth of the idle timeout, at least 1
 * and at most 60. A session may thus end up to this much later than `idleTimeout` after the
 * last request, never earlier.
 */
export function refreshInterval(idleTimeout: number): number {
  return Math.min(60, Math.max(1, Math.floor(idleTimeout / 10)));
}

/** Whether any timeout is on, so the lifecycle can skip the rest cheaply. */
export function timeoutsOn(timeouts: Timeouts): boolean {
  return timeouts.idleTimeout !== null || timeouts.absoluteTimeout !== null;
}

function instant(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Whether loaded data has outlived a timeout at `now` (seconds since the epoch). */
export function timedOut(
  data: Readonly<Record<string, unknown>>,
  timeouts: Timeouts,
  now: number,
): boolean {
  const { idleTimeout, absoluteTimeout } = timeouts;
  const created = instant(data[CREATED_KEY]);
  if (absoluteTimeout !== null && created !== undefined && now - created >= absoluteTimeout) {
    return true;
  }
  const seen = instant(data[SEEN_KEY]);
  return idleTimeout !== null && seen !== undefined && now - seen >= idleTimeout;
}

function put(state: SessionState, key: string, value: number): void {
  state.data.set(key, value);
  state.changedKeys.add(key);
}

/**
 * A request loaded a live session: refresh its last-request time when the interval has passed,
 * and stamp a session from before the timeouts were turned on. Either marks it touched, so
 * this request saves it (`modified` still says only what the application changed); otherwise
 * nothing is written.
 */
export function touchOnLoad(state: SessionState, timeouts: Timeouts, now: number): void {
  const { idleTimeout, absoluteTimeout } = timeouts;
  let due = false;
  if (absoluteTimeout !== null && instant(state.data.get(CREATED_KEY)) === undefined) {
    put(state, CREATED_KEY, now);
    due = true;
  }
  if (idleTimeout !== null) {
    const seen = instant(state.data.get(SEEN_KEY));
    if (seen === undefined || now - seen >= refreshInterval(idleTimeout)) {
      put(state, SEEN_KEY, now);
      due = true;
    }
  }
  if (due) state.touched = true;
}

/**
 * A session is about to be written. A new record (a new session, or a key just cycled by a
 * login) starts both clocks; a request's write refreshes the last-request time, since it
 * writes anyway. A script's save (`activity` false) is no user activity and leaves it.
 */
export function stampOnSave(
  state: SessionState,
  timeouts: Timeouts,
  now: number,
  activity: boolean,
): void {
  const { idleTimeout, absoluteTimeout } = timeouts;
  const fresh = state.key === null || state.mustCreate;
  if (absoluteTimeout !== null && (fresh || instant(state.data.get(CREATED_KEY)) === undefined)) {
    put(state, CREATED_KEY, now);
  }
  if (
    idleTimeout !== null &&
    (fresh || activity || instant(state.data.get(SEEN_KEY)) === undefined)
  ) {
    put(state, SEEN_KEY, now);
  }
}
