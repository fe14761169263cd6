/**
 * How session data becomes the text a store keeps, and back.
 *
 * Django's encoding (`SessionBase.encode`) is `signing.dumps` of the data with the store's
 * salt and compression; coatcheck writes it by default so Django can read what coatcheck
 * stores. A plain JSON encoding is there for stores Django never shares.
 *
 * @module
 */

import { BadSignature } from '../errors.ts';
import type { SecretKey } from '../signing/salted-hmac.ts';
import { TimestampSigner } from '../signing/timestamp-signer.ts';
import type { SessionData } from './data.ts';
import type { SessionLogger } from './logger.ts';

/** Encodes session data for a store, and decodes it. */
export interface SessionCodec {
  /** A short name for logs and the CLI: `django` or `json`. */
  readonly name: string;
  encode(data: SessionData): string;
  /**
   * Decodes stored text. Never throws: data that is tampered with or unreadable decodes to
   * an empty session, as in Django, and tampering is reported to the logger.
   */
  decode(text: string): SessionData;
}

/**
 * The key salt of Django's db, cached_db and file engines: `django.contrib.sessions.` plus the
 * store class name, which is `SessionStore` for all three.
 */
export const DJANGO_SESSION_SALT = 'django.contrib.sessions.SessionStore';

/** Options of {@link djangoSessionCodec}. */
export interface DjangoCodecOptions {
  secretKey: SecretKey;
  fallbackKeys?: readonly SecretKey[] | undefined;
  /** @default 'django.contrib.sessions.SessionStore' */
  salt?: string | undefined;
  logger: SessionLogger;
}

function isSessionData(value: unknown): value is SessionData {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sessions shorter than this (as JSON) are stored uncompressed. Django offers every session to
 * zlib; below this size deflating costs more than signing and saves a few bytes at best, and
 * Django reads both forms.
 */
export const COMPRESS_FROM_BYTES = 128;

/** Django's session encoding: signed, timestamped, compressed when that helps. */
export function djangoSessionCodec(options: DjangoCodecOptions): SessionCodec {
  const { secretKey: key, fallbackKeys, logger } = options;
  const salt = options.salt ?? DJANGO_SESSION_SALT;
  const signer = new TimestampSigner({ key, fallbackKeys, salt });
  return {
    name: 'django',
    encode: (data) =>
      signer.signObject(data, { compress: true, compressFrom: COMPRESS_FROM_BYTES }),
    decode(text) {
      try {
        const data = signer.unsignObject(text);
        return isSessionData(data) ? data : {};
      } catch (error) {
        // Django logs a bad signature as suspicious and drops unreadable data silently.
        if (error instanceof BadSignature) logger.warn('Session data corrupted');
        return {};
      }
    },
  };
}

/**
 * Plain JSON: the fastest encoding, for stores no Django process reads. Decoding makes a
 * fresh copy, so a value changed in place is never saved behind the application's back.
 */
export function jsonSessionCodec(logger?: SessionLogger): SessionCodec {
  return {
    name: 'json',
    encode: (data) => JSON.stringify(data),
    decode(text) {
      try {
        const data: unknown = JSON.parse(text);
        return isSessionData(data) ? data : {};
      } catch {
        logger?.warn('Session data is not JSON');
        return {};
      }
    },
  };
}
