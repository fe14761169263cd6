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

/** A URL fit for messages: the password, if any, replaced by `***`. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return rest;
  // sqlite:///absolute/path, sqlite://relative (as SQLAlchemy and dj-database-url write them),
  // or plain sqlite:relative/path.
  if (rest.startsWith('///')) return rest.slice(2);
  if (rest.startsWith('//')) return rest.slice(2);
  return rest;
}

async function storeFromUrl(url: string, table: string | undefined): Promise<SqlSessionStore> {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  const options = table === undefined ? {} : { table };
  switch (scheme) {
    case 'sqlite': {
      const { sqliteStore } = await import('../stores/sql/sqlite.ts');
      return sqliteStore({ path: sqlitePath(url), ...options, autoMigrate: false });
    }
    case 'postgres':
    case 'postgresql': {
      const { postgresStore } = await import('../stores/sql/postgres.ts');
      return postgresStore({ url, maxConnections: 2 }, options);
    }
    case 'mysql':
    case 'mariadb': {
      const { mysqlStore } = await import('../stores/sql/mysql.ts');
      return mysqlStore({ url: url.replace(/^mariadb:/i, 'mysql:') }, options);
    }
    default:
      throw new UsageError(
        `--database must start with sqlite:, postgres:, or mysql:, got ${JSON.stringify(redact(url))}`,
      );
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
    const store = await storeFromUrl(options.database, options.table);
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
