/**
 * Django's `signing.dumps` / `signing.loads`: a value as a signed, URL-safe token.
 *
 * Wire format: `[.]base64url(json | zlib(json)) ":" base62(unix seconds) ":" signature`, the
 * signature being the base64url HMAC-SHA256 of everything before the last colon, keyed with
 * `sha256(salt + "signer" + key)`. A leading `.` marks a compressed payload.
 *
 * @module
 */

import type { SecretKey } from './salted-hmac.ts';
import type { Serializer } from './serializer.ts';
import { TimestampSigner } from './timestamp-signer.ts';

/** Django's default salt for `dumps` and `loads`. */
export const DEFAULT_DUMPS_SALT = 'django.core.signing';

/** Options of {@link dumps}. */
export interface DumpsOptions {
  /** The secret. Django's `SECRET_KEY`. */
  key: SecretKey;
  /**
   * @default 'django.core.signing'. An empty salt means the signer's own default, as in
   * Django: `django.core.signing.TimestampSigner`.
   */
  salt?: string | undefined;
  /** Deflate the JSON when that makes it shorter. @default false */
  compress?: boolean | undefined;
  /** @default JSONSerializer */
  serializer?: Serializer | undefined;
}

/** Options of {@link loads}. */
export interface LoadsOptions {
  /** The secret. Django's `SECRET_KEY`. */
  key: SecretKey;
  /** Older secrets still accepted. Django's `SECRET_KEY_FALLBACKS`. */
  fallbackKeys?: readonly SecretKey[] | undefined;
  /** @default 'django.core.signing' */
  salt?: string | undefined;
  /** Refuse tokens older than this many seconds. Django sets no default. */
  maxAge?: number | undefined;
  /** @default JSONSerializer */
  serializer?: Serializer | undefined;
}

// dumps/loads are called per request with the same few keys and salts, and building a
// signer derives its HMAC keys, so signers are kept: by key, then by salt and fallback keys.
// Keys and salts come from code, not from clients; the bound only guards against misuse.
const signers = new Map<SecretKey, Map<string, TimestampSigner>>();
const SIGNERS_LIMIT = 64;

function signerFor(
  key: SecretKey,
  salt: string,
  fallbackKeys?: readonly SecretKey[],
): TimestampSigner {
  const id =
    fallbackKeys === undefined || fallbackKeys.length === 0
      ? salt
      : `${salt}\u0000${fallbackKeys.map((k) => (typeof k === 'string' ? `s${k}` : `b${Buffer.from(k).toString('hex')}`)).join('\u0000')}`;
  let bySalt = signers.get(key);
  if (bySalt === undefined) {
    if (signers.size >= SIGNERS_LIMIT) signers.clear();
    bySalt = new Map();
    signers.set(key, bySalt);
  }
  let signer = bySalt.get(id);
  if (signer === undefined) {
    if (bySalt.size >= SIGNERS_LIMIT) bySalt.clear();
    signer = new TimestampSigner({ key, salt, fallbackKeys });
    bySalt.set(id, signer);
  }
  return signer;
}

/**
 * Returns a URL-safe, signed, timestamped token holding `value`, byte-compatible with
 * Django's `signing.dumps`.
 *
 * @example
 * const token = dumps({ user: 42 }, { key: process.env.SECRET_KEY });
 * loads(token, { key: process.env.SECRET_KEY, maxAge: 3600 }); // { user: 42 }
 */
export function dumps(value: unknown, options: DumpsOptions): string {
  const signer = signerFor(options.key, options.salt ?? DEFAULT_DUMPS_SALT);
  return signer.signObject(value, { compress: options.compress, serializer: options.serializer });
}

/**
 * Verifies and decodes a token from {@link dumps} or Django's `signing.dumps`. Throws
 * `BadSignature` when it was tampered with or signed with another key or salt, and
 * `SignatureExpired` when it is older than `maxAge` seconds.
 */
export function loads(token: string, options: LoadsOptions): unknown {
  const signer = signerFor(options.key, options.salt ?? DEFAULT_DUMPS_SALT, options.fallbackKeys);
  return signer.unsignObject(token, { maxAge: options.maxAge, serializer: options.serializer });
}
