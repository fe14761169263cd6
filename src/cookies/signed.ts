/**
 * Django's signed cookies (`set_signed_cookie` / `get_signed_cookie`): a cookie value with a
 * timestamp and a signature bound to the cookie's name and a salt.
 *
 * @module
 */

import { BadSignature, SignatureExpired } from '../errors.ts';
import type { SecretKey } from '../signing/salted-hmac.ts';
import { timestampSignerFor } from '../signing/signer-cache.ts';
import type { TimestampSigner } from '../signing/timestamp-signer.ts';

/**
 * How the cookie name and salt become the signer's salt. `'v2'` is current Django's
 * (5.2.15+, 6.0.6+): `'django.http.cookies.v2:' + len(salt) + ':' + salt + name`.
 * `'legacy'` is Django 3.2's up to 5.2.14: `name + salt`, under which `('a', salt 'bc')` and
 * `('ab', salt 'c')` share signatures (CVE-2026-6873).
 */
export type CookieSigningScheme = 'v2' | 'legacy';

/** Options of {@link signCookieValue}. */
export interface SignCookieOptions {
  /** The secret. Django's `SECRET_KEY`, to which the cookie signer adds its own prefix. */
  key: SecretKey;
  /**
   * Separates this cookie's signatures from other uses of the same name.
   * @default ''
   */
  salt?: string | undefined;
  /**
   * The salt scheme to write: `'legacy'` only for a Django that cannot read `'v2'` (3.2 up to
   * 5.2.14, 6.0.5).
   * @default 'v2'
   */
  scheme?: CookieSigningScheme | undefined;
}

/** Options of {@link unsignCookieValue}. */
export interface UnsignCookieOptions {
  /** The secret. Django's `SECRET_KEY`. */
  key: SecretKey;
  /** Older secrets still accepted. Django's `SECRET_KEY_FALLBACKS`. */
  fallbackKeys?: readonly SecretKey[] | undefined;
  /**
   * The salt the value was signed with.
   * @default ''
   */
  salt?: string | undefined;
  /** Refuse a value signed more than this many seconds ago. Without it, age is not checked. */
  maxAge?: number | undefined;
  /**
   * Also accept values signed with the legacy salt scheme when the v2 signature does not match
   * (Django's `SIGNED_COOKIE_LEGACY_SALT_FALLBACK`). It reopens CVE-2026-6873, so turn it on
   * only while cookies written by an older Django are still about.
   * @default false, as in Django 6.1; Django 5.2.x and 6.0.x default to true
   */
  legacyFallback?: boolean | undefined;
}

// Django's get_cookie_signer signs with b"django.http.cookies" + SECRET_KEY (bytes concatenated).
const KEY_PREFIX = 'django.http.cookies';
const KEY_PREFIX_BYTES = Buffer.from(KEY_PREFIX, 'utf8');

// Checked here, before the prefix makes every key look non-empty.
function cookieKey(key: SecretKey, option = 'key'): SecretKey {
  if (typeof key === 'string' && key !== '') return KEY_PREFIX + key;
  if (key instanceof Uint8Array && key.length > 0) return Buffer.concat([KEY_PREFIX_BYTES, key]);
  throw new TypeError(
    typeof key === 'string' || key instanceof Uint8Array
      ? `coatcheck: the cookie signing ${option} is empty; pass your SECRET_KEY`
      : `coatcheck: the cookie signing ${option} must be a string or bytes, got ${key === null ? 'null' : typeof key}`,
  );
}

function signerFor(
  salt: string,
  key: SecretKey,
  fallbackKeys: readonly SecretKey[],
): TimestampSigner {
  return timestampSignerFor(
    cookieKey(key),
    salt,
    fallbackKeys.map((fallback) => cookieKey(fallback, 'fallback key')),
  );
}

/** Python's `len()`: code points, a surrogate pair counting once. */
function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

function signerSalt(name: string, salt: string, scheme: CookieSigningScheme): string {
  // The length prefix is what keeps ('a', 'bc') and ('ab', 'c') apart.
  return scheme === 'legacy'
    ? name + salt
    : `django.http.cookies.v2:${codePointLength(salt)}:${salt}${name}`;
}

function checkStrings(caller: string, name: unknown, value: unknown, salt: unknown): void {
  if (typeof name !== 'string') {
    throw new TypeError(
      `coatcheck: ${caller} needs the cookie name as a string, got ${typeof name}`,
    );
  }
  if (typeof value !== 'string') {
    throw new TypeError(`coatcheck: ${caller} needs the value as a string, got ${typeof value}`);
  }
  if (typeof salt !== 'string') {
    throw new TypeError(`coatcheck: ${caller} needs the salt as a string, got ${typeof salt}`);
  }
}

/**
 * Signs a cookie value as Django's `response.set_signed_cookie(name, value, salt=...)` does,
 * returning `value:timestamp:signature` to pass to `serializeCookie`. The value stays readable;
 * the signature only proves that this server wrote it, for this cookie name and salt.
 *
 * @example
 * const signed = signCookieValue('basket', '3', { key: process.env.SECRET_KEY, salt: 'shop' });
 * serializeCookie('basket', signed, { maxAge: 3600 });
 */
export function signCookieValue(name: string, value: string, options: SignCookieOptions): string {
  const { salt = '', scheme = 'v2' } = options;
  checkStrings('signCookieValue', name, value, salt);
  if (scheme !== 'v2' && scheme !== 'legacy') {
    throw new TypeError(
      `coatcheck: signCookieValue scheme must be 'v2' or 'legacy', got ${String(scheme)}`,
    );
  }
  return signerFor(signerSalt(name, salt, scheme), options.key, []).sign(value);
}

/**
 * Returns the value of a cookie signed by {@link signCookieValue} or by Django's
 * `set_signed_cookie`, checked as `request.get_signed_cookie(name, salt=..., max_age=...)`
 * checks it: the v2 salt first, then, with `legacyFallback`, the legacy salt (unless the v2
 * signature matched but expired).
 *
 * @throws BadSignature when the value was not signed for this name and salt with the key or a
 *   fallback key, or was altered.
 * @throws SignatureExpired when it was signed more than `maxAge` seconds ago.
 *
 * @example
 * try {
 *   basket = unsignCookieValue('basket', cookies.basket, { key, salt: 'shop', maxAge: 3600 });
 * } catch (error) {
 *   if (!(error instanceof BadSignature)) throw error;
 *   basket = '0'; // tampered, expired or missing: Django's `default`
 * }
 */
export function unsignCookieValue(
  name: string,
  signed: string,
  options: UnsignCookieOptions,
): string {
  const { key, fallbackKeys = [], salt = '', maxAge, legacyFallback = false } = options;
  checkStrings('unsignCookieValue', name, signed, salt);
  try {
    return signerFor(signerSalt(name, salt, 'v2'), key, fallbackKeys).unsign(signed, { maxAge });
  } catch (error) {
    // An expired v2 value is final: the legacy salt is for values v2 does not recognise at all.
    if (!legacyFallback || !(error instanceof BadSignature) || error instanceof SignatureExpired) {
      throw error;
    }
  }
  return signerFor(signerSalt(name, salt, 'legacy'), key, fallbackKeys).unsign(signed, { maxAge });
}
