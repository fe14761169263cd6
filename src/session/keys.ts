/**
 * Session keys: Django's alphabet and length, drawn from the CSPRNG, and the checks a key
 * from a cookie must pass before any store is asked about it.
 *
 * @module
 */

import { randomFillSync } from 'node:crypto';

/** Django's `VALID_KEY_CHARS`: the 36 characters session keys are drawn from. */
export const VALID_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Django's key length. */
export const SESSION_KEY_LENGTH = 32;

// 252 is the largest multiple of 36 below 256: bytes from 252 up are redrawn, so every
// character is equally likely (no modulo bias).
const UNBIASED_LIMIT = 252;
const pool = new Uint8Array(256);
let poolAt = pool.length;

function randomByte(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  // biome-ignore lint/style/noNonNullAssertion: poolAt is always inside the pool here.
  return pool[poolAt++]!;
}

/** A new session key: 32 characters of `[a-z0-9]` from the operating system's CSPRNG. */
export function generateSessionKey(): string {
  let key = '';
  while (key.length < SESSION_KEY_LENGTH) {
    const byte = randomByte();
    if (byte < UNBIASED_LIMIT) key += VALID_KEY_CHARS.charAt(byte % 36);
  }
  return key;
}

/**
 * Django's rule for keeping a key (`_validate_session_key`): any string of at least eight
 * characters. Shorter ones are treated as no key at all.
 */
export function isValidSessionKey(key: string | null | undefined): key is string {
  return typeof key === 'string' && key.length >= 8;
}

// Django's db column is varchar(40) and its file engine refuses anything outside
// VALID_KEY_CHARS (path traversal). Keys Django and coatcheck generate always pass.
const WELL_FORMED_KEY = /^[a-z0-9]{8,40}$/;

/**
 * Whether a key from a cookie may be looked up in a server-side store: 8 to 40 characters of
 * `[a-z0-9]`. Anything else cannot name a stored session, so it costs no store round trip.
 */
export function isWellFormedSessionKey(key: string): boolean {
  return WELL_FORMED_KEY.test(key);
}
