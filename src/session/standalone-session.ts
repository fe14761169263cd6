/**
 * A session opened by key outside any request: Django's `SessionStore(session_key=...)`, for
 * scripts, admin tools, workers and tests. Made by `sessions.open(key)`.
 *
 * @module
 */

import type { Awaitable } from './awaitable.ts';
import type { SessionData, StorableData } from './data.ts';
import { Session, type SessionContext, type SessionState } from './session.ts';

/** What a standalone session was loaded with: the store's concurrency token and origin. */
export interface LoadedFrom {
  version?: string | undefined;
  origin?: unknown;
}

/** The lifecycle's side of a standalone session: the same save path a request uses. */
export interface StandaloneBackend {
  /** Saves the session as a finishing request would; returns the key (or cookie value). */
  persist(state: SessionState, loaded: LoadedFrom): Awaitable<string>;
  /** Deletes the records of these keys. */
  discard(keys: readonly string[]): Promise<void>;
  /** Whether a record exists under `key`; `false` where the engine keeps none (signed cookies). */
  exists(key: string): Promise<boolean>;
}

/**
 * A session opened outside a request, with the whole {@link Session} API plus the store calls a
 * request makes for you when it finishes: {@link save}, {@link destroy}, {@link exists}.
 * Changes stay in memory until `save()`.
 *
 * @typeParam Data - the keys and value types the application keeps in sessions.
 *
 * @example
 * const session = await sessions.open(key);
 * session.set('plan', 'pro');
 * await session.save();
 */
export class StandaloneSession<
  Data extends StorableData<Data> = SessionData,
> extends Session<Data> {
  readonly #state: SessionState;
  readonly #backend: StandaloneBackend;
  readonly #loaded: LoadedFrom;

  constructor(
    state: SessionState,
    context: SessionContext,
    backend: StandaloneBackend,
    loaded: LoadedFrom = {},
  ) {
    super(state, context);
    this.#state = state;
    this.#backend = backend;
    this.#loaded = loaded;
  }

  /**
   * Writes the session, as a request that changed it would when it finishes: the same expiry,
   * and on stores that merge, the same merge with concurrent writers (only the keys changed
   * since the last save are applied to the stored data). A session without a key is created
   * under a new one (Django's `create()`); records that `flush()` or `cycleKey()` left behind
   * are deleted first. Unlike a request, it saves even when nothing changed, as Django's
   * `save()` does, which also renews the expiry.
   *
   * @returns the session key; with signed cookies, the new cookie value.
   * @throws `UpdateError` when the record was deleted since it was opened (a logout, say): the
   *   session is not brought back. `StoreUnavailable` when the store failed.
   */
  async save(): Promise<string> {
    const state = this.#state;
    if (state.staleKeys.length > 0) await this.#backend.discard(state.staleKeys.splice(0));
    const key = await this.#backend.persist(state, this.#loaded);
    // What was just written is the base of the next save: only later changes are re-applied.
    state.changedKeys.clear();
    state.replaced = false;
    state.modified = false;
    state.touched = false;
    return key;
  }

  /**
   * Deletes the stored record now and leaves this object an empty session without a key:
   * Django's `SessionStore.delete()`, named so as not to clash with {@link Session.delete},
   * which removes one key of the data. A missing record is not an error.
   */
  async destroy(): Promise<void> {
    const state = this.#state;
    const keys = state.staleKeys.splice(0);
    if (state.key !== null && !state.mustCreate) keys.push(state.key);
    if (keys.length > 0) await this.#backend.discard(keys);
    state.key = null;
    state.mustCreate = false;
    state.data.clear();
    state.changedKeys.clear();
    state.replaced = false;
    state.modified = false;
  }

  /**
   * Whether a record exists under `key` (by default this session's own): Django's `exists()`.
   * Always `false` with signed cookies, which keep no record.
   */
  async exists(key: string | null = this.sessionKey): Promise<boolean> {
    if (key === null) return false;
    return this.#backend.exists(key);
  }
}
