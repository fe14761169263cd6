/**
 * Django's `http_date`: a Unix time as an IMF-fixdate, the date format of `expires`.
 *
 * @module
 */

// Python's datetime range, which Django's http_date is bound by (it raises outside it).
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

let lastSecond = Number.NaN;
let lastDate: string | undefined;

/**
 * Formats Unix seconds as `Wdy, DD Mon YYYY HH:MM:SS GMT` (RFC 9110 §5.6.7), the way Django's
 * `http_date` (`email.utils.formatdate(t, usegmt=True)`) does: English names, a zero-padded
 * day and a four-digit year, fractions of a second dropped. Returns `undefined` for a time
 * outside the years 1 to 9999, where Python raises.
 */
export function httpDate(seconds: number): string | undefined {
  let whole = Math.floor(seconds);
  // Python's datetime.fromtimestamp rounds to the microsecond first, so 10.9999997 is 11.
  if (Math.round((seconds - whole) * 1e6) >= 1e6) whole += 1;
  // Every response that saves a session formats "now + the cookie age": the same second,
  // request after request. One remembered result spares a Date and a toUTCString each time.
  if (whole === lastSecond) return lastDate;
  const date = new Date(whole * 1000);
  const year = date.getUTCFullYear();
  if (!(year >= MIN_YEAR && year <= MAX_YEAR)) return undefined;
  // ECMA-262 defines toUTCString as exactly this format (since ES2018).
  lastSecond = whole;
  lastDate = date.toUTCString();
  return lastDate;
}
