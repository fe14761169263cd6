/**
 * The engine over any {@link SessionStore}: the cookie holds only the key, the store holds
 * the data. This is where Django's rules for keys live, once for every store: malformed keys
 * are never looked up, new keys are unique, a save never resurrects a deleted session.
 *
 * @module
 */

import { CreateError, StoreUnavailable, UpdateError } from '../errors.ts';
import { type Awaitable, isPending } from '../session/awaitable.ts';
import type { Engine, EngineContext, LoadedSession, SaveRequest } from '../session/engine.ts';
import { generateSessionKey, isWellFormedSessionKey } from '../session/keys.ts';
import type { SessionStore, StoreContext, StoreRecord } from './store.ts';

// Django's cache engine gives up after 10000 collisions; with 36^32 keys a collision means
// the store is answering wrongly, so a handful of attempts is plenty.
const CREATE_ATTEMPTS = 20;

// Each retry means another process saved this session in between (this process's own writers
// queue up, see SaveLanes). A short random pause after a repeated conflict spreads the writers
// out. Past this many rounds, failing beats spinning.
const MERGE_ATTEMPTS = 100;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DELETED = 'coatcheck: the session was deleted before it could be saved';

/** One request's save: its record and the keys it changed. */
interface Change {
  record: StoreRecord;
  changes: SaveRequest['changes'];
}

/**
 * `base` with each change applied in order: the keys a request set or deleted, or its whole
 * data when it replaced the data (`clear`, `flush`, `modified = true`). Built in a Map: assigning
 * keys to a plain object would turn a session key named `__proto__` into the object's prototype
 * and drop it.
 */
function applyChanges(base: StoreRecord['data'], items: readonly Change[]): StoreRecord['data'] {
  let data = new Map(Object.entries(base));
  for (const { record, changes } of items) {
    if (changes.replaced) {
      data = new Map(Object.entries(record.data));
      continue;
    }
    for (const changed of changes.keys) {
      if (Object.hasOwn(record.data, changed)) data.set(changed, record.data[changed]);
      else data.delete(changed);
    }
  }
  return Object.fromEntries(data);
}

/**
 * Saves changes to a session, keeping what concurrent requests wrote: the write applies only if
 * the stored record is still the version the changes were made on; when it moved on, the
 * changes are applied to the newer data and the write is tried again. Two requests that change
 * different keys both keep their change; when they change the same key, the last to save wins,
 * as users expect. `loaded` is the record a lone request loaded, tried first as it is.
 */
async function saveMerging(
  store: SessionStore,
  key: string,
  items: readonly Change[],
  loaded: { record: StoreRecord; version: string } | undefined,
): Promise<void> {
  const expiresAt = items.at(-1)?.record.expiresAt ?? new Date(Date.now());
  let attempt = loaded?.record;
  let expected = loaded?.version;
  for (let tries = 1; ; tries++) {
    if (attempt === undefined || expected === undefined) {
      const current = await store.load(key);
      if (current === null) throw new UpdateError(DELETED);
      if (current.version === undefined) {
        throw new StoreUnavailable(
          `coatcheck: the ${store.name} store returned no version to merge on`,
        );
      }
      attempt = { data: applyChanges(current.data, items), expiresAt, origin: current.origin };
      expected = current.version;
    }
    const outcome = await store.compareAndSave?.(key, attempt, expected);
    if (outcome === 'saved') return;
    if (outcome === 'missing') throw new UpdateError(DELETED);
    if (tries >= MERGE_ATTEMPTS) {
      throw new StoreUnavailable(
        `coatcheck: session ${key.slice(0, 6)}… kept changing under concurrent writes; gave up after ${tries} attempts`,
      );
    }
    if (tries > 1) await pause(Math.random() * Math.min(tries, 20));
    attempt = undefined;
    expected = undefined;
  }
}

/** A request waiting in a session's lane, and how to tell it the outcome. */
interface Waiting extends Change {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * This process's saves, one lane per session being saved. The first request writes at once;
 * requests that save the same session while that write is in flight wait, and then go
 * together, in arrival order, as one merged write on top of what was saved before them. A
 * burst of writers to one session (a page and its XHRs, fifty tabs) costs one read and one
 * write per round instead of a conflict and a retry per request, and keeps every change.
 */
class SaveLanes {
  readonly #lanes = new Map<string, Waiting[]>();
  readonly #store: SessionStore;

  constructor(store: SessionStore) {
    this.#store = store;
  }

  save(key: string, change: Change, version: string): Awaitable<void> {
    const lane = this.#lanes.get(key);
    if (lane !== undefined) {
      return new Promise((resolve, reject) => lane.push({ ...change, resolve, reject }));
    }
    // The write is tried at once. A store that answers synchronously that it saved (the memory
    // store) needs no lane: no other writer of this process can have come in between.
    const first = this.#store.compareAndSave?.(key, change.record, version);
    if (!isPending(first)) {
      if (first === 'saved') return;
      if (first === 'missing') throw new UpdateError(DELETED);
    }
    const waiting: Waiting[] = [];
    this.#lanes.set(key, waiting);
    const own = Promise.resolve(first).then((outcome) => {
      if (outcome === 'saved') return;
      if (outcome === 'missing') throw new UpdateError(DELETED);
      // Another writer got there first: merge onto what it saved.
      return saveMerging(this.#store, key, [change], undefined);
    });
    // Settled either way, the writers that queued meanwhile go next; this request does not wait.
    void own.then(
      () => this.#drain(key, waiting),
      () => this.#drain(key, waiting),
    );
    return own;
  }

  async #drain(key: string, waiting: Waiting[]): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0);
      try {
        await saveMerging(this.#store, key, batch, undefined);
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.#lanes.delete(key);
  }
}

/** Wraps a store into the engine the lifecycle talks to. */
export function storeEngine(store: SessionStore, context: EngineContext): Engine {
  const lanes = new SaveLanes(store);
  const storeContext: StoreContext = {
    djangoCodec: context.djangoCodec,
    cookieName: context.cookieName,
    policy: context.policy,
    logger: context.logger,
  };
  // Opening (a migration, say) runs once, on first use; after that, no request waits for it.
  let isOpen = store.open === undefined;
  let opening: Promise<void> | undefined;
  const ready = (): Promise<void> | undefined => {
    if (isOpen) return undefined;
    opening ??= Promise.resolve(store.open?.(storeContext)).then(
      () => {
        isOpen = true;
      },
      (error: unknown) => {
        opening = undefined; // let the next request try again
        throw error;
      },
    );
    return opening;
  };

  const opened = <T>(next: () => Awaitable<T>): Promise<T> =>
    (ready() ?? Promise.resolve()).then(next);

  const found = (key: string, record: StoreRecord | null): LoadedSession | null =>
    record === null
      ? null
      : { key, data: record.data, version: record.version, origin: record.origin };

  const loadOpen = (key: string): Awaitable<LoadedSession | null> => {
    const record = store.load(key);
    return isPending(record)
      ? Promise.resolve(record).then((answer) => found(key, answer))
      : found(key, record);
  };

  const saveOpen = (request: SaveRequest): Awaitable<string> => {
    const record = { data: request.data, expiresAt: request.expiresAt, origin: request.origin };
    const { key } = request;
    if (key === null || request.mustCreate) return create(key ?? generateSessionKey(), record, 1);
    const saved =
      store.compareAndSave !== undefined && request.version !== undefined
        ? lanes.save(key, { record, changes: request.changes }, request.version)
        : store.save(key, record, { mustExist: true });
    return isPending(saved) ? Promise.resolve(saved).then(() => key) : key;
  };

  // A taken key (a collision, or a key the client chose and someone else holds) gets a new one.
  const create = (key: string, record: StoreRecord, attempt: number): Awaitable<string> => {
    const retry = (error: unknown): Awaitable<string> => {
      if (!(error instanceof CreateError) || attempt >= CREATE_ATTEMPTS) throw error;
      return create(generateSessionKey(), record, attempt + 1);
    };
    let created: Awaitable<void>;
    try {
      created = store.create(key, record);
    } catch (error) {
      return retry(error);
    }
    return isPending(created) ? Promise.resolve(created).then(() => key, retry) : key;
  };

  return {
    name: store.name,

    load(cookieValue: string): Awaitable<LoadedSession | null> {
      if (!isWellFormedSessionKey(cookieValue)) {
        context.logger.warn('Session key from the client is malformed; starting a new session');
        return null;
      }
      if (!isOpen) return opened(() => loadOpen(cookieValue));
      return loadOpen(cookieValue);
    },

    save(request: SaveRequest): Awaitable<string> {
      if (!isOpen) return opened(() => saveOpen(request));
      return saveOpen(request);
    },

    async discard(keys: readonly string[]): Promise<void> {
      if (!isOpen) await ready();
      await Promise.all(keys.map((key) => store.delete(key)));
    },

    async exists(key: string): Promise<boolean> {
      // A key no store would have made is never looked up, as in load.
      if (!isWellFormedSessionKey(key)) return false;
      if (!isOpen) await ready();
      return store.exists(key);
    },

    async clearExpired(): Promise<number> {
      if (!isOpen) await ready();
      return store.clearExpired();
    },

    close: () => store.close(),
  };
}
