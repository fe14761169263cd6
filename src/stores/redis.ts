/**
 * `coatcheck/stores/redis`: Django's `cache` session engine on Redis, single node or Cluster,
 * through the official `redis` package (node-redis), an optional peer dependency
 * (`npm install redis`). Pass a URL and the store makes and owns its client, or pass the
 * application's client (`createClient` or `createCluster`), which stays the application's.
 *
 * A session lives where Django's cache engine with django-redis keeps it: under
 * `<KEY_PREFIX>:<VERSION>:django.contrib.sessions.cache<key>`, as a pickled dict, with the
 * session's expiry age as the key's TTL. A Django project whose `CACHES` point at the same
 * Redis, with the same `KEY_PREFIX` and `VERSION`, shares the sessions both ways.
 *
 * Each operation is one command: load is a GET, create a `SET NX PX`, save a `SET XX PX`, and
 * a save that must not lose a concurrent change one EVALSHA of a short script that writes only
 * if the stored bytes are still those the request loaded. Redis drops expired keys itself, so
 * `clearExpired` has nothing to do (Django's cache engine does nothing there either).
 *
 * An unreachable server is `StoreUnavailable` (HTTP 503) within the command timeout, never a
 * hung request or a crashed process; the store's own client reconnects by itself.
 *
 * @module
 */

import { hash } from 'node:crypto';
import { CoatcheckError, CreateError, StoreUnavailable, UpdateError } from '../errors.ts';
import {
  CACHE_SESSION_PREFIX,
  type CacheKeyOptions,
  djangoCacheKey,
  type SessionPrefix,
} from './cache/cache-keys.ts';
import type { CacheStore } from './cache/cache-store.ts';
import { cachedRecord } from './cache/cached-record.ts';
import { Deadlines } from './cache/deadlines.ts';
import { pickleSession } from './cache/pickle.ts';
import {
  OwnedConnection,
  PassedConnection,
  type RedisClientLike,
  type RedisCommands,
  type RedisConnection,
} from './cache/redis-connection.ts';
import type {
  CompareAndSaveOutcome,
  SessionStore,
  StoreContext,
  StoreRecord,
  StoreSaveOptions,
} from './store.ts';

export type { RedisClientLike } from './cache/redis-connection.ts';

/** A session's entry as Redis holds it, for inspection: never decoded. */
export interface RedisEntry {
  /** The full Redis key. */
  key: string;
  /** The stored bytes: a pickled dict, as Django's cache engine writes it. */
  value: Buffer;
  /** When Redis drops the key (its TTL), or `null` when it has none. */
  expiresAt: Date | null;
}

/** The Redis store: a {@link CacheStore} that can also show an entry as it is stored. */
export interface RedisSessionStore extends CacheStore {
  /** The entry under a session key, bytes and TTL as Redis holds them, or `null`. */
  inspect(sessionKey: string): Promise<RedisEntry | null>;
}

/** Where the store's connection comes from: a URL (the store's own client) or the app's client. */
export type RedisConnectionOption =
  | {
      /**
       * `redis://[[user]:password@]host:6379[/db]` (or `rediss://` for TLS), as node-redis reads
       * it. The store makes the client on first use and closes it in `close()`.
       */
      url: string;
    }
  | {
      /**
       * The application's connected client, from node-redis's `createClient` or `createCluster`.
       * The store never closes it, and sends nothing but single-key commands on it.
       */
      client: RedisClientLike;
    };

/** Options of {@link redisStore}. */
export interface RedisStoreOptions extends CacheKeyOptions {
  /**
   * Django's `KEY_PREFIX` of the cache the sessions live in: keys are
   * `<keyPrefix>:<version>:django.contrib.sessions.cache<session key>`.
   * @default ''
   */
  keyPrefix?: string | undefined;
  /** Django's `VERSION` of that cache. @default 1 */
  version?: number | undefined;
  /**
   * How long one command may take, in milliseconds, before the request gets `StoreUnavailable`.
   * The store's own client is then replaced, in case its connection went silent.
   * @default 2000
   */
  commandTimeout?: number | undefined;
  /** The pickle protocol of the values written: 5 (Django 4+'s RedisCache), or 4 (django-redis). @default 5 */
  pickleProtocol?: 4 | 5 | undefined;
}

// Writes the new value only when the stored bytes are still those the request loaded, so a
// concurrent change is never overwritten unseen. The bytes themselves are the version: comparing
// them costs Redis less than hashing them, and the load nothing at all (a session is a few
// hundred bytes; sending them back with the save is cheaper than a SHA-1 on both sides). A TTL
// that is not positive means the record expired on the way: it is removed, as Django's cache
// does with a timeout of zero or less.
const COMPARE_AND_SET = `local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if current ~= ARGV[1] then return 1 end
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) else redis.call('DEL', KEYS[1]) end
return 2`;
const COMPARE_AND_SET_SHA1 = hash('sha1', COMPARE_AND_SET, 'hex');
const OUTCOMES: readonly CompareAndSaveOutcome[] = ['missing', 'conflict', 'saved'];

// A record's version: its bytes, one character a byte, back to the same bytes for the script.
const versionOf = (bytes: Buffer) => bytes.toString('latin1');
const bytesOf = (version: string) => Buffer.from(version, 'latin1');

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** The state two views of one store share: the connection and the settings. */
interface Shared {
  connection: RedisConnection;
  keys: CacheKeyOptions;
  timeoutMs: number;
  /** The deadlines of the commands in flight, one timer for them all. */
  deadlines: Deadlines;
  protocol: 4 | 5;
  context: StoreContext | undefined;
}

class RedisStore implements RedisSessionStore {
  readonly kind = 'store';
  readonly name = 'redis';
  readonly #shared: Shared;
  readonly #prefix: SessionPrefix;
  readonly #owner: boolean;

  constructor(shared: Shared, prefix: SessionPrefix, owner: boolean) {
    this.#shared = shared;
    this.#prefix = prefix;
    this.#owner = owner;
  }

  open(context: StoreContext): void {
    this.#shared.context = context;
    this.#shared.connection.useLogger(context.logger);
  }

  withSessionPrefix(prefix: SessionPrefix): SessionStore {
    return new RedisStore(this.#shared, prefix, false);
  }

  #key(sessionKey: string): string {
    return djangoCacheKey(this.#shared.keys, this.#prefix, sessionKey);
  }

  #failure(action: string, error: unknown): Error {
    if (error instanceof CoatcheckError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new StoreUnavailable(
      `coatcheck: the redis store at ${this.#shared.connection.where} could not ${action}: ${detail}`,
      { cause: error },
    );
  }

  /** Runs one command, bounded by the timeout; any failure is `StoreUnavailable`. */
  #run<T>(action: string, command: (view: RedisCommands) => Promise<T>): Promise<T> {
    let got: RedisCommands | Promise<RedisCommands>;
    try {
      got = this.#shared.connection.commands();
    } catch (error) {
      return Promise.reject(this.#failure(action, error));
    }
    if (got instanceof Promise) {
      return got.then(
        (view) => this.#bounded(action, command, view),
        (error: unknown) => Promise.reject(this.#failure(action, error)),
      );
    }
    return this.#bounded(action, command, got);
  }

  // One promise per command, its deadline in the list all the store's commands share: this runs
  // on every request that touches a session.
  #bounded<T>(
    action: string,
    command: (view: RedisCommands) => Promise<T>,
    view: RedisCommands,
  ): Promise<T> {
    const { connection, timeoutMs, deadlines } = this.#shared;
    return new Promise<T>((resolve, reject) => {
      const deadline = deadlines.start(() => {
        connection.stalled(view);
        reject(this.#failure(action, new Error(`no reply within ${timeoutMs} ms`)));
      });
      let running: Promise<T>;
      try {
        running = command(view);
      } catch (error) {
        deadline.end();
        reject(this.#failure(action, error));
        return;
      }
      running.then(
        (value) => {
          if (deadline.end()) resolve(value);
        },
        (error: unknown) => {
          if (deadline.end()) reject(this.#failure(action, error));
        },
      );
    });
  }

  #encode(record: StoreRecord): { value: Buffer; ttl: number } {
    return {
      value: pickleSession(record.data, record.origin, this.#shared.protocol),
      // Django's get_expiry_age at save time, in milliseconds.
      ttl: record.expiresAt.getTime() - Date.now(),
    };
  }

  async load(key: string): Promise<StoreRecord | null> {
    const value = await this.#run('load a session', (redis) => redis.get(this.#key(key)));
    if (value === null || value === undefined) return null;
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'latin1');
    return cachedRecord(
      bytes,
      versionOf(bytes),
      this.#shared.context,
      `Redis key ${this.#key(key)}`,
    );
  }

  async create(key: string, record: StoreRecord): Promise<void> {
    const { value, ttl } = this.#encode(record);
    const name = this.#key(key);
    if (ttl <= 0) {
      // Expired already: nothing to keep, but a live record still takes its key.
      const taken = await this.#run('create a session', (redis) => redis.exists(name));
      if (Number(taken) > 0) throw new CreateError(`coatcheck: session key ${key} already exists`);
      return;
    }
    const reply = await this.#run('create a session', (redis) =>
      redis.set(name, value, { condition: 'NX', expiration: { type: 'PX', value: ttl } }),
    );
    if (reply === null) throw new CreateError(`coatcheck: session key ${key} already exists`);
  }

  async save(key: string, record: StoreRecord, options: StoreSaveOptions): Promise<void> {
    const { value, ttl } = this.#encode(record);
    const name = this.#key(key);
    let written: unknown;
    if (ttl <= 0) {
      written = await this.#run('save a session', (redis) => redis.del(name));
      if (Number(written) === 0) written = null;
    } else {
      const expiration = { type: 'PX', value: ttl } as const;
      written = await this.#run('save a session', (redis) =>
        redis.set(
          name,
          value,
          options.mustExist ? { condition: 'XX', expiration } : { expiration },
        ),
      );
    }
    if (written === null && options.mustExist) {
      throw new UpdateError('coatcheck: the session was deleted before it could be saved');
    }
  }

  async compareAndSave(
    key: string,
    record: StoreRecord,
    version: string,
  ): Promise<CompareAndSaveOutcome> {
    const { value, ttl } = this.#encode(record);
    const script = {
      keys: [this.#key(key)],
      arguments: [bytesOf(version), value, String(ttl)],
    };
    const reply = await this.#run('save a session', async (redis) => {
      try {
        return await redis.evalSha(COMPARE_AND_SET_SHA1, script);
      } catch (error) {
        // The server (or this Cluster node) has not seen the script since it started: EVAL
        // sends it once, and it is cached there from then on.
        if (!isNoScript(error)) throw error;
        return redis.eval(COMPARE_AND_SET, script);
      }
    });
    const outcome = OUTCOMES[Number(reply)];
    if (outcome === undefined) {
      throw new StoreUnavailable(
        `coatcheck: the redis store's compare-and-save script answered ${String(reply)}`,
      );
    }
    return outcome;
  }

  async inspect(sessionKey: string): Promise<RedisEntry | null> {
    const key = this.#key(sessionKey);
    const [value, ttl] = await this.#run('inspect a session', (redis) =>
      Promise.all([redis.get(key), redis.pTTL(key)]),
    );
    if (!Buffer.isBuffer(value)) return null;
    const ms = Number(ttl);
    return { key, value, expiresAt: ms >= 0 ? new Date(Date.now() + ms) : null };
  }

  async delete(key: string): Promise<void> {
    await this.#run('delete a session', (redis) => redis.del(this.#key(key)));
  }

  async exists(key: string): Promise<boolean> {
    return (
      Number(await this.#run('look up a session', (redis) => redis.exists(this.#key(key)))) > 0
    );
  }

  /** Redis drops expired keys by itself; there is never anything to clear. */
  async clearExpired(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    if (this.#owner) await this.#shared.connection.close();
  }
}

function checkConnection(connection: RedisConnectionOption): void {
  const given = connection as { url?: unknown; client?: unknown } | null;
  if (given?.url !== undefined && given?.client !== undefined) {
    throw new TypeError(
      'coatcheck: redisStore takes { url } or { client }, not both: the url would be ignored',
    );
  }
  if (typeof given?.url === 'string' && given.url !== '') return;
  const client = given?.client as { withTypeMapping?: unknown } | undefined;
  if (typeof client?.withTypeMapping === 'function') return;
  const shape =
    given === null || typeof given !== 'object'
      ? String(given)
      : `{ ${Object.keys(given).join(', ')} }`;
  throw new TypeError(
    'coatcheck: redisStore needs { url: "redis://..." } or { client } (a node-redis client ' +
      `from createClient or createCluster), got ${shape}`,
  );
}

const OPTION_NAMES = ['keyPrefix', 'version', 'commandTimeout', 'pickleProtocol'] as const;

// The options beside the connection and those of the second argument, as one set. Before both
// places were read, `redisStore({ url, keyPrefix })` silently kept Django's default prefix, so
// the sessions were not where a Django project with that KEY_PREFIX looks.
function mergeOptions(beside: RedisStoreOptions, more: RedisStoreOptions): RedisStoreOptions {
  const merged: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    const first = beside[name];
    const second = more?.[name];
    if (first !== undefined && second !== undefined && first !== second) {
      throw new TypeError(
        `coatcheck: redisStore ${name} is given twice, as ${String(first)} and ${String(second)}; give it once`,
      );
    }
    merged[name] = first ?? second;
  }
  return merged as RedisStoreOptions;
}

function checkOptions(options: RedisStoreOptions): void {
  const { keyPrefix, version, commandTimeout, pickleProtocol } = options;
  if (keyPrefix !== undefined && typeof keyPrefix !== 'string') {
    throw new TypeError(
      `coatcheck: redisStore keyPrefix must be a string, got ${String(keyPrefix)}`,
    );
  }
  if (version !== undefined && !Number.isSafeInteger(version)) {
    throw new TypeError(`coatcheck: redisStore version must be an integer, got ${String(version)}`);
  }
  if (
    commandTimeout !== undefined &&
    (!Number.isSafeInteger(commandTimeout) || commandTimeout < 1)
  ) {
    throw new TypeError(
      `coatcheck: redisStore commandTimeout must be a positive number of milliseconds, got ${String(commandTimeout)}`,
    );
  }
  if (pickleProtocol !== undefined && pickleProtocol !== 4 && pickleProtocol !== 5) {
    throw new TypeError(
      `coatcheck: redisStore pickleProtocol must be 4 or 5, got ${String(pickleProtocol)}`,
    );
  }
}

/**
 * A store that keeps sessions in Redis as Django's `cache` session engine does, so a Django
 * project on the same Redis (django-redis or Django's own RedisCache) shares them.
 *
 * The options go beside the connection (`{ url, keyPrefix }`) or, as the SQL stores take
 * theirs, in a second argument; an option given in both places with two values is refused.
 *
 * @example
 * const sessions = createSessions({ secretKey, engine: redisStore({ url: 'redis://127.0.0.1:6379' }) });
 *
 * @example
 * import { createCluster } from 'redis';
 * const cluster = await createCluster({ rootNodes: [{ url: 'redis://10.0.0.1:7000' }] }).connect();
 * const engine = redisStore({ client: cluster, keyPrefix: 'shop' });
 */
export function redisStore(
  connection: RedisConnectionOption & RedisStoreOptions,
  more: RedisStoreOptions = {},
): RedisSessionStore {
  checkConnection(connection);
  const options = mergeOptions(connection, more);
  checkOptions(options);
  const timeoutMs = options.commandTimeout ?? 2000;
  // checkConnection made sure there is exactly one: a non-empty url, or a client.
  const url = 'url' in connection && typeof connection.url === 'string' ? connection.url : '';
  const shared: Shared = {
    connection:
      url !== ''
        ? new OwnedConnection({ url, timeoutMs, name: 'coatcheck' })
        : new PassedConnection((connection as { client: RedisClientLike }).client),
    keys: { keyPrefix: options.keyPrefix ?? '', version: options.version ?? 1 },
    timeoutMs,
    deadlines: new Deadlines(timeoutMs),
    protocol: options.pickleProtocol ?? 5,
    context: undefined,
  };
  return new RedisStore(shared, CACHE_SESSION_PREFIX, true);
}
