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
import { timestampSignerFor } from './signer-cache.ts';

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

/**
 * Returns a URL-safe, signed, timestamped token holding `value`, byte-compatible with
 * Django's `signing.dumps`.
 *
 * @example
 * const token = dumps({ user: 42 }, { key: process.env.SECRET_KEY });
 * loads(token, { key: process.env.SECRET_KEY, maxAge: 3600 }); // { user: 42 }
 */
export function dumps(value: unknown, options: DumpsOptions): string {
  const signer = timestampSignerFor(options.key, options.salt ?? DEFAULT_DUMPS_SALT);
  return signer.signObject(value, { compress: options.compress, serializer: options.serializer });
}

/**
 * Verifies and decodes a token from {@link dumps} or Django's `signing.dumps`. Throws
 * `BadSignature` when it was tampered with or signed with another key or salt, and
 * `SignatureExpired` when it is older than `maxAge` seconds.
 */
export function loads(token: string, options: LoadsOptions): unknown {
  const signer = timestampSignerFor(
    options.key,
    options.salt ?? DEFAULT_DUMPS_SALT,
    options.fallbackKeys,
  );
  return signer.unsignObject(token, { maxAge: options.maxAge, serializer: options.serializer });
}
