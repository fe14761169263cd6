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
import {
  type MemberTexts,
  type ParsedWithMembers,
  pythonJsonParseWithMembers,
  pythonJsonStringifyWithMembers,
} from '../signing/python-json.ts';
import type { SecretKey } from '../signing/salted-hmac.ts';
import { JSONSerializer, type Serializer } from '../signing/serializer.ts';
import { TimestampSigner } from '../signing/timestamp-signer.ts';
import type { SessionData } from './data.ts';
import type { SessionLogger } from './logger.ts';

/** Session data as a codec decoded it, with what it needs to write unchanged values back. */
export interface DecodedSession {
  data: SessionData;
  /**
   * What {@link SessionCodec.encode} needs to write the values the application leaves alone
   * exactly as they were read; `undefined` when writing them afresh gives the same text (almost
   * always). Opaque: pass it back to the codec that made it.
   */
  origin: unknown;
}

/** Encodes session data for a store, and decodes it. */
export interface SessionCodec {
  /** A short name for logs and the CLI: `django` or `json`. */
  readonly name: string;
  /**
   * Encodes session data. With the `origin` this codec's {@link decodeWithOrigin} returned, each
   * value still equal to what was read is written as the very text it was read from (a Python
   * `1.0` stays `1.0`, a dict keeps its key order), and keys keep their stored order.
   */
  encode(data: SessionData, origin?: unknown): string;
  /**
   * Decodes stored text. Never throws: data that is tampered with or unreadable decodes to
   * an empty session, as in Django, and tampering is reported to the logger.
   */
  decode(text: string): SessionData;
  /** {@link decode}, with the origin that lets {@link encode} keep unchanged values exact. */
  decodeWithOrigin(text: string): DecodedSession;
}

/** The origin of JSON session data: the stored text of each top-level value. */
class JsonOrigin {
  readonly members: MemberTexts;

  constructor(members: MemberTexts) {
    this.members = members;
  }
}

function originOf(members: MemberTexts | undefined): JsonOrigin | undefined {
  return members === undefined ? undefined : new JsonOrigin(members);
}

// Reads Python JSON with its members: the serializer of a decode that keeps an origin.
const READ_WITH_MEMBERS = Object.freeze({
  dumps: JSONSerializer.dumps,
  loads: (data: Buffer): ParsedWithMembers => pythonJsonParseWithMembers(data.toString('latin1')),
}) satisfies Serializer;

// Writes Python JSON keeping the text of unchanged members; `undefined` when there is no origin,
// so the common case takes the default serializer and no comparisons.
function writeWithOrigin(origin: unknown): Serializer | undefined {
  if (!(origin instanceof JsonOrigin)) return undefined;
  return {
    dumps: (value) =>
      Buffer.from(
        pythonJsonStringifyWithMembers(value as Record<string, unknown>, origin.members),
        'latin1',
      ),
    loads: JSONSerializer.loads,
  };
}

/**
 * Signs session data as Django does (`signing.dumps` with compression), keeping the stored text
 * of unchanged values when `origin` (from {@link unsignSession}) has it. For the engines that
 * sign sessions: the Django codec here, and the signed-cookie engine.
 */
export function signSession(signer: TimestampSigner, data: SessionData, origin: unknown): string {
  return signer.signObject(data, {
    compress: true,
    compressFrom: COMPRESS_FROM_BYTES,
    serializer: writeWithOrigin(origin),
  });
}

/**
 * Verifies and decodes signed session data, keeping its origin; `undefined` when the payload
 * is not a session (not a JSON object). Throws as `unsignObject` does.
 */
export function unsignSession(
  signer: TimestampSigner,
  text: string,
  maxAge?: number,
): DecodedSession | undefined {
  const parsed = signer.unsignObject(text, {
    maxAge,
    serializer: READ_WITH_MEMBERS,
  }) as ParsedWithMembers;
  return isSessionData(parsed.value)
    ? { data: parsed.value, origin: originOf(parsed.members) }
    : undefined;
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
  const decodeWithOrigin = (text: string): DecodedSession => {
    try {
      return unsignSession(signer, text) ?? { data: {}, origin: undefined };
    } catch (error) {
      // Django logs a bad signature as suspicious and drops unreadable data silently.
      if (error instanceof BadSignature) logger.warn('Session data corrupted');
      return { data: {}, origin: undefined };
    }
  };
  return {
    name: 'django',
    encode: (data, origin) => signSession(signer, data, origin),
    decode: (text) => decodeWithOrigin(text).data,
    decodeWithOrigin,
  };
}

// JSON.rawJSON (Node 21 and later) lets JSON.stringify write a BigInt's digits as a number.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A `JSON.stringify` replacer that writes a `BigInt` as the integer it is, digit for digit. */
export function bigIntAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? rawJSON(value.toString()) : value;
}

function stringifyPlain(data: SessionData): string {
  try {
    return JSON.stringify(data);
  } catch (error) {
    // Only data holding a BigInt pays for the replacer.
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(data, bigIntAsNumber);
  }
}

/**
 * Plain JSON: the fastest encoding, for stores no Django process reads. Decoding makes a
 * fresh copy, so a value changed in place is never saved behind the application's back.
 * Integers beyond 2^53 load as BigInts and are written back as integers.
 */
export function jsonSessionCodec(logger?: SessionLogger): SessionCodec {
  const decodeWithOrigin = (text: string): DecodedSession => {
    try {
      const { value, members } = pythonJsonParseWithMembers(text);
      return isSessionData(value)
        ? { data: value, origin: originOf(members) }
        : { data: {}, origin: undefined };
    } catch {
      logger?.warn('Session data is not JSON');
      return { data: {}, origin: undefined };
    }
  };
  return {
    name: 'json',
    encode: (data, origin) =>
      origin instanceof JsonOrigin
        ? pythonJsonStringifyWithMembers(data, origin.members)
        : stringifyPlain(data),
    decode: (text) => decodeWithOrigin(text).data,
    decodeWithOrigin,
  };
}
