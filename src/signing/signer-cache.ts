/**
 * Timestamp signers kept for reuse by the functions that sign on every request (`dumps`,
 * `loads`, signed cookies): building a signer derives its HMAC keys, which is the slow part.
 *
 * @module
 */

import type { SecretKey } from './salted-hmac.ts';
import { TimestampSigner } from './timestamp-signer.ts';

// Keys and salts come from code, but a salt may include a name taken from a request (a
// cookie name, say), so the number of signers kept is bounded.
const signers = new Map<string, TimestampSigner>();
const SIGNERS_LIMIT = 256;

/** A cache id for a key, checking its type; length-prefixed so that ids cannot run together. */
function keyId(key: unknown, option: string): string {
  let id: string;
  if (typeof key === 'string') id = `s${key}`;
  else if (key instanceof Uint8Array) {
    id = `b${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`;
  } else {
    throw new TypeError(
      `coatcheck: the signing ${option} must be a string or bytes, got ${key === null ? 'null' : typeof key}`,
    );
  }
  if (id.length === 1)
    throw new TypeError(`coatcheck: the signing ${option} is empty; pass your SECRET_KEY`);
  return `${id.length}:${id}`;
}

/** The timestamp signer for this key, salt and fallback keys, made once and then reused. */
export function timestampSignerFor(
  key: SecretKey,
  salt: string,
  fallbackKeys: readonly SecretKey[] = [],
): TimestampSigner {
  let id = `${salt.length}:${salt}${keyId(key, 'key')}`;
  for (const fallbackKey of fallbackKeys) id += keyId(fallbackKey, 'fallback key');
  let signer = signers.get(id);
  if (signer === undefined) {
    if (signers.size >= SIGNERS_LIMIT) signers.clear();
    signer = new TimestampSigner({ key, fallbackKeys, salt });
    signers.set(id, signer);
  }
  return signer;
}
