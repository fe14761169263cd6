/**
 * The engines the demo can run on, chosen with `--engine` or `COATCHECK_ENGINE`.
 *
 * Each entry opens one coatcheck engine and knows how to show what it keeps for a browser
 * (the inspector's "stored record"). The SQL engines are listed before they exist in every
 * checkout: an entry whose module is not under src/stores/sql/ yet is simply unavailable, so
 * the demo picks up each database store the day its file lands.
 *
 * @module
 */

import { existsSync, mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineProvider, SessionStore } from '../src/index.ts';
import { CACHE_SESSION_PREFIX, CACHED_DB_SESSION_PREFIX } from '../src/stores/cache/cache-keys.ts';
import { cachedDb } from '../src/stores/cached-db.ts';
import { fileStore } from '../src/stores/file.ts';
import { memcachedStore } from '../src/stores/memcached.ts';
import { memoryStore } from '../src/stores/memory.ts';
import { redisStore } from '../src/stores/redis.ts';
import { signedCookies } from '../src/stores/signed-cookie.ts';
import { sqliteStore } from '../src/stores/sql/sqlite.ts';

/** What the inspector shows as the stored form of a session. */
export interface StoredRecord {
  /** Where it lives, in words: "the file …/sessionid3k9f…", "the cookie itself". */
  where: string;
  /** The stored text, byte for byte where the engine allows it. */
  text: string;
  /** When the store stops loading it, if the store says. */
  expiresAt?: Date | undefined;
}

/** An engine, opened for the demo. */
export interface OpenedEngine {
  /** Passed to `createSessions` as `settings.engine`. */
  engine: SessionStore | EngineProvider;
  /** One line for the console and the pages: where the sessions live. */
  where: string;
  /**
   * A server the engine needs: named in the one-line message when it cannot be reached.
   * Embedded engines have none.
   */
  server?: { name: string; address: string; howToStart: string } | undefined;
  /** What the engine keeps for the session cookie `cookieValue`, or `null` when nothing. */
  stored(cookieValue: string): Promise<StoredRecord | null>;
}

/** One choice of `--engine`. */
export interface DemoEngine {
  /** A short sentence on what the engine is, for `--help` and the home page. */
  readonly summary: string;
  /** Whether this checkout has the engine (the SQL stores land one by one). */
  available(): boolean;
  /** Opens the engine, keeping any files it needs under `dataDir`. */
  open(dataDir: string): Promise<OpenedEngine>;
}

// Sessions as a store's load() returns them. A store reports its stored text as the record's
// version where it has one (memory keeps JSON text, the file and SQL stores Django's encoded
// session_data), so that is shown when it is a string; otherwise the decoded data is.
async function loadedRecord(
  store: SessionStore,
  key: string,
  where: string,
): Promise<StoredRecord | null> {
  if (!/^[a-z0-9]{8,40}$/.test(key)) return null;
  const record = await store.load(key);
  if (record === null) return null;
  const text =
    typeof record.version === 'string' ? record.version : JSON.stringify(record.data, null, 1);
  return { where, text, expiresAt: record.expiresAt };
}

const memory: DemoEngine = {
  summary: "sessions in this process's memory: fast, and gone when the demo stops",
  available: () => true,
  async open() {
    const store = memoryStore();
    return {
      engine: store,
      where: "in this process's memory (a restart forgets every session)",
      stored: (key) => loadedRecord(store, key, 'the memory store holds this JSON text'),
    };
  },
};

const file: DemoEngine = {
  summary: "Django's file engine: one file per session, readable by Django",
  available: () => true,
  async open(dataDir) {
    const directory = join(dataDir, 'sessions');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const store = fileStore({ directory });
    return {
      engine: store,
      where: `in files under ${directory}`,
      async stored(key) {
        // The file engine names each file after the cookie and the key; only keys of Django's
        // alphabet can name one, so nothing from the cookie reaches the path otherwise.
        if (!/^[a-z0-9]{8,40}$/.test(key)) return null;
        const path = join(directory, `sessionid${key}`);
        try {
          const text = await readFile(path, 'latin1');
          const { mtime } = await stat(path);
          return { where: `the file ${path} (modified ${mtime.toISOString()})`, text };
        } catch {
          return null;
        }
      },
    };
  },
};

const signedCookie: DemoEngine = {
  summary: "Django's signed_cookies engine: the data travels in the cookie, signed",
  available: () => true,
  async open() {
    return {
      engine: signedCookies(),
      where: 'in the browser: the session cookie is the signed data itself',
      async stored(cookieValue) {
        return {
          where: 'the sessionid cookie itself (nothing is kept on the server)',
          text: cookieValue,
        };
      },
    };
  },
};

type StoreFactory = (...options: Record<string, unknown>[]) => SessionStore;

// What the SQL stores add to the contract for `coatcheck inspect`: a row as it is stored.
interface InspectableStore {
  inspect(key: string): Promise<{ sessionData: string; expiresAt: Date } | null>;
}

/** A database server an engine needs, for the message when it cannot be reached. */
interface Server {
  name: string;
  url: string;
  howToStart: string;
}

// A URL with its password hidden, for messages.
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * A database store from src/stores/sql/<name>.ts, opened with its `<name>Store` factory:
 * available once that file exists. `target` is the server to use, or makes the factory's
 * options from the data folder for an embedded database.
 */
function sqlEngine(
  name: string,
  summary: string,
  target: Server | ((dataDir: string) => Record<string, unknown>),
): DemoEngine {
  const url = new URL(`../src/stores/sql/${name}.ts`, import.meta.url);
  const server = typeof target === 'function' ? undefined : target;
  return {
    summary,
    available: () => existsSync(fileURLToPath(url)),
    async open(dataDir) {
      const module = (await import(url.href)) as Record<string, unknown>;
      const make = module[`${name}Store`];
      if (typeof make !== 'function') {
        throw new Error(`src/stores/sql/${name}.ts has no ${name}Store() to open the engine with`);
      }
      const settings: Record<string, unknown> =
        typeof target === 'function' ? target(dataDir) : { url: target.url };
      // A server database gets the table made on first use, as `coatcheck migrate` would;
      // SQLite does that by default.
      const store =
        server === undefined
          ? (make as StoreFactory)(settings)
          : (make as StoreFactory)(settings, { autoMigrate: true });
      const table = (store as { table?: string }).table ?? 'django_session';
      const where =
        typeof settings.path === 'string'
          ? `in the SQLite database ${settings.path} (table ${table})`
          : `in ${server?.name ?? store.name} at ${redact(server?.url ?? '')} (table ${table})`;
      return {
        engine: store,
        where,
        server:
          server === undefined
            ? undefined
            : { name: server.name, address: redact(server.url), howToStart: server.howToStart },
        async stored(key) {
          // The SQL stores show a row as it is stored (Django's encoded session_data).
          const inspect = (store as Partial<InspectableStore>).inspect;
          if (inspect === undefined) return loadedRecord(store, key, `the ${table} row holds`);
          if (!/^[a-z0-9]{8,40}$/.test(key)) return null;
          const row = await inspect.call(store, key);
          if (row === null) return null;
          return {
            where: `the ${table} row's session_data`,
            text: row.sessionData,
            expiresAt: row.expiresAt,
          };
        },
      };
    },
  };
}

// The servers this project's machines run (trust or password-less root, database `test`).
const POSTGRES: Server = {
  name: 'PostgreSQL',
  url: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  howToStart: 'start it with `sudo service postgresql start`, or point POSTGRES_URL at one',
};
const MYSQL: Server = {
  name: 'MariaDB',
  url: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  howToStart: 'start it with `sudo service mariadb start`, or point MYSQL_URL at one',
};
const sqliteFile = (dataDir: string) => ({ path: join(dataDir, 'sessions.sqlite3') });

// Memcached: MEMCACHED_SERVERS (Django's LOCATION form), else the usual local port.
const memcachedServers = () => process.env.MEMCACHED_SERVERS ?? '127.0.0.1:11211';

// A cache store's item, shown decoded: the value is a pickle, which a page cannot show as text.
async function cachedItem(
  store: SessionStore,
  key: string,
  prefix: string,
): Promise<StoredRecord | null> {
  if (!/^[a-z0-9]{8,40}$/.test(key)) return null;
  const record = await store.load(key);
  if (record === null) return null;
  return {
    where: `the memcached item :1:${prefix}${key} (the session pickled, flags 1), decoded`,
    text: JSON.stringify(record.data),
  };
}

const memcached: DemoEngine = {
  summary: "Django's cache engine on Memcached (PyMemcacheCache's items, pickled)",
  available: () => true,
  async open() {
    const servers = memcachedServers();
    const store = memcachedStore({ servers });
    return {
      engine: store,
      where: `in Memcached at ${servers} (expired sessions leave with their TTL)`,
      server: {
        name: 'Memcached',
        address: servers,
        howToStart:
          'start it with `sudo service memcached start` (apt-get install memcached), or point MEMCACHED_SERVERS at one',
      },
      stored: (key) => cachedItem(store, key, CACHE_SESSION_PREFIX),
    };
  },
};

// cached_db: Memcached in front of the demo's SQLite file, as a Django project usually runs it.
// No server check: with Memcached down the engine serves from SQLite (one logged error), which
// is the point of it.
const cachedDatabase: DemoEngine = {
  summary:
    "Django's cached_db: Memcached in front of SQLite; works on SQLite alone if Memcached is down",
  available: () => true,
  async open(dataDir) {
    const servers = memcachedServers();
    const path = join(dataDir, 'sessions.sqlite3');
    const engine = cachedDb({
      cache: memcachedStore({ servers, timeout: 500 }),
      database: sqliteStore({ path }),
    });
    return {
      engine,
      where: `in the SQLite database ${path}, with Memcached at ${servers} in front`,
      async stored(key) {
        const row = await engine.inspect?.(key);
        const cached = await cachedItem(engine.cache, key, CACHED_DB_SESSION_PREFIX).catch(
          () => null,
        );
        if (row === null || row === undefined) return cached;
        return {
          where: `the django_session row's session_data${cached === null ? ' (not in the cache now)' : ', and the cache holds the same session'}`,
          text: row.sessionData,
          expiresAt: row.expiresAt,
        };
      },
    };
  },
};

/** Bytes as Python's repr() writes them: printable ASCII as it is, the rest as \\xNN. */
function pythonBytes(bytes: Uint8Array): string {
  let text = "b'";
  for (const byte of bytes) {
    if (byte === 0x5c) text += '\\\\';
    else if (byte === 0x27) text += "\\'";
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${text}'`;
}

// The demo's Redis: REDIS_URL, or the local server; sessions under Django's default keys
// unless REDIS_KEY_PREFIX says otherwise.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const redis: DemoEngine = {
  summary: "Redis, as Django's cache session engine keeps sessions there (pickled dicts)",
  available: () => true,
  async open() {
    // Django's KEY_PREFIX, for sharing the sessions with a Django project (or keeping apart).
    const keyPrefix = process.env.REDIS_KEY_PREFIX ?? '';
    const store = redisStore({ url: REDIS_URL, keyPrefix });
    const address = redact(REDIS_URL);
    return {
      engine: store,
      where: `in Redis at ${address}, under ${keyPrefix}:1:django.contrib.sessions.cache<key>`,
      server: {
        name: 'Redis',
        address,
        howToStart: 'start it with `sudo service redis-server start`, or point REDIS_URL at one',
      },
      // The stored value is a pickle: shown as Python writes bytes (what `redis-cli` shows).
      stored: async (key) => {
        if (!/^[a-z0-9]{8,40}$/.test(key)) return null;
        const entry = await store.inspect(key);
        if (entry === null) return null;
        return {
          where: `the Redis key ${entry.key} (the session dict, pickled)`,
          text: pythonBytes(entry.value),
          expiresAt: entry.expiresAt ?? undefined,
        };
      },
    };
  },
};

/** Every engine `--engine` accepts, by name: one entry each. */
export const ENGINES: Readonly<Record<string, DemoEngine>> = {
  sqlite: sqlEngine('sqlite', 'SQLite (node:sqlite), in one file: nothing to install', sqliteFile),
  memory,
  file,
  'signed-cookie': signedCookie,
  postgres: sqlEngine('postgres', "PostgreSQL, on Django's session table", POSTGRES),
  mysql: sqlEngine('mysql', "MySQL or MariaDB, on Django's session table", MYSQL),
  memcached,
  'cached-db': cachedDatabase,
  redis,
};

/**
 * The engine used when none is chosen: SQLite, the embedded default coatcheck itself falls
 * back to, wherever this checkout has it; the memory store where it does not yet, since
 * that is the one other engine that needs nothing set up.
 */
export function defaultEngine(): string {
  return ENGINES.sqlite?.available() ? 'sqlite' : 'memory';
}

/** The names `--engine` accepts in this checkout. */
export function availableEngines(): string[] {
  return Object.entries(ENGINES)
    .filter(([, engine]) => engine.available())
    .map(([name]) => name);
}
