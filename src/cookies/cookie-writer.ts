/**
 * The `Set-Cookie` line of one cookie set over and over with the same attributes: the session
 * cookie, on every response that saves a session.
 *
 * `serializeCookie` checks every option and assembles every attribute on each call. Here they
 * are checked once, when the writer is made; each line then reuses the attribute text for as
 * long as the expiry date and age it carries stay the same (a second, typically), and only the
 * value changes. The lines are byte for byte `serializeCookie`'s.
 *
 * @module
 */

import { httpDate } from './http-date.ts';
import { quoteCookieValue } from './quote.ts';
import { type SerializeCookieOptions, serializeCookie } from './serialize.ts';

/** The options a writer fixes: everything but the age. */
export type FixedCookieOptions = Omit<SerializeCookieOptions, 'maxAge' | 'expires'>;

/** Writes `name`'s line for a value and an age in seconds (`undefined`: a browser-session cookie). */
export type CookieWriter = (value: string, maxAge: number | undefined) => string;

// A line longer than this may be over the browsers' 4096 bytes; serializeCookie measures it.
const SHORT_LINE = 1024;

/**
 * Makes the writer of `name`'s lines. Throws here, as `serializeCookie` would, when the name
 * or an option is invalid.
 */
export function cookieWriter(name: string, options: FixedCookieOptions): CookieWriter {
  const empty = serializeCookie(name, '', options);
  // What follows the value; the empty value is written `""`.
  const valueEnd = name.length + 1 + quoteCookieValue('').length;
  const sessionOnly = empty.slice(valueEnd);
  let lastMaxAge: number | undefined;
  let lastExpires: string | undefined;
  let lastAttributes = '';

  const attributes = (maxAge: number): string => {
    const expires = httpDate(Date.now() / 1000 + maxAge);
    if (maxAge !== lastMaxAge || expires !== lastExpires || expires === undefined) {
      lastAttributes = serializeCookie(name, '', { ...options, maxAge }).slice(valueEnd);
      lastMaxAge = maxAge;
      lastExpires = expires;
    }
    return lastAttributes;
  };

  return (value, maxAge) => {
    const line = `${name}=${quoteCookieValue(value)}${maxAge === undefined ? sessionOnly : attributes(maxAge)}`;
    // A long line goes through serializeCookie, which measures it and refuses one too big.
    return line.length <= SHORT_LINE ? line : serializeCookie(name, value, { ...options, maxAge });
  };
}
