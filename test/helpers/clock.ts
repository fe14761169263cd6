/**
 * Pins the clock coatcheck reads (`Date.now()`), the way the Django vectors pinned `time.time()`.
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
