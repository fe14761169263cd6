/**
 * What a `coatcheck` command works on: a database named by `--database URL`, or the settings
 * a `coatcheck.config.{ts,js,mjs}` file exports.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImproperlyConfigured } from '../errors.ts';
import { djangoSessionCodec } from '../session/encoding.ts';
import type { SessionLogger } from '../session/logger.ts';
import type { Settings } from '../settings.ts';
import type { SecretKey } from '../signing/salted-hmac.ts';
import type { SqlSessionStore } from '../stores/sql/sql-store.ts';
import type { SessionStore, StoreContext } from '../stores/store.ts';

/** A usage mistake: the command line names nothing to work on, or names it wrongly. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What the command line says about the target. */
export interface TargetOptions {
  database?: string | undefined;
  config?: string | undefined;
  table?: string | undefined;
  secret?: string | undefined;
  /**
   * The command only reads or deletes (stats, inspect, clearsessions): a database that does
   * not exist is a mistyped path, to report, not a file to create.
   */
  readOnly?: boolean | undefined;
}

/** The resolved target. */
export interface Target {
  /** The store, opened; absent when the settings use an engine with no store (signed cookies). */
  store: SessionStore | undefined;
  /**
   * The secret and its fallbacks, to decode stored data; absent when none is known (from the
   * settings, `--secret` or the `SECRET_KEY` environment variable).
   */
  secret: { key: SecretKey; fallbackKeys: readonly SecretKey[] } | undefined;
  /** Where it came from, for messages: a URL without its password, or a file. */
  description: string;
  /** Readies the store for use; a missing session table fails here, saying how to create it. */
  open(): Promise<void>;
  close(): Promise<void>;
}

const CONFIG_NAMES = ['coatcheck.config.ts', 'coatcheck.config.mjs', 'coatcheck.config.js'];

// scheme://user:password@host...: everything up to the LAST "@" is the user information, so a
// password holding an unencoded "@" (or "/") is taken whole. A later "@" in the path or query
// makes more of the URL count as password: it is hidden too, which errs the safe way.
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@/is;

// A query parameter that carries a password: pg and mysql2 copy every parameter of the URL
// into their options, and libpq reads `password` and `sslpassword` there too, so
// `postgres://app@host/db?password=...` is as secret as a password before the "@".
const PASSWORD_PARAMETER = /^[a-z0-9_]*pass(?:word|wd)[a-z0-9_]*$/i;

/** The query parameters of a URL, as written there (before any decoding), with their spans. */
function* parametersOf(url: string): Generator<{ name: string; start: number; end: number }> {
  const query = url.indexOf('?');
  if (query === -1) return;
  const fragment = url.indexOf('#', query);
  const end = fragment === -1 ? url.length : fragment;
  for (let start = query + 1; start < end; ) {
    const amp = url.indexOf('&', start);
    const stop = amp === -1 || amp > end ? end : amp;
    const equals = url.indexOf('=', start);
    if (equals !== -1 && equals < stop) {
      yield { name: url.slice(start, equals), start: equals + 1, end: stop };
    }
    start = stop + 1;
  }
}

/**
 * The passwords in a database URL, as written there: the one in the user information, and the
 * values of password query parameters. Empty when it has none.
 */
export function passwordsOf(url: string): string[] {
  const passwords: string[] = [];
  const userinfo = USERINFO.exec(url)?.[2];
  const colon = userinfo?.indexOf(':') ?? -1;
  if (userinfo !== undefined && colon !== -1) passwords.push(userinfo.slice(colon + 1));
  for (const { name, start, end } of parametersOf(url)) {
    if (PASSWORD_PARAMETER.test(name)) passwords.push(url.slice(start, end));
  }
  return passwords.filter((password) => password !== '');
}

/** A URL fit for messages: every password in it (see {@link passwordsOf}) replaced by `***`. */
export function redact(url: string): string {
  let text = url;
  // The query first, from its end, so the spans found stay valid as values are replaced.
  const secret = [...parametersOf(url)].filter(({ name }) => PASSWORD_PARAMETER.test(name));
  for (const { start, end } of secret.reverse()) {
    text = `${text.slice(0, start)}***${text.slice(end)}`;
  }
  const match = USERINFO.exec(text);
  const userinfo = match?.[2];
  if (match === null || userinfo === undefined || !userinfo.includes(':')) return text;
  const user = userinfo.slice(0, userinfo.indexOf(':'));
  return `${match[1]}${user}:***@${text.slice(match[0].length)}`;
}

const SQLITE_FORMS =
  'use sqlite:///relative/path, sqlite:////absolute/path (as SQLAlchemy and dj-database-url ' +
  'read them) or sqlite:path';

/**
 * The file a `sqlite:` URL names. Three slashes start a path relative to the working
 * directory and four an absolute one, as SQLAlchemy and dj-database-url read them (so the URL
 * a Django or SQLAlchemy project already has means the same file here); without slashes,
 * `sqlite:path` is the path as written.
 */
export function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return rest;
  let path = rest;
  if (rest.startsWith('///')) path = rest.slice(3);
  else if (rest.startsWith('//')) {
    throw new UsageError(
      `--database ${JSON.stringify(url)} names a host, not a file: ${SQLITE_FORMS}`,
    );
  }
  if (path === '')
    throw new UsageError(`--database ${JSON.stringify(url)} names no file: ${SQLITE_FORMS}`);
  return path;
}

/**
 * Refuses a server URL that the drivers would fail to parse (a bad port, a stray bracket) as a
 * usage mistake, before any connection is tried; `given` is the URL as typed, for the message.
 */
function checkServerUrl(plain: string, given: string): void {
  if (!URL.canParse(plain)) {
    throw new UsageError(`--database is not a valid URL: ${JSON.stringify(redact(given))}`);
  }
}

async function storeFromUrl(
  url: string,
  table: string | undefined,
  readOnly: boolean,
): Promise<SqlSessionStore> {
  // SQLAlchemy names the driver after a "+" (postgresql+psycopg://, mysql+pymysql://); ours is
  // fixed, so the URL is read without it.
  const plain = url.replace(/^([a-z]+)\+[a-z0-9_]+:/i, '$1:');
  const scheme = plain.slice(0, Math.max(0, plain.indexOf(':'))).toLowerCase();
  const options = table === undefined ? {} : { table };
  try {
    switch (scheme) {
      case 'sqlite': {
        const path = sqlitePath(plain);
        const { sqliteStore } = await import('../stores/sql/sqlite.ts');
        // Made first, so its checks of the options come first; it opens nothing yet.
        const store = sqliteStore({ path, ...options, autoMigrate: false });
        if (readOnly && path !== ':memory:' && !existsSync(path)) {
          throw new ImproperlyConfigured(
            `coatcheck: no SQLite database at ${resolve(path)}; check the path ` +
              '(coatcheck migrate creates the database and its table)',
          );
        }
        return store;
      }
      case 'postgres':
      case 'postgresql': {
        checkServerUrl(plain, url);
        const { postgresStore } = await import('../stores/sql/postgres.ts');
        return postgresStore({ url: plain, maxConnections: 2 }, options);
      }
      case 'mysql':
      case 'mariadb': {
        checkServerUrl(plain, url);
        const { mysqlStore } = await import('../stores/sql/mysql.ts');
        return mysqlStore({ url: plain.replace(/^mariadb:/i, 'mysql:') }, options);
      }
      default:
        throw new UsageError(
          `--database must start with sqlite:, postgres:, or mysql:, got ${JSON.stringify(redact(url))}`,
        );
    }
  } catch (error) {
    // The stores refuse a bad table name or option with a TypeError: here that is the command
    // line's fault.
    if (error instanceof TypeError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

async function settingsFromFile(path: string): Promise<Settings> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new ImproperlyConfigured(
      `coatcheck: could not load ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const settings = (module.default ?? module.settings) as Settings | undefined;
  if (typeof settings !== 'object' || settings === null) {
    throw new ImproperlyConfigured(
      `coatcheck: ${path} must export the settings object passed to createSessions, as its default export or as "settings"`,
    );
  }
  return settings;
}

const silent: SessionLogger = { warn() {}, error() {} };

function storeContext(secretKey: SecretKey | undefined, settings?: Settings): StoreContext {
  const cookieAge = settings?.cookieAge ?? 1209600;
  return {
    // Without a secret the CLI can still migrate, count and sweep; only decoding needs it, and
    // the inspect command checks for it first.
    djangoCodec: djangoSessionCodec({
      secretKey: secretKey ?? 'no secret given',
      fallbackKeys: settings?.secretKeyFallbacks,
      logger: silent,
    }),
    cookieName: settings?.cookieName ?? 'sessionid',
    policy: { cookieAge, expireAtBrowserClose: settings?.expireAtBrowserClose ?? false },
    logger: silent,
  };
}

/** Resolves `--database` or the config file into an opened store. */
export async function resolveTarget(
  options: TargetOptions,
  cwd: string = process.cwd(),
): Promise<Target> {
  const envSecret = process.env.SECRET_KEY === '' ? undefined : process.env.SECRET_KEY;
  if (options.database !== undefined) {
    const secretKey = options.secret ?? envSecret;
    const store = await storeFromUrl(options.database, options.table, options.readOnly ?? false);
    const context = storeContext(secretKey);
    return {
      store,
      secret: secretKey === undefined ? undefined : { key: secretKey, fallbackKeys: [] },
      description: redact(options.database),
      open: async () => store.open?.(context),
      close: () => store.close(),
    };
  }
  const path =
    options.config === undefined
      ? CONFIG_NAMES.map((name) => resolve(cwd, name)).find(existsSync)
      : resolve(cwd, options.config);
  if (path === undefined || !existsSync(path)) {
    throw new UsageError(
      options.config === undefined
        ? `nothing to work on: pass --database URL, or create ${CONFIG_NAMES[0]} exporting your settings`
        : `no config file at ${path}`,
    );
  }
  const settings = await settingsFromFile(path);
  const secretKey = options.secret ?? settings.secretKey ?? envSecret;
  const context = storeContext(secretKey, settings);
  const secret =
    secretKey === undefined
      ? undefined
      : { key: secretKey, fallbackKeys: settings.secretKeyFallbacks ?? [] };
  const engine = settings.engine ?? (await defaultEngine());
  if (engine.kind !== 'store') {
    return {
      store: undefined,
      secret,
      description: path,
      open: async () => {},
      close: async () => {},
    };
  }
  return {
    store: engine,
    secret,
    description: path,
    open: async () => engine.open?.(context),
    close: () => engine.close(),
  };
}

/** The SQL maintenance methods, when the target's store has them. */
export function sqlStoreOf(target: Target): SqlSessionStore | undefined {
  const store = target.store as Partial<SqlSessionStore> | undefined;
  return typeof store?.migrate === 'function' && typeof store.count === 'function'
    ? (store as SqlSessionStore)
    : undefined;
}

async function defaultEngine(): Promise<SessionStore> {
  const { DEFAULT_SQLITE_PATH } = await import('../settings.ts');
  const { sqliteStore } = await import('../stores/sql/sqlite.ts');
  return sqliteStore({ path: DEFAULT_SQLITE_PATH });
}
