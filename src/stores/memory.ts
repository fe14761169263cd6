/**
 * `coatcheck/stores/memory`: sessions in this process's memory, in a bounded LRU.
 *
 * Single-process only: every process (cluster worker, container replica) has its own
 * sessions, and a restart forgets them all. Use it for development, tests and single-process
 * apps; use a database or Redis store wherever more than one process serves requests.
 *
 * An expired session is gone at once, as in Django's cache engine: it neither loads nor
 * exists, and a save that must update it fails with `UpdateError`.
 *
 * It is also a `CacheStore`, so `cachedDb` can put it in front of a database (a per-process
 * cache: fine for one process, stale across several).
 *
 * @module
 */

import { LRUCache } from 'lru-cache';
import { CreateError, UpdateError } from '../errors.ts';
import { pythonJsonParse, pythonJsonStringify } from '../signing/python-json.ts';
import type { SessionPrefix } from './cache/cache-keys.ts';
import type { CacheStore } from './cache/cache-store.ts';
import type {
  CompareAndSaveOutcome,
  SessionStore,
  StoreRecord,
  StoreSaveOptions,
} from './store.ts';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most sessions kept; beyond it the least recently used is dropped, so a flood of new
   * visitors cannot exhaust memory.
   * @default 10000
   */
  maxSessions?: number;
}

// Each record is kept as JSON text: every load parses a fresh copy, so a value changed in
// place without `set` is not saved behind the application's back, as with any real store.
// Python's JSON, as in every store Django shares, so NaN, ±Infinity and -0 survive too.
//
// One string per session, its expiry (milliseconds since the epoch) in front of the JSON:
// `1767225600000 {"visits":3}`. A string is the least a live session can cost the heap; an
// object holding the JSON and a number would add two more allocations to each of them, and
// lru-cache's own TTL two numbers more.
type Entry = string;

const SEPARATOR = ' ';

// join, not `+`: V8 keeps a concatenation as a rope (a node pointing at both halves) until
// something reads it; join writes one flat string at once.
const entryOf = (json: string, expiresAt: number): Entry => [expiresAt, json].join(SEPARATOR);
const expiryOf = (entry: Entry): number => Number(entry.slice(0, entry.indexOf(SEPARATOR)));
const jsonOf = (entry: Entry): string => entry.slice(entry.indexOf(SEPARATOR) + 1);

const newCache = (maxSessions: number) => new LRUCache<string, Entry>({ max: maxSessions });

class MemoryStore implements CacheStore {
  readonly kind = 'store';
  readonly name = 'memory';
  readonly #cache: LRUCache<string, Entry>;
  // Prepended to every key: '' for the store itself, Django's `cached_db` prefix for the view
  // `cachedDb` asks for. Session keys are [a-z0-9], so the two never meet in the one LRU.
  readonly #prefix: string;
  readonly #owner: boolean;

  constructor(cache: LRUCache<string, Entry>, prefix: string, owner: boolean) {
    this.#cache = cache;
    this.#prefix = prefix;
    this.#owner = owner;
  }

  withSessionPrefix(prefix: SessionPrefix): SessionStore {
    return new MemoryStore(this.#cache, prefix, false);
  }

  // The live entry under `key`. As in Django's cache engine, an expired record is gone: it
  // neither loads nor exists, and its key may be created again.
  #live(key: string): Entry | undefined {
    const entry = this.#cache.get(this.#prefix + key);
    if (entry === undefined) return undefined;
    if (expiryOf(entry) > Date.now()) return entry;
    this.#cache.delete(this.#prefix + key);
    return undefined;
  }

  #put(key: string, record: StoreRecord): void {
    this.#cache.set(
      this.#prefix + key,
      entryOf(pythonJsonStringify(record.data), record.expiresAt.getTime()),
    );
  }

  // load, create, save and compareAndSave answer synchronously: there is nothing to wait for,
  // and a request whose store answers at once finishes in the same turn of the event loop.
  load(key: string): StoreRecord | null {
    const entry = this.#live(key);
    if (entry === undefined) return null;
    return {
      data: pythonJsonParse(jsonOf(entry)) as StoreRecord['data'],
      expiresAt: new Date(expiryOf(entry)),
      version: entry,
    };
  }

  create(key: string, record: StoreRecord): void {
    if (this.#live(key) !== undefined) {
      throw new CreateError(`coatcheck: session key ${key} already exists`);
    }
    this.#put(key, record);
  }

  save(key: string, record: StoreRecord, options: StoreSaveOptions): void {
    if (options.mustExist && this.#live(key) === undefined) {
      throw new UpdateError('coatcheck: the session was deleted before it could be saved');
    }
    this.#put(key, record);
  }

  compareAndSave(key: string, record: StoreRecord, version: string): CompareAndSaveOutcome {
    const entry = this.#live(key);
    if (entry === undefined) return 'missing';
    if (entry !== version) return 'conflict';
    this.#put(key, record);
    return 'saved';
  }

  async delete(key: string): Promise<void> {
    this.#cache.delete(this.#prefix + key);
  }

  async exists(key: string): Promise<boolean> {
    return this.#live(key) !== undefined;
  }

  async clearExpired(): Promise<number> {
    const now = Date.now();
    let cleared = 0;
    for (const [key, entry] of [...this.#cache.entries()]) {
      if (expiryOf(entry) <= now && this.#cache.delete(key)) cleared++;
    }
    return cleared;
  }

  async close(): Promise<void> {
    // A view closes nothing: the store it came from still serves.
    if (this.#owner) this.#cache.clear();
  }
}

/**
 * A store that keeps sessions in process memory, bounded and with per-session expiry.
 *
 * @example
 * const sessions = createSessions({ secretKey, engine: memoryStore({ maxSessions: 50_000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): CacheStore {
  const maxSessions = options.maxSessions ?? 10_000;
  if (!Number.isInteger(maxSessions) || maxSessions < 1) {
    throw new TypeError(
      `coatcheck: memoryStore maxSessions must be a positive integer, got ${maxSessions}`,
    );
  }
  return new MemoryStore(newCache(maxSessions), '', true);
}
