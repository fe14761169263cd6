/**
 * `coatcheck/stores/signed-cookie`: Django's `signed_cookies` engine. The session data itself
 * travels in the cookie, signed (never encrypted: the user can read it, not change it), so
 * nothing is stored on the server.
 *
 * Wire-compatible with Django: the same salt, compression and maximum age, so a Django app
 * with the same `SECRET_KEY` reads these sessions and writes ones coatcheck reads.
 *
 * Mind what Django's documentation says about this engine: a cookie cannot be revoked (an
 * old one stays valid until it expires, even after logout), and everything in it is visible
 * to the user.
 *
 * @module
 */

import { CookieTooLarge } from '../errors.ts';
import type { SessionData } from '../session/data.ts';
import { signSession, unsignSession } from '../session/encoding.ts';
import type { Engine, EngineContext, EngineProvider, LoadedSession } from '../session/engine.ts';
import { pythonJsonStringify } from '../signing/python-json.ts';
import { TimestampSigner } from '../signing/timestamp-signer.ts';

/** The salt of Django's signed-cookie sessions. */
export const SIGNED_COOKIE_SESSION_SALT = 'django.contrib.sessions.backends.signed_cookies';

// The whole Set-Cookie line the response sends is held to 4096 bytes (see serializeCookie).
const COOKIE_LIMIT = 4096;
// Room for the attributes when the lifecycle does not say what they are (an engine opened
// outside createSessions).
const ATTRIBUTE_ALLOWANCE = 200;
// Base64 of the JSON, plus ":" + base62 timestamp + ":" + 43-character signature.
const SIGNATURE_OVERHEAD = 1 + 8 + 1 + 43;

// The most characters JSON can take to write a string: quotes, and six for each character
// escaped as \uXXXX.
const stringBound = (text: string) => text.length * 6 + 2;

/**
 * An upper bound of the JSON length of `data` as Python writes it, reached without writing it:
 * a number takes at most 24 characters (`-1.7976931348623157e+308`, `-Infinity`), a boolean or
 * null at most 5. Infinity (no bound) for a nested value, or once past `limit`.
 */
function flatJsonBound(data: ReadonlyMap<string, unknown>, limit: number): number {
  let length = 2;
  for (const [key, value] of data) {
    length += stringBound(key) + 2; // ': ' after the key, ', ' after the value
    if (typeof value === 'string') length += stringBound(value);
    else if (typeof value === 'number') length += 24;
    else if (typeof value === 'boolean' || value === null) length += 5;
    else return Number.POSITIVE_INFINITY;
    if (length > limit) return Number.POSITIVE_INFINITY;
  }
  return length;
}

function open(context: EngineContext): Engine {
  const signer = new TimestampSigner({
    key: context.secretKey,
    fallbackKeys: context.secretKeyFallbacks,
    salt: SIGNED_COOKIE_SESSION_SALT,
  });
  // The value's budget, from the real line: everything but the value (name, attributes, the
  // Max-Age of the full cookie age; a per-session expiry cannot outlive it, ticket #19201)
  // has the same length for every session. The value is ASCII, one byte a character.
  const line = context.sessionCookieLine?.('');
  const budget =
    line === undefined
      ? COOKIE_LIMIT - context.cookieName.length - 1 - ATTRIBUTE_ALLOWANCE
      : COOKIE_LIMIT - Buffer.byteLength(line, 'utf8');
  const encode = (data: SessionData, origin?: unknown) => signSession(signer, data, origin);

  return {
    name: 'signed-cookie',

    // Signing is all local work: load and save answer synchronously.
    load(cookieValue: string): LoadedSession {
      try {
        // Only the global age is enforced here, not a per-session expiry: Django ticket #19201.
        const decoded = unsignSession(signer, cookieValue, context.policy.cookieAge);
        if (decoded !== undefined) return { key: cookieValue, ...decoded };
      } catch {
        // Bad signature, expired, or unreadable: reported below, the session starts over.
      }
      context.logger.warn('Signed session cookie rejected; starting a new session');
      // As Django does: keep the key, mark the session modified, so the response replaces the
      // bad cookie with one holding an empty session.
      return { key: cookieValue, data: {}, modified: true };
    },

    save(request) {
      return encode(request.data, request.origin);
    },

    // Old cookies cannot be revoked; they stay valid until their timestamp expires.
    async discard() {},

    checkData(data) {
      // Uncompressed base64 is the most the value can take: when that fits, it fits. The JSON's
      // length is bounded without writing it first where the data is flat (what most sessions
      // hold), since this runs at every set().
      const fits = (jsonLength: number) =>
        Math.ceil((jsonLength * 4) / 3) + SIGNATURE_OVERHEAD <= budget;
      if (fits(flatJsonBound(data, budget))) return;
      const record = Object.fromEntries(data);
      if (fits(pythonJsonStringify(record).length)) return;
      const size = encode(record).length;
      if (size > budget) {
        throw new CookieTooLarge(
          `coatcheck: the session no longer fits in the ${context.cookieName} cookie (${size} bytes of ` +
            `signed data, ${budget} allowed with its attributes); keep less in it or use a server-side store`,
        );
      }
    },
  };
}

/**
 * The engine that keeps sessions in signed cookies, as Django's `signed_cookies` engine.
 *
 * @example
 * const sessions = createSessions({ secretKey, engine: signedCookies() });
 */
export function signedCookies(): EngineProvider {
  return { kind: 'engine', name: 'signed-cookie', open };
}
