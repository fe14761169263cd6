/**
 * The `SessionStore` contract: everything a server-side store implements, and nothing more.
 *
 * To write a store, read this file and run `coatcheck/testing` (src/testing/store-contract.ts,
 * the suite every store passes). Keys arrive already validated; data arrives decoded. Cookies, key generation,
 * expiry rules and retries are the engine's job (`store-engine.ts`), never the store's.
 *
 * @module
 */

import type { Awaitable } from '../session/awaitable.ts';
import type { SessionData } from '../session/data.ts';
import type { SessionCodec } from '../session/encoding.ts';
import type { ExpiryPolicy } from '../session/expiry.ts';
import type { SessionLogger } from '../session/logger.ts';

/** A stored session. */
export interface StoreRecord {
  data: SessionData;
  /** When the record stops loading. */
  expiresAt: Date;
  /**
   * An opaque token that changes whenever the record is written (the stored text itself will
   * do). Stores that can compare-and-save use it to keep concurrent writers from losing data.
   */
  version?: string | undefined;
  /**
   * What `load` decoded the data from, handed back with the record that saves it, so values the
   * application never changed are written back exactly as they were read: Python types that
   * JavaScript cannot tell apart (`1.0` and `1`, an integer past 2^53, a Python tuple, the key
   * order of a dict with numeric keys). Opaque to everything but the store that made it; a
   * store that needs none leaves it out.
   */
  origin?: unknown;
}

/** What {@link SessionStore.compareAndSave} did. */
export type CompareAndSaveOutcome = 'saved' | 'conflict' | 'missing';

/** Options of {@link SessionStore.save}. */
export interface StoreSaveOptions {
  /**
   * Update only: throw `UpdateError` when the record is gone, because another request
   * deleted it (a logout), rather than bring it back to life. Django's `must_create=False`.
   */
  mustExist: boolean;
}

/** What a store learns from the validated settings when the lifecycle opens it. */
export interface StoreContext {
  /** Django's session encoding under these settings; the default for stores Django can share. */
  readonly djangoCodec: SessionCodec;
  /** Django's `SESSION_COOKIE_NAME`; the file store prefixes its file names with it. */
  readonly cookieName: string;
  readonly policy: ExpiryPolicy;
  readonly logger: SessionLogger;
}

/**
 * A server-side session store. Every method may throw `StoreUnavailable` (with the driver's
 * error as `cause`) when the backing service fails; none may swallow such a failure.
 *
 * `load`, `create`, `save` and `compareAndSave` may answer synchronously, with a plain value
 * (or by throwing), when the answer is at hand without I/O, as the memory store's is: a
 * request whose store answers at once then finishes without waiting a turn of the event loop.
 * Stores that talk to a server return promises, as usual.
 */
export interface SessionStore {
  readonly kind: 'store';
  /** A short name for messages and the CLI: `memory`, `file`, `sqlite`, ... */
  readonly name: string;
  /** Receives the settings before the first request. May be called more than once. */
  open?(context: StoreContext): void | Promise<void>;
  /** The record under `key`, or `null` when there is none or it has expired. Never creates one. */
  load(key: string): Awaitable<StoreRecord | null>;
  /**
   * Stores a new record; throws `CreateError` when `key` is taken. Whether an expired record
   * still takes its key is the store's documented choice, the same as for {@link exists}.
   */
  create(key: string, record: StoreRecord): Awaitable<void>;
  /** Writes the record under `key`; see {@link StoreSaveOptions.mustExist}. */
  save(key: string, record: StoreRecord, options: StoreSaveOptions): Awaitable<void>;
  /**
   * Writes the record only if the stored one is still at `version` (as `load` returned it).
   * Optional: a store that has it loses no concurrent change, because the engine then
   * re-reads the newer record, re-applies this request's own changes and tries again.
   * @returns `'saved'`; `'conflict'` when another writer got there first; `'missing'` when
   *   the record is gone (deleted, or expired).
   */
  compareAndSave?(
    key: string,
    record: StoreRecord,
    version: string,
  ): Awaitable<CompareAndSaveOutcome>;
  /** Deletes the record under `key`; a missing record is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Whether a record exists under `key` (Django's `exists`). An expired record may count until
   * it is cleared (Django's db and file engines) or be gone at once (its cache engine); each
   * store documents which, and `coatcheck/testing` checks it.
   */
  exists(key: string): Promise<boolean>;
  /** Deletes expired records; returns how many. */
  clearExpired(): Promise<number>;
  /** Releases connections, handles and timers. */
  close(): Promise<void>;
}
