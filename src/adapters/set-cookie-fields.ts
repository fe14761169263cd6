/**
 * A `Set-Cookie` line that the lifecycle wrote, read back as fields, for a framework that sets
 * cookies from fields and writes the line itself (Next.js's `cookies().set`).
 *
 * @module
 */

/** A cookie as fields, in the shape of Next.js's `ResponseCookie`. */
export interface CookieFields {
  name: string;
  /** The value as the lifecycle wrote it: Django's quoting kept, nothing decoded. */
  value: string;
  expires?: Date;
  maxAge?: number;
  path?: string;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
}

/**
 * The fields of a line made by `serializeCookie` or `deleteCookie`. Those never put `; ` inside
 * a value (Python's quoting writes `;` as `\073`), so splitting on it is exact.
 */
export function setCookieFields(line: string): CookieFields {
  const [pair = '', ...attributes] = line.split('; ');
  const equals = pair.indexOf('=');
  const fields: CookieFields = { name: pair.slice(0, equals), value: pair.slice(equals + 1) };
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at === -1 ? attribute : attribute.slice(0, at)).toLowerCase();
    const value = at === -1 ? '' : attribute.slice(at + 1);
    if (key === 'expires') fields.expires = new Date(value);
    else if (key === 'max-age') fields.maxAge = Number(value);
    else if (key === 'path') fields.path = value;
    else if (key === 'domain') fields.domain = value;
    else if (key === 'secure') fields.secure = true;
    else if (key === 'httponly') fields.httpOnly = true;
    else if (key === 'samesite') fields.sameSite = value.toLowerCase() as 'lax' | 'strict' | 'none';
    else if (key === 'partitioned') fields.partitioned = true;
    else if (key === 'priority') fields.priority = value.toLowerCase() as 'low' | 'medium' | 'high';
  }
  return fields;
}
