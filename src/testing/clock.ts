/**
 * Pins the clock coatcheck reads (`Date.now()`), the way the Django vectors pinned `time.time()`.
 *
 * @module
 */

/** Runs `fn` with `Date.now()` returning `seconds` since the epoch, then restores the clock. */
export function atTime<T>(seconds: number, fn: () => T): T {
  const realNow = Date.now;
  Date.now = () => seconds * 1000;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

/** Runs `fn` with `Date.now()` pinned to `seconds` for as long as its promise runs. */
export async function atTimeAsync<T>(seconds: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => seconds * 1000;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}
