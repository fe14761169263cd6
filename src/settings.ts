/**
 * The settings of `createSessions`: Django's session settings camelCased, with Django's
 * defaults, validated once at startup.
 *
 * @module
 */

import { type CookieSigningScheme, type SameSite, serializeCookie } from './cookies/index.ts';
import { ImproperlyConfigured, InvalidCookie } from './errors.ts';
import type { SessionData } from './session/data.ts';
import type { EngineProvider } from './session/engine.ts';
import type { ExpiryPolicy } from './session/expiry.ts';
import { rateLimitedConsoleLogger, type SessionLogger } from './session/logger.ts';
import type { StandardSchemaV1 } from './session/standard-schema.ts';
import type { SecretKey } from './signing/salted-hmac.ts';
import { sqliteStore } from './stores/sql/sqlite.ts';
import type { SessionStore } from './stores/store.ts';

/**
 * Where sessions live when the settings name no engine: an SQLite file under the working
 * directory, on Django's session table.
 */
export const DEFAULT_SQLITE_PATH = '.coatcheck/sessions.sqlite3';

/**
 * Everything `createSessions` accepts. Only `secretKey` is required.
 * @typeParam Data - the session data type; `schema`'s output when a schema is given.
 */
export interface Settings<Data = SessionData> {
  /**
   * The secret that signs session data and signed cookies. Django's `SECRET_KEY`: share it
   * with a Django app to share sessions. At least 50 random characters.
   */
  secretKey: SecretKey;
  /** Older secrets still accepted when verifying, for rotation. `SECRET_KEY_FALLBACKS`. */
  secretKeyFallbacks?: readonly SecretKey[] | undefined;
  /**
   * Where sessions live: a store (`memoryStore()`, `fileStore()`, `sqliteStore()`,
   * `postgresStore()`, ...) or an engine (`signedCookies()`).
   *
   * Left out, sessions go to an SQLite database on Django's table, as Django's default db
   * engine keeps them: `sqliteStore({ path: '.coatcheck/sessions.sqlite3' })`, a path under the
   * working directory (`process.cwd()`) when `createSessions` is called. The file, its
   * directory and the table are created on the first request that uses a session. Fine for
   * one machine; give every process of a multi-machine app a shared store instead.
   * @default sqliteStore({ path: '.coatcheck/sessions.sqlite3' })
   */
  engine?: SessionStore | EngineProvider | undefined;
  /** The session cookie's name. @default 'sessionid' */
  cookieName?: string | undefined;
  /** Seconds a session lives. @default 1209600 (two weeks) */
  cookieAge?: number | undefined;
  /** The session cookie's `Domain`; omitted, the cookie stays on this host. @default null */
  cookieDomain?: string | null | undefined;
  /** The session cookie's `Path`. @default '/' */
  cookiePath?: string | undefined;
  /** Send the session cookie over HTTPS only. @default false */
  cookieSecure?: boolean | undefined;
  /** Hide the session cookie from JavaScript. @default true */
  cookieHttpOnly?: boolean | undefined;
  /** The session cookie's `SameSite`; `false` leaves it out. @default 'Lax' */
  cookieSameSite?: SameSite | false | undefined;
  /** Partition the session cookie per top-level site (CHIPS); needs `cookieSecure`. @default false */
  cookiePartitioned?: boolean | undefined;
  /** Save the session, and re-send its cookie, on every request. @default false */
  saveEveryRequest?: boolean | undefined;
  /** End sessions when the browser closes (a cookie without Max-Age). @default false */
  expireAtBrowserClose?: boolean | undefined;
  /**
   * End a session after this many seconds without a request (OWASP's idle timeout). The last
   * request's time is kept in the session under `_coatcheck_seen` and rewritten at most once per
   * tenth of the timeout (at most every 60 s), not on every request. `null` turns it off.
   * @default null
   */
  idleTimeout?: number | null | undefined;
  /**
   * End a session this many seconds after it was created or its key last cycled (a login),
   * however active it is (OWASP's absolute timeout). Kept under `_coatcheck_created`. `null`
   * turns it off. @default null
   */
  absoluteTimeout?: number | null | undefined;
  /**
   * The salt scheme `setSignedCookie` writes: `'v2'` (Django 5.2.15 and later) or `'legacy'`
   * (older Django, 3.2 included). @default 'v2'
   */
  signedCookieScheme?: CookieSigningScheme | undefined;
  /**
   * Let `getSignedCookie` accept cookies signed with the legacy scheme. Turn on only while
   * an older Django still writes them. @default false
   */
  signedCookieLegacyFallback?: boolean | undefined;
  /**
   * The version of the Django that shares the sessions (`'major.minor'`), for what only newer
   * versions read: with `'3.2'`, `setExpiry` refuses a `Date` (Django 3.2 reads only seconds).
   * Any version from `'3.2'` on. @default '5.2' (current Django)
   */
  djangoVersion?: string | undefined;
  /** Receives warnings about refused cookies and worked-around faults. @default console, at most once a minute */
  logger?: SessionLogger | undefined;
  /**
   * A Standard Schema (Zod, Valibot, ArkType, ...) that every loaded session's data must pass,
   * checked once per request when the session is first loaded (never on `set`). Its output type
   * becomes the session data type. Data that fails it (stored before a deploy changed its
   * shape, say) loads as a fresh, empty session, with one warning to `logger` naming where it
   * failed, never the values; the stored record is left to expire. The schema sees the whole
   * session, Django's and coatcheck's own keys (`_session_expiry`, `_auth_user_id`,
   * `_messages`, ...) included: give every key as optional, and let unknown keys pass. Keys its
   * output leaves out keep their loaded value. @default null (no check, and no cost)
   */
  schema?: StandardSchemaV1<unknown, Data> | null | undefined;
}

/** Settings after validation: every default filled in, frozen. */
export interface ResolvedSettings {
  readonly secretKey: SecretKey;
  readonly secretKeyFallbacks: readonly SecretKey[];
  readonly engine: SessionStore | EngineProvider;
  readonly cookieName: string;
  readonly cookieAge: number;
  readonly cookieDomain: string | null;
  readonly cookiePath: string;
  readonly cookieSecure: boolean;
  readonly cookieHttpOnly: boolean;
  readonly cookieSameSite: SameSite | false;
  readonly cookiePartitioned: boolean;
  readonly saveEveryRequest: boolean;
  readonly expireAtBrowserClose: boolean;
  readonly idleTimeout: number | null;
  readonly absoluteTimeout: number | null;
  readonly signedCookieScheme: CookieSigningScheme;
  readonly signedCookieLegacyFallback: boolean;
  readonly djangoVersion: string;
  readonly logger: SessionLogger;
  readonly schema: StandardSchemaV1 | null;
  readonly policy: ExpiryPolicy;
}

function fail(setting: string, problem: string): never {
  throw new ImproperlyConfigured(`coatcheck: settings.${setting} ${problem}`);
}

function checkBoolean(settings: Settings<unknown>, name: keyof Settings): void {
  const value = settings[name];
  if (value !== undefined && typeof value !== 'boolean')
    fail(name, `must be true or false, got ${String(value)}`);
}

function checkTimeout(
  settings: Settings<unknown>,
  name: 'idleTimeout' | 'absoluteTimeout',
): number | null {
  const value = settings[name] ?? null;
  if (value !== null && (!Number.isSafeInteger(value) || value <= 0)) {
    fail(name, `must be a positive whole number of seconds or null, got ${String(value)}`);
  }
  return value;
}

function checkSecret(value: unknown, setting: string): SecretKey {
  if (typeof value === 'string' || value instanceof Uint8Array) {
    if (value.length > 0) return value;
  }
  return fail(
    setting,
    value === undefined || value === ''
      ? 'is missing: pass the secret that signs sessions (Django’s SECRET_KEY)'
      : 'must be a non-empty string or bytes',
  );
}

// Django's security check W009: a key this short, this repetitive, or generated by
// startproject for development only, is guessable.
function isWeakSecret(secret: SecretKey): boolean {
  const text = typeof secret === 'string' ? secret : Buffer.from(secret).toString('latin1');
  return text.length < 50 || new Set(text).size < 5 || text.startsWith('django-insecure-');
}

// Every name Settings has: anything else is a misspelling that would otherwise go unnoticed
// in JavaScript (`cookieSecur: true` leaves the cookie insecure without a word). Written out
// for the messages; `everyName` below makes a setting added to Settings but not here a type error.
const SETTING_NAMES = [
  'secretKey',
  'secretKeyFallbacks',
  'engine',
  'cookieName',
  'cookieAge',
  'cookieDomain',
  'cookiePath',
  'cookieSecure',
  'cookieHttpOnly',
  'cookieSameSite',
  'cookiePartitioned',
  'saveEveryRequest',
  'expireAtBrowserClose',
  'idleTimeout',
  'absoluteTimeout',
  'signedCookieScheme',
  'signedCookieLegacyFallback',
  'djangoVersion',
  'logger',
  'schema',
] as const satisfies readonly (keyof Settings)[];

const everyName: Exclude<keyof Settings, (typeof SETTING_NAMES)[number]> extends never
  ? true
  : never = true;
void everyName;

/** Levenshtein distance, ignoring case. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row.push(
        Math.min((row[j - 1] ?? 0) + 1, (previous[j] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = row;
  }
  return previous[y.length] ?? 0;
}

function checkNames(settings: Settings<unknown>): void {
  for (const name of Object.keys(settings)) {
    if ((SETTING_NAMES as readonly string[]).includes(name)) continue;
    const nearest = SETTING_NAMES.map((known) => ({ known, d: distance(name, known) })).sort(
      (a, b) => a.d - b.d,
    )[0];
    const close = nearest !== undefined && nearest.d <= Math.max(2, Math.floor(name.length / 4));
    fail(
      name,
      close
        ? `is not a setting; did you mean ${nearest.known}?`
        : `is not a setting; the settings are ${SETTING_NAMES.join(', ')}`,
    );
  }
}

const SAME_SITE = new Set(['lax', 'strict', 'none']);

const DJANGO_VERSION = /^(\d+)\.(\d+)$/;

function djangoVersionParts(version: string): [number, number] | undefined {
  const match = DJANGO_VERSION.exec(version);
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

/** Whether the Django of `version` reads a date expiry (an ISO string): 4.0 and later. */
export function readsDateExpiry(version: string): boolean {
  const [major = 0] = djangoVersionParts(version) ?? [];
  return major >= 4;
}

// Zod and Valibot schemas are objects, ArkType's are functions: only `~standard` tells.
function checkSchema(value: unknown): StandardSchemaV1 | null {
  if (value === undefined || value === null) return null;
  const standard = (value as { '~standard'?: Partial<StandardSchemaV1['~standard']> } | null)?.[
    '~standard'
  ];
  if (
    (typeof value !== 'object' && typeof value !== 'function') ||
    typeof standard?.validate !== 'function'
  ) {
    fail(
      'schema',
      'is not a Standard Schema: pass a schema from a library that implements it (Zod 3.24+, ' +
        'Valibot 1+, ArkType 2+, ...), such as z.object({ ... }), or leave it out',
    );
  }
  if (standard.version !== 1) {
    fail(
      'schema',
      `follows Standard Schema version ${String(standard.version)}; coatcheck reads 1`,
    );
  }
  return value as StandardSchemaV1;
}

function isEngine(value: unknown): value is SessionStore | EngineProvider {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof value === 'object' && value !== null && (kind === 'store' || kind === 'engine');
}

/**
 * Validates settings and fills in Django's defaults. Throws `ImproperlyConfigured` naming the
 * setting and the fix, for unknown setting names too; warns about a weak secret.
 */
export function resolveSettings<Data>(settings: Settings<Data>): ResolvedSettings {
  if (typeof settings !== 'object' || settings === null) {
    throw new ImproperlyConfigured(
      'coatcheck: createSessions needs a settings object with a secretKey',
    );
  }
  checkNames(settings);
  const secretKey = checkSecret(settings.secretKey, 'secretKey');
  const fallbacks = settings.secretKeyFallbacks ?? [];
  if (!Array.isArray(fallbacks)) fail('secretKeyFallbacks', 'must be an array of secrets');
  const secretKeyFallbacks = fallbacks.map((key, i) =>
    checkSecret(key, `secretKeyFallbacks[${i}]`),
  );
  for (const name of [
    'cookieSecure',
    'cookieHttpOnly',
    'cookiePartitioned',
    'saveEveryRequest',
    'expireAtBrowserClose',
    'signedCookieLegacyFallback',
  ] as const) {
    checkBoolean(settings, name);
  }

  // Only a missing engine means the default: null is a mistake worth naming.
  const engine =
    settings.engine === undefined ? sqliteStore({ path: DEFAULT_SQLITE_PATH }) : settings.engine;
  if (!isEngine(engine)) {
    fail(
      'engine',
      'is not a session store or engine: use a factory such as sqliteStore(), memoryStore(), ' +
        'fileStore() or signedCookies(), or leave it out for the SQLite default',
    );
  }

  const idleTimeout = checkTimeout(settings, 'idleTimeout');
  const absoluteTimeout = checkTimeout(settings, 'absoluteTimeout');

  const cookieAge = settings.cookieAge ?? 1209600;
  if (!Number.isSafeInteger(cookieAge) || cookieAge <= 0) {
    fail(
      'cookieAge',
      `must be a positive whole number of seconds, got ${String(settings.cookieAge)}`,
    );
  }

  const cookieName = settings.cookieName ?? 'sessionid';
  const cookiePath = settings.cookiePath ?? '/';
  // RFC 6265 §5.2.4: a Path that does not start with "/" is ignored, and the browser uses the
  // request's directory instead, so the cookie would not be sent where the setting says.
  if (typeof cookiePath === 'string' && !cookiePath.startsWith('/')) {
    fail('cookiePath', `must start with "/", got ${JSON.stringify(cookiePath)}`);
  }
  const cookieDomain = settings.cookieDomain ?? null;
  const cookieSecure = settings.cookieSecure ?? false;
  const cookieSameSite = settings.cookieSameSite ?? 'Lax';
  const cookiePartitioned = settings.cookiePartitioned ?? false;
  if (
    cookieSameSite !== false &&
    (typeof cookieSameSite !== 'string' || !SAME_SITE.has(cookieSameSite.toLowerCase()))
  ) {
    fail(
      'cookieSameSite',
      `must be 'Lax', 'Strict', 'None' or false, got ${JSON.stringify(cookieSameSite)}`,
    );
  }
  if (cookieSameSite !== false && cookieSameSite.toLowerCase() === 'none' && !cookieSecure) {
    fail('cookieSameSite', "is 'None', which browsers accept only with cookieSecure: true (HTTPS)");
  }
  if (cookiePartitioned && !cookieSecure) {
    fail(
      'cookiePartitioned',
      'needs cookieSecure: true; browsers drop partitioned cookies without Secure',
    );
  }
  // Everything else a browser would refuse (a bad name, path or domain, a __Host- or
  // __Secure- prefix without its rules) is what serializeCookie refuses: try the session
  // cookie once now rather than on the first response.
  try {
    serializeCookie(cookieName, 'x'.repeat(32), {
      maxAge: cookieAge,
      path: cookiePath,
      domain: cookieDomain,
      secure: cookieSecure,
      sameSite: cookieSameSite,
      partitioned: cookiePartitioned,
    });
  } catch (error) {
    // serializeCookie throws InvalidCookie for a bad value and TypeError for a wrong type (a
    // cookieName of 42, say): both are a setting that cannot work.
    if (!(error instanceof InvalidCookie || error instanceof TypeError)) throw error;
    throw new ImproperlyConfigured(
      'coatcheck: the session cookie settings (cookieName, cookieAge, cookiePath, cookieDomain, ' +
        `cookieSecure) make a cookie browsers refuse: ${error.message}`,
      { cause: error },
    );
  }

  const scheme = settings.signedCookieScheme ?? 'v2';
  if (scheme !== 'v2' && scheme !== 'legacy')
    fail('signedCookieScheme', `must be 'v2' or 'legacy', got ${String(scheme)}`);

  const djangoVersion = settings.djangoVersion ?? '5.2';
  const parts = typeof djangoVersion === 'string' ? djangoVersionParts(djangoVersion) : undefined;
  if (parts === undefined || parts[0] < 3 || (parts[0] === 3 && parts[1] < 2)) {
    fail(
      'djangoVersion',
      `must be a Django version from '3.2' on, as 'major.minor' ('3.2', '4.2', '5.2'), got ${JSON.stringify(djangoVersion)}`,
    );
  }

  const logger = settings.logger ?? rateLimitedConsoleLogger();
  if (typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    fail('logger', 'must have warn() and error() methods, as console does');
  }
  // Once per app (per createSessions): each app with a weak secret is told, not just the first.
  if (isWeakSecret(secretKey)) {
    logger.warn(
      'settings.secretKey is weak: use at least 50 random characters with 5 or more distinct ones, ' +
        "not one starting with 'django-insecure-' (Django's check security.W009)",
    );
  }

  const schema = checkSchema(settings.schema);

  const expireAtBrowserClose = settings.expireAtBrowserClose ?? false;
  return Object.freeze({
    secretKey,
    secretKeyFallbacks: Object.freeze(secretKeyFallbacks),
    engine,
    cookieName,
    cookieAge,
    cookieDomain,
    cookiePath,
    cookieSecure,
    cookieHttpOnly: settings.cookieHttpOnly ?? true,
    cookieSameSite,
    cookiePartitioned,
    saveEveryRequest: settings.saveEveryRequest ?? false,
    expireAtBrowserClose,
    idleTimeout,
    absoluteTimeout,
    signedCookieScheme: scheme,
    signedCookieLegacyFallback: settings.signedCookieLegacyFallback ?? false,
    djangoVersion,
    logger,
    schema,
    policy: Object.freeze({ cookieAge, expireAtBrowserClose }),
  });
}
