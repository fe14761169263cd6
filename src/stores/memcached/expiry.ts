/**
 * Memcached's `exptime` for a session record.
 *
 * @module
 */

// Memcached reads an expiry above 30 days as a Unix time (its protocol.txt, "Expiration
// times"); Django's memcached backends switch to one there, and so do we.
const MAX_RELATIVE_EXPIRY = 60 * 60 * 24 * 30;

/**
 * Memcached's `exptime` for a record: the seconds it has left (Django's `get_expiry_age` at
 * save time, rounded up so a record made a few milliseconds ago keeps its whole age), `-1` when
 * it has none left (memcached reads 0 as "never"), and a Unix time past 30 days.
 */
export function memcachedExpiry(expiresAt: Date, now: number = Date.now()): number {
  const seconds = Math.ceil((expiresAt.getTime() - now) / 1000);
  if (seconds <= 0) return -1;
  if (seconds > MAX_RELATIVE_EXPIRY) return seconds + Math.floor(now / 1000);
  return seconds;
}
