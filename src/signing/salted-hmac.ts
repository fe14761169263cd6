/**
 * Django's `salted_hmac`: an HMAC whose key is derived from a salt and a secret, so one secret
 * yields independent keys per purpose.
 *
 * @module
 */

import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** A secret as Django accepts one: text (used as UTF-8) or raw bytes. */
export type SecretKey = string | Uint8Array;

// Django looks the algorithm up as an attribute of Python's hashlib, so only these names
// exist for it (the shake digests are there too, but have no fixed size for an HMAC).
// Values are the OpenSSL names Node uses for the same digests.
const HASHLIB_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['md5', 'md5'],
  ['sha1', 'sha1'],
  ['sha224', 'sha224'],
  ['sha256', 'sha256'],
  ['sha384', 'sha384'],
  ['sha512', 'sha512'],
  ['sha3_224', 'sha3-224'],
  ['sha3_256', 'sha3-256'],
  ['sha3_384', 'sha3-384'],
  ['sha3_512', 'sha3-512'],
  ['blake2b', 'blake2b512'],
  ['blake2s', 'blake2s256'],
]);

/**
 * Returns the Node.js digest name for a hashlib algorithm name, or throws a `TypeError` with
 * Django's `InvalidAlgorithm` message for a name Django would not accept.
 */
export function resolveAlgorithm(algorithm: string): string {
  const name = HASHLIB_ALGORITHMS.get(algorithm);
  if (name === undefined) {
    throw new TypeError(`'${algorithm}' is not an algorithm accepted by the hashlib module.`);
  }
  return name;
}

function toBytes(value: SecretKey): Buffer {
  return typeof value === 'string'
    ? Buffer.from(value, 'utf8')
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Derives the HMAC key Django uses for `salted_hmac`: the raw digest of `keySalt + secret`. */
export function deriveHmacKey(keySalt: string, secret: SecretKey, digest: string): Buffer {
  return createHash(digest).update(keySalt, 'utf8').update(toBytes(secret)).digest();
}

// Django derives the key on every call; we derive it once per (algorithm, salt, secret).
// Salts come from code, not from requests, so the cache stays small; the bound is a guard.
const derivedKeys = new Map<string, KeyObject>();
const DERIVED_KEYS_LIMIT = 256;

/**
 * {@link deriveHmacKey}, remembered for later calls with the same inputs, as a KeyObject:
 * Node sets up an HMAC from a KeyObject several times faster than from a Buffer.
 */
export function cachedHmacKey(keySalt: string, secret: SecretKey, digest: string): KeyObject {
  const secretId =
    typeof secret === 'string' ? `s${secret}` : `b${toBytes(secret).toString('latin1')}`;
  const id = `${digest}\u0000${keySalt.length}\u0000${keySalt}${secretId}`;
  let key = derivedKeys.get(id);
  if (key === undefined) {
    if (derivedKeys.size >= DERIVED_KEYS_LIMIT) derivedKeys.clear();
    key = createSecretKey(deriveHmacKey(keySalt, secret, digest));
    derivedKeys.set(id, key);
  }
  return key;
}

/**
 * Django's `salted_hmac(key_salt, value, secret, algorithm=...)`, returning the digest.
 *
 * The key is `H(keySalt + secret)` and the result `HMAC_H(key, value)`, with `H` the chosen
 * algorithm. Django's default algorithm here is SHA-1; its signers always pass SHA-256.
 *
 * @example
 * saltedHmac('my-purpose', 'value', process.env.SECRET_KEY, 'sha256').toString('hex');
 */
export function saltedHmac(
  keySalt: string,
  value: string | Uint8Array,
  secret: SecretKey,
  algorithm = 'sha1',
): Buffer {
  const digest = resolveAlgorithm(algorithm);
  return createHmac(digest, cachedHmacKey(keySalt, secret, digest))
    .update(value)
    .digest();
}
