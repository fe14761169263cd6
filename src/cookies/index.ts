/**
 * `coatcheck/cookies`: Django's cookie handling, byte for byte with `django.http`.
 *
 * {@link parseCookies} reads a `Cookie` header as Django's `parse_cookie` does (last duplicate
 * wins, quotes removed, no percent-decoding) and never throws. {@link serializeCookie} and
 * {@link deleteCookie} write `Set-Cookie` values exactly as Django's `set_cookie` and
 * `delete_cookie` do, and refuse what browsers would drop. {@link signCookieValue} and
 * {@link unsignCookieValue} are Django's signed cookies, in the current (v2) or legacy salt
 * scheme. Depends on the signing layer (`coatcheck/signing`) and the `cookie` package.
 *
 * @module
 */

export { CookieTooLarge, InvalidCookie } from '../errors.ts';
export { parseCookies } from './parse.ts';
export {
  type CookiePriority,
  type DeleteCookieOptions,
  deleteCookie,
  type SameSite,
  type SerializeCookieOptions,
  serializeCookie,
} from './serialize.ts';
export {
  type CookieSigningScheme,
  type SignCookieOptions,
  signCookieValue,
  type UnsignCookieOptions,
  unsignCookieValue,
} from './signed.ts';
