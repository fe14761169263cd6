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
const SIGNERS_LIMIT = 256;
let count = 0;

// By key, then by salt: the key and salt strings an application passes are the same objects
// request after request, so both lookups hash nothing new. Keys given as bytes are looked up
// by identity, which at worst makes a second signer for equal bytes.
const byKey = new Map<SecretKey, Map<string, TimestampSigner>>();

// With fallback keys (rotation, rarer) the whole list goes into one id. Length prefixes keep
// ids from running together.
const withFallbacks = new Map<string, TimestampSigner>();

function partId(part: unknown): string {
  let id: string;
  if (typeof part === 'string') id = `s${part}`;
  else if (part instanceof Uint8Array) {
    id = `b${Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('latin1')}`;
  } else {
    throw new TypeError(
      `coatcheck: a signing key must be a string or bytes, got ${part === null ? 'null' : typeof part}`,
    );
  }
  return `${id.length}:${id}`;
}

function remember<K>(
  map: Map<K, TimestampSigner>,
  id: K,
  make: () => TimestampSigner,
): TimestampSigner {
  if (count >= SIGNERS_LIMIT) {
    byKey.clear();
    withFallbacks.clear();
    count = 0;
  }
  const signer = make();
  map.set(id, signer);
  count++;
  return signer;
}

/** The timestamp signer for this key, salt and fallback keys, made once and then reused. */
export function timestampSignerFor(
  key: SecretKey,
  salt: string,
  fallbackKeys: readonly SecretKey[] = [],
): TimestampSigner {
  const make = () => new TimestampSigner({ key, fallbackKeys, salt });
  if (fallbackKeys.length > 0) {
    const id = [salt, key, ...fallbackKeys].map(partId).join('');
    return withFallbacks.get(id) ?? remember(withFallbacks, id, make);
  }
  let bySalt = byKey.get(key);
  if (bySalt === undefined) {
    bySalt = new Map();
    byKey.set(key, bySalt);
  }
  return bySalt.get(salt) ?? remember(bySalt, salt, make);
}
