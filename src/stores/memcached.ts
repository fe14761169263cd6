/**
 * `coatcheck/stores/memcached`: Django's `cache` session engine on Memcached, sharing sessions
 * with a Django project whose `CACHES` use `PyMemcacheCache` on the same servers.
 *
 * Each session is one item, written as Django's cache writes it: the key
 * `KEY_PREFIX:VERSION:django.contrib.sessions.cache<session key>`, the value the session dict
 * pickled (protocol 5, as pymemcache writes it) with flags 1 (pymemcache's pickle flag), the
 * expiry Django's `get_expiry_age` in seconds. Memcached's TTL is the expiry: an expired
 * session is gone at once, and `clearExpired` has nothing to do. An item that is not a pickle
 * of a dict (other flags, a value another client wrote) is never adopted: it loads as no
 * session, with a warning, and the browser gets a new key.
 *
 * One command per operation: load is `gets` (the CAS token is the version), create is `add`,
 * a save that must update is `replace`, a concurrent save is `cas`. With several servers a
 * key goes where pymemcache's `HashClient` puts it (rendezvous hashing), so Django finds it.
 *
 * Timeouts bound every outage: a command waits at most `timeout` ms, a connection
 * `connectTimeout` ms; then the request fails with `StoreUnavailable` (HTTP 503), and the
 * next one reconnects. Nothing queues while a server is away.
 *
 * The client is coatcheck's own (`./memcached/`): no npm client writes flags 1 together with
 * compare-and-swap (docs/decisions/0008-memcached-client.md). Nothing to install.
 *
 * @module
 */

import { CreateError, StoreUnavailable, UpdateError } from '../errors.ts';
import type { SessionLogger } from '../session/logger.ts';
import {
  CACHE_SESSION_PREFIX,
  type CacheKeyOptions,
  djangoCacheKey,
  type SessionPrefix,
} from './cache/cache-keys.ts';
import type { CacheStore } from './cache/cache-store.ts';
import { cachedRecord } from './cache/cached-record.ts';
import { pickleSession } from './cache/pickle.ts';
import { MemcachedClient, type StoreOutcome } from './memcached/client.ts';
import { memcachedExpiry } from './memcached/expiry.ts';
import type {
  CompareAndSaveOutcome,
  SessionStore,
  StoreContext,
  StoreRecord,
  StoreSaveOptions,
} from './store.ts';

/** Options of {@link memcachedStore}. */
export interface MemcachedStoreOptions {
  /**
   * The servers, as Django's `LOCATION` names them: `"host:port"` (or `"host"` for port 11211,
   * `"unix:/path"` for a socket), a list, or one string separated by `;` or `,`.
   */
  servers: string | readonly string[];
  /** Django's `KEY_PREFIX` of the cache. @default '' */
  keyPrefix?: string | undefined;
  /** Django's `VERSION` of the cache. @default 1 */
  version?: number | undefined;
  /** Milliseconds a command may wait for its reply before the request fails. @default 2000 */
  timeout?: number | undefined;
  /** Milliseconds a new connection may take. @default 2000 */
  connectTimeout?: number | undefined;
}

// pymemcache's `FLAG_PICKLE`: the value is a pickle.
const PICKLE_FLAG = 1;
// The longest key memcached takes.
const MAX_KEY_BYTES = 250;

const quiet: SessionLogger = { warn() {}, error() {} };

/** The client and its servers, shared by a store and the views `withSessionPrefix` makes. */
interface Shared {
  client: MemcachedClient;
  servers: string;
  keys: CacheKeyOptions;
  context: StoreContext | undefined;
}

class MemcachedStore implements CacheStore {
  readonly kind = 'store';
  readonly name = 'memcached';
  readonly #shared: Shared;
  readonly #prefix: SessionPrefix;
  readonly #owner: boolean;

  constructor(shared: Shared, prefix: SessionPrefix, owner: boolean) {
    this.#shared = shared;
    this.#prefix = prefix;
    this.#owner = owner;
  }

  withSessionPrefix(prefix: SessionPrefix): SessionStore {
    return new MemcachedStore(this.#shared, prefix, false);
  }

  open(context: StoreContext): void {
    this.#shared.context = context;
  }

  get #logger(): SessionLogger {
    return this.#shared.context?.logger ?? quiet;
  }

  #key(sessionKey: string): string {
    return djangoCacheKey(this.#shared.keys, this.#prefix, sessionKey);
  }

  #unavailable(action: string, error: unknown): StoreUnavailable {
    const detail = error instanceof Error ? error.message : String(error);
    return new StoreUnavailable(
      `coatcheck: the memcached store could not ${action} (servers ${this.#shared.servers}): ${detail}; check that memcached runs and answers within the timeout`,
      { cause: error },
    );
  }

  async #call<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#unavailable(action, error);
    }
  }

  #store(
    command: 'set' | 'add' | 'replace' | 'cas',
    key: string,
    record: StoreRecord,
    cas?: string,
  ): Promise<StoreOutcome> {
    // Pickled before any I/O: data that cannot be pickled fails as itself, not as an outage.
    const value = pickleSession(record.data, record.origin, 5);
    return this.#call('save a session', () =>
      this.#shared.client.store(command, this.#key(key), value, {
        flags: PICKLE_FLAG,
        exptime: memcachedExpiry(record.expiresAt),
        cas,
      }),
    );
  }

  async load(key: string): Promise<StoreRecord | null> {
    const item = await this.#call('load a session', () => this.#shared.client.gets(this.#key(key)));
    if (item === undefined) return null;
    if (item.flags !== PICKLE_FLAG) {
      this.#logger.warn(
        `memcached item for session ${key.slice(0, 6)}… has flags ${item.flags}, not a pickle (1); starting a new session`,
      );
      return null;
    }
    return cachedRecord(
      item.value,
      item.cas,
      this.#shared.context,
      `memcached item for session ${key.slice(0, 6)}…`,
    );
  }

  async create(key: string, record: StoreRecord): Promise<void> {
    if ((await this.#store('add', key, record)) !== 'STORED') {
      throw new CreateError(`coatcheck: session key ${key} already exists`);
    }
  }

  async save(key: string, record: StoreRecord, options: StoreSaveOptions): Promise<void> {
    // `replace` is Django's get-then-set in one command, and without its race: it writes
    // only an item that exists.
    const outcome = await this.#store(options.mustExist ? 'replace' : 'set', key, record);
    if (outcome !== 'STORED') {
      throw new UpdateError('coatcheck: the session was deleted before it could be saved');
    }
  }

  async compareAndSave(
    key: string,
    record: StoreRecord,
    version: string,
  ): Promise<CompareAndSaveOutcome> {
    if (!/^\d+$/.test(version)) return 'conflict';
    const outcome = await this.#store('cas', key, record, version);
    if (outcome === 'STORED') return 'saved';
    return outcome === 'NOT_FOUND' ? 'missing' : 'conflict';
  }

  async delete(key: string): Promise<void> {
    await this.#call('delete a session', () => this.#shared.client.delete(this.#key(key)));
  }

  async exists(key: string): Promise<boolean> {
    const item = await this.#call('look up a session', () =>
      this.#shared.client.get(this.#key(key)),
    );
    return item !== undefined;
  }

  async clearExpired(): Promise<number> {
    // Memcached drops an item when its TTL passes; Django's cache engine clears nothing either.
    return 0;
  }

  async close(): Promise<void> {
    if (this.#owner) this.#shared.client.close();
  }
}

function positiveMs(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `coatcheck: memcachedStore ${option} must be a positive number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A session store on Memcached, in Django's `cache` engine format.
 *
 * @example
 * const sessions = createSessions({
 *   secretKey: process.env.SECRET_KEY,
 *   engine: memcachedStore({ servers: ['127.0.0.1:11211'] }),
 * });
 */
export function memcachedStore(options: MemcachedStoreOptions): CacheStore {
  const given = options?.servers;
  const servers = typeof given === 'string' ? given.split(/[;,]/) : given;
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new TypeError(
      `coatcheck: memcachedStore servers must name at least one server, as "host:port", got ${JSON.stringify(given)}`,
    );
  }
  const keyPrefix = options.keyPrefix ?? '';
  const version = options.version ?? 1;
  if (typeof keyPrefix !== 'string' || /[\s\p{Cc}]/u.test(keyPrefix)) {
    throw new TypeError(
      `coatcheck: memcachedStore keyPrefix must be a string without spaces or control characters (memcached keys cannot hold them), got ${JSON.stringify(keyPrefix)}`,
    );
  }
  if (!Number.isSafeInteger(version)) {
    throw new TypeError(`coatcheck: memcachedStore version must be an integer, got ${version}`);
  }
  const longest = Buffer.byteLength(
    djangoCacheKey({ keyPrefix, version }, 'django.contrib.sessions.cached_db', 'k'.repeat(40)),
  );
  if (longest > MAX_KEY_BYTES) {
    throw new TypeError(
      `coatcheck: memcachedStore keyPrefix is too long: session keys would take ${longest} bytes, memcached takes at most ${MAX_KEY_BYTES}`,
    );
  }
  const client = new MemcachedClient({
    servers: servers.map((server) => String(server).trim()),
    timeout: positiveMs(options.timeout ?? 2000, 'timeout'),
    connectTimeout: positiveMs(options.connectTimeout ?? options.timeout ?? 2000, 'connectTimeout'),
  });
  return new MemcachedStore(
    { client, servers: servers.join(','), keys: { keyPrefix, version }, context: undefined },
    CACHE_SESSION_PREFIX,
    true,
  );
}
