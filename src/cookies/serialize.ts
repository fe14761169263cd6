/**
 * Django's `set_cookie` and `delete_cookie`: one `Set-Cookie` value each, byte for byte what
 * Django's `Morsel` prints, refusing any cookie a browser would drop.
 *
 * @module
 */

import { stringifySetCookie } from 'cookie';
import { CookieTooLarge, InvalidCookie } from '../errors.ts';
import { httpDate } from './http-date.ts';
import { isLegalCookieName, quoteCookieValue } from './quote.ts';

/**
 * A `SameSite` value. Any case is accepted and written as given, as Django does, so
 * `'strict'` prints `SameSite=strict`.
 */
export type SameSite = 'Lax' | 'Strict' | 'None' | 'lax' | 'strict' | 'none';

/** A `Priority` value (Chrome's cookie priority). Any case is accepted; it prints capitalized. */
export type CookiePriority = 'Low' | 'Medium' | 'High' | 'low' | 'medium' | 'high';

/** Options of {@link serializeCookie}: the parameters of Django's `set_cookie`, camelCased. */
export interface SerializeCookieOptions {
  /**
   * Lifetime in seconds, truncated toward zero. Written as `Max-Age` and, as Django does for old
   * browsers, as an `expires` date that many seconds from now. Zero or less expires the cookie.
   */
  maxAge?: number | undefined;
  /**
   * When the cookie expires. As Django does with a datetime, it is turned into a `maxAge` from
   * now (rounded so the printed date is `expires`, never negative), and both are written.
   * Cannot be combined with `maxAge`.
   */
  expires?: Date | undefined;
  /**
   * The `Path` attribute; `null` or `''` leaves it out (Django's `path=None`).
   * @default '/'
   */
  path?: string | null | undefined;
  /** The `Domain` attribute; omitted, the cookie is sent to this host only. */
  domain?: string | null | undefined;
  /** Send only over HTTPS. @default false */
  secure?: boolean | undefined;
  /** Hide from JavaScript (`document.cookie`). @default false */
  httpOnly?: boolean | undefined;
  /** The `SameSite` attribute; `false` or omitted leaves it out. `'None'` needs `secure`. */
  sameSite?: SameSite | false | null | undefined;
  /** CHIPS: keep the cookie per top-level site. Needs `secure`. Not in Django. @default false */
  partitioned?: boolean | undefined;
  /** The `Priority` attribute, for Chrome's eviction order. Not in Django. */
  priority?: CookiePriority | undefined;
}

/** Options of {@link deleteCookie}: they must match those the cookie was set with. */
export interface DeleteCookieOptions {
  /**
   * The `Path` the cookie was set with; `null` or `''` leaves it out.
   * @default '/'
   */
  path?: string | null | undefined;
  /** The `Domain` the cookie was set with. */
  domain?: string | null | undefined;
  /** The `SameSite` the cookie was set with; `'None'` adds `Secure`, as in Django. */
  sameSite?: SameSite | false | null | undefined;
  /** Delete a partitioned (CHIPS) cookie, which only a partitioned `Set-Cookie` reaches. Adds `Secure`. Not in Django. @default false */
  partitioned?: boolean | undefined;
}

/** What {@link assemble} writes; empty strings and `false` are left out. */
interface Attributes {
  domain: string;
  expires: string;
  httpOnly: boolean;
  maxAge: string;
  path: string;
  sameSite: string;
  secure: boolean;
  partitioned: boolean;
  priority: string;
}

// Python's Morsel reserves its attribute names (case-insensitively) so that a cookie cannot be
// mistaken for one; Partitioned (reserved by Python 3.14's Morsel) and Priority are our
// attributes too, so they are reserved as well.
const RESERVED_NAMES = new Set([
  'expires',
  'path',
  'comment',
  'domain',
  'max-age',
  'secure',
  'httponly',
  'version',
  'samesite',
  'partitioned',
  'priority',
]);

const PRIORITIES: ReadonlyMap<string, string> = new Map([
  ['low', 'Low'],
  ['medium', 'Medium'],
  ['high', 'High'],
]);

// Django's delete_cookie writes this literal rather than formatting time 0.
const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';

// RFC 6265 §6.1 asks browsers to keep at least 4096 bytes per cookie "as measured by the sum of
// the length of the cookie's name, value, and attributes", and that is what we measure: the
// whole serialized line, as UTF-8. Chrome and Firefox (RFC 6265bis §5.6, §5.7) count only name
// plus value against 4096, so a line we accept is always kept; past the limit they drop the
// cookie without telling anyone. They also ignore any attribute value over 1024 bytes, which
// for us can only be a long path (a domain name is at most 253 characters).
const MAX_BYTES = 4096;
const MAX_ATTRIBUTE_BYTES = 1024;
// A UTF-16 code unit is at most 3 bytes of UTF-8, so a line this short cannot be too large.
const SAFE_LENGTH = Math.floor(MAX_BYTES / 3);

function quoted(text: string): string {
  return JSON.stringify(text);
}

function invalid(name: string, problem: string, cause?: unknown): InvalidCookie {
  return new InvalidCookie(
    `Cookie ${quoted(name)}: ${problem}`,
    cause === undefined ? undefined : { cause },
  );
}

function checkName(name: string, caller: string): void {
  if (typeof name !== 'string') {
    throw new TypeError(
      `coatcheck: ${caller} needs the cookie name as a string, got ${typeof name}`,
    );
  }
  if (!isLegalCookieName(name)) {
    throw invalid(
      name,
      "a cookie name must be one or more of the characters A-Z a-z 0-9 !#$%&'*+-.^_`|~: (Django's rule)",
    );
  }
  if (name.length >= 4 && name.length <= 11 && RESERVED_NAMES.has(name.toLowerCase())) {
    throw invalid(name, 'this is the name of a cookie attribute, which cannot be a cookie name');
  }
}

function flag(value: unknown, option: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    throw new TypeError(
      `coatcheck: cookie option ${option} must be a boolean, got ${typeof value}`,
    );
  }
  return value;
}

// An application sets its cookies with a handful of paths and domains, over and over: each is
// checked once and remembered (a bounded set, in case paths come from requests).
const acceptedLocations = new Set<string>();
const ACCEPTED_LOCATIONS_LIMIT = 256;

/** Returns the attribute value of `domain` or `path`, checked with the `cookie` package. */
function location(name: string, option: 'domain' | 'path', value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string') {
    throw new TypeError(`coatcheck: cookie option ${option} must be a string, got ${typeof value}`);
  }
  const id = `${option}:${value}`;
  if (acceptedLocations.has(id)) return value;
  try {
    // `cookie` enforces RFC 6265 §4.1.1 here: a domain of letters, digits, hyphens and dots; a
    // path of printable ASCII without `;` (nor `<`). Either way no CR, LF or `;` can get in.
    stringifySetCookie(
      option === 'domain'
        ? { name: 'n', value: '', domain: value }
        : { name: 'n', value: '', path: value },
    );
  } catch (error) {
    throw invalid(name, `${option} ${quoted(value)} is not valid in a Set-Cookie header`, error);
  }
  // Both are ASCII once `cookie` accepted them, so characters are bytes.
  if (value.length > MAX_ATTRIBUTE_BYTES) {
    throw invalid(
      name,
      `${option} is ${value.length} bytes; browsers ignore attribute values over ${MAX_ATTRIBUTE_BYTES}`,
    );
  }
  if (acceptedLocations.size >= ACCEPTED_LOCATIONS_LIMIT) acceptedLocations.clear();
  acceptedLocations.add(id);
  return value;
}

function sameSiteOf(name: string, value: unknown): string {
  // Django writes SameSite only when the value is truthy.
  if (value === undefined || value === null || value === false || value === '') return '';
  if (typeof value !== 'string') {
    throw new TypeError(
      `coatcheck: cookie option sameSite must be a string or false, got ${typeof value}`,
    );
  }
  const lower = value.toLowerCase();
  if (lower !== 'lax' && lower !== 'strict' && lower !== 'none') {
    throw invalid(
      name,
      `sameSite must be "lax", "none", or "strict" (any case), not ${quoted(value)}`,
    );
  }
  return value;
}

function priorityOf(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new TypeError(`coatcheck: cookie option priority must be a string, got ${typeof value}`);
  }
  const priority = PRIORITIES.get(value.toLowerCase());
  if (priority === undefined) {
    throw invalid(
      name,
      `priority must be "low", "medium" or "high" (any case), not ${quoted(value)}`,
    );
  }
  return priority;
}

/** Whether the name has the `__Secure-` or `__Host-` prefix, which browsers match in any case. */
function prefixOf(name: string): 'secure' | 'host' | '' {
  if (name.charCodeAt(0) !== 0x5f || name.charCodeAt(1) !== 0x5f) return '';
  const head = name.slice(0, 9).toLowerCase();
  if (head === '__secure-') return 'secure';
  if (head.startsWith('__host-')) return 'host';
  return '';
}

/**
 * Refuses what a browser would silently drop (RFC 6265bis §4.1.3 and §5.7, CHIPS), then writes
 * the attributes in Django's order: Python's Morsel sorts them by lower-case name, which gives
 * Domain, expires, HttpOnly, Max-Age, Path, SameSite, Secure. Partitioned and Priority, which
 * Django does not write, follow in that (alphabetical) order.
 */
function assemble(name: string, codedValue: string, attributes: Attributes): string {
  const { domain, path, secure, sameSite } = attributes;
  const prefix = prefixOf(name);
  if (prefix === 'secure' && !secure) {
    throw invalid(name, 'a __Secure- cookie needs secure: true; browsers reject it otherwise');
  }
  if (prefix === 'host' && (!secure || domain !== '' || path !== '/')) {
    throw invalid(
      name,
      "a __Host- cookie needs secure: true, path '/' and no domain; browsers reject it otherwise",
    );
  }
  if (!secure && sameSite.length === 4 && sameSite.toLowerCase() === 'none') {
    throw invalid(name, 'SameSite=None needs secure: true; browsers reject it otherwise');
  }
  if (attributes.partitioned && !secure) {
    throw invalid(name, 'a partitioned cookie needs secure: true; browsers reject it otherwise');
  }
  let line = `${name}=${codedValue}`;
  if (domain !== '') line += `; Domain=${domain}`;
  if (attributes.expires !== '') line += `; expires=${attributes.expires}`;
  if (attributes.httpOnly) line += '; HttpOnly';
  if (attributes.maxAge !== '') line += `; Max-Age=${attributes.maxAge}`;
  if (path !== '') line += `; Path=${path}`;
  if (sameSite !== '') line += `; SameSite=${sameSite}`;
  if (secure) line += '; Secure';
  if (attributes.partitioned) line += '; Partitioned';
  if (attributes.priority !== '') line += `; Priority=${attributes.priority}`;
  if (line.length > SAFE_LENGTH) {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > MAX_BYTES) {
      throw new CookieTooLarge(
        `Cookie ${quoted(name)} is ${bytes} bytes as a Set-Cookie header, over the ${MAX_BYTES} ` +
          'browsers keep; they would drop it without a word. Store less in it.',
      );
    }
  }
  return line;
}

/**
 * Returns a `Set-Cookie` header value (what follows `Set-Cookie: `) for `name=value`, byte for
 * byte what Django's `response.set_cookie(name, value, ...)` sends.
 *
 * The value is quoted as Python's `Morsel` quotes it (see `quoteCookieValue`), and the
 * attributes come in Django's order: `Domain`, `expires`, `HttpOnly`, `Max-Age`, `Path`,
 * `SameSite`, `Secure`, then `Partitioned` and `Priority`. With `maxAge` (or `expires`), both
 * `Max-Age` and `expires` are written, the date computed from `Date.now()`.
 *
 * Unlike Django, it refuses cookies that browsers would drop without a word: `SameSite=None`,
 * `Partitioned` or a `__Secure-` name without `secure`; a `__Host-` name without `secure`, with
 * a domain or with a path other than `/`; anything over 4096 bytes.
 *
 * @throws InvalidCookie for an illegal or reserved name, an invalid option value, a domain or
 *   path that does not belong in the header, or a combination browsers reject.
 * @throws CookieTooLarge when the header value is over 4096 bytes.
 * @throws TypeError when an argument has the wrong type.
 *
 * @example
 * serializeCookie('sessionid', 'abc123', { maxAge: 3600, httpOnly: true, sameSite: 'Lax' });
 * // 'sessionid=abc123; expires=Tue, 14 Nov 2023 23:13:20 GMT; HttpOnly; Max-Age=3600; Path=/; SameSite=Lax'
 */
export function serializeCookie(
  name: string,
  value: string,
  options: SerializeCookieOptions = {},
): string {
  checkName(name, 'serializeCookie');
  if (typeof value !== 'string') {
    throw new TypeError(
      `coatcheck: serializeCookie needs the cookie value as a string, got ${typeof value}`,
    );
  }
  const { maxAge, expires } = options;
  let seconds: number | undefined;
  let expiresText = '';
  let maxAgeText = '';
  if (maxAge !== undefined && maxAge !== null) {
    if (typeof maxAge !== 'number') {
      throw new TypeError(
        `coatcheck: cookie option maxAge must be a number of seconds, got ${typeof maxAge}`,
      );
    }
    if (!Number.isFinite(maxAge))
      throw invalid(name, `maxAge must be a finite number of seconds, not ${maxAge}`);
    seconds = maxAge;
  }
  const now = Date.now() / 1000;
  if (expires !== undefined && expires !== null) {
    if (!(expires instanceof Date)) {
      throw new TypeError(`coatcheck: cookie option expires must be a Date, got ${typeof expires}`);
    }
    const time = expires.getTime();
    if (Number.isNaN(time)) throw invalid(name, 'expires is an invalid Date');
    if (seconds !== undefined) throw invalid(name, "'expires' and 'maxAge' can't be used together");
    // Django: max_age = max(0, (expires - now + 1 second) in whole seconds, rounded down). The
    // extra second makes up for the fraction of a second lost in between, so the date
    // printed below is the one asked for.
    seconds = Math.max(0, Math.floor((time - now * 1000 + 1000) / 1000));
  }
  if (seconds !== undefined) {
    // Python's int() truncates toward zero; the date below uses the untruncated value, as Django's
    // http_date(time.time() + max_age) does.
    maxAgeText = String(Math.trunc(seconds));
    const date = httpDate(now + seconds);
    if (date === undefined) {
      throw invalid(name, `maxAge ${seconds} puts the expiry date outside the years 1 to 9999`);
    }
    expiresText = date;
  }
  return assemble(name, quoteCookieValue(value), {
    domain: location(name, 'domain', options.domain),
    expires: expiresText,
    httpOnly: flag(options.httpOnly, 'httpOnly'),
    maxAge: maxAgeText,
    path: location(name, 'path', options.path === undefined ? '/' : options.path),
    sameSite: sameSiteOf(name, options.sameSite),
    secure: flag(options.secure, 'secure'),
    partitioned: flag(options.partitioned, 'partitioned'),
    priority: priorityOf(name, options.priority),
  });
}

/**
 * Returns the `Set-Cookie` header value that deletes a cookie, byte for byte what Django's
 * `response.delete_cookie(name, path, domain, samesite)` sends: an empty value, a 1970
 * `expires` and `Max-Age=0`.
 *
 * Path, domain (and partitioning) must be those the cookie was set with, or the browser keeps
 * it. `Secure` is added where browsers require it: for `__Secure-` and `__Host-` names, for
 * `SameSite=None` (as Django does) and for a partitioned cookie.
 *
 * @throws InvalidCookie or TypeError as {@link serializeCookie} does.
 *
 * @example
 * deleteCookie('sessionid'); // 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
 */
export function deleteCookie(name: string, options: DeleteCookieOptions = {}): string {
  checkName(name, 'deleteCookie');
  const sameSite = sameSiteOf(name, options.sameSite);
  const partitioned = flag(options.partitioned, 'partitioned');
  return assemble(name, '""', {
    domain: location(name, 'domain', options.domain),
    expires: EPOCH,
    httpOnly: false,
    maxAge: '0',
    path: location(name, 'path', options.path === undefined ? '/' : options.path),
    sameSite,
    // Django checks the prefixes case-sensitively; browsers match them in any case, and so do we.
    secure: prefixOf(name) !== '' || sameSite.toLowerCase() === 'none' || partitioned,
    partitioned,
    priority: '',
  });
}
