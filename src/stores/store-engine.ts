/**
 * The engine over any {@link SessionStore}: the cookie holds only the key, the store holds
 * the data. This is where Django's rules for keys live, once for every store: malformed keys
 * are never looked up, new keys are unique, a save never resurrects a deleted session.
 *
 * @module
 */

import { CreateError, StoreUnavailable, UpdateError } from '../errors.ts';
import type { Engine, EngineContext, LoadedSession, SaveRequest } from '../session/engine.ts';
import { generateSessionKey, isWellFormedSessionKey } from '../session/keys.ts';
import type { SessionStore, StoreContext, StoreRecord } from './store.ts';

// Django's cache engine gives up after 10000 collisions; with 36^32 keys a collision means
// the store is answering wrongly, so a handful of attempts is plenty.
const CREATE_ATTEMPTS = 20;

// Each retry means another request saved this session in between. Under a burst of writers
// to one session (fifty tabs at once), each round lets one through; a short random pause
// after a conflict spreads the rest out. Past this many rounds, failing beats spinning.
const MERGE_ATTEMPTS = 100;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Saves a session that was loaded at `version`, keeping what concurrent requests wrote: when
 * the stored record moved on, this request's own changes are applied to the newer data and
 * the save is tried again. Two requests that change different keys both keep their change;
 * when they change the same key, the last to save wins, as users expect.
 */
async function saveMerging(
  store: SessionStore,
  key: string,
  record: StoreRecord,
  version: string,
  changes: SaveRequest['changes'],
): Promise<void> {
  let attempt: StoreRecord = record;
  let expected = version;
  for (let tries = 1; ; tries++) {
    const outcome = await store.compareAndSave?.(key, attempt, expected);
    if (outcome === 'saved') return;
    if (outcome === 'missing') {
      throw new UpdateError('coatcheck: the session was deleted before it could be saved');
    }
    if (tries > 1) await pause(Math.random() * Math.min(tries, 20));
    const current = await store.load(key);
    if (current === null) {
      throw new UpdateError('coatcheck: the session was deleted before it could be saved');
    }
    if (tries >= MERGE_ATTEMPTS || current.version === undefined) {
      throw new StoreUnavailable(
        `coatcheck: session ${key.slice(0, 6)}… kept changing under concurrent writes; gave up after ${tries} attempts`,
      );
    }
    const data = changes.replaced ? { ...record.data } : { ...current.data };
    if (!changes.replaced) {
      for (const changed of changes.keys) {
        if (Object.hasOwn(record.data, changed)) data[changed] = record.data[changed];
        else delete data[changed];
      }
    }
    attempt = { data, expiresAt: record.expiresAt };
    expected = current.version;
  }
}

/** Wraps a store into the engine the lifecycle talks to. */
export function storeEngine(store: SessionStore, context: EngineContext): Engine {
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

  return {
    name: store.name,

    async load(cookieValue: string): Promise<LoadedSession | null> {
      if (!isWellFormedSessionKey(cookieValue)) {
        context.logger.warn('Session key from the client is malformed; starting a new session');
        return null;
      }
      if (!isOpen) await ready();
      const record = await store.load(cookieValue);
      if (record === null) return null;
      return { key: cookieValue, data: record.data, version: record.version };
    },

    async save(request: SaveRequest): Promise<string> {
      if (!isOpen) await ready();
      const record = { data: request.data, expiresAt: request.expiresAt };
      if (request.key !== null && !request.mustCreate) {
        if (store.compareAndSave !== undefined && request.version !== undefined) {
          await saveMerging(store, request.key, record, request.version, request.changes);
        } else {
          await store.save(request.key, record, { mustExist: true });
        }
        return request.key;
      }
      let key = request.key ?? generateSessionKey();
      for (let attempt = 1; ; attempt++) {
        try {
          await store.create(key, record);
          return key;
        } catch (error) {
          if (!(error instanceof CreateError) || attempt >= CREATE_ATTEMPTS) throw error;
          key = generateSessionKey();
        }
      }
    },

    async discard(keys: readonly string[]): Promise<void> {
      if (!isOpen) await ready();
      await Promise.all(keys.map((key) => store.delete(key)));
    },

    async clearExpired(): Promise<number> {
      if (!isOpen) await ready();
      return store.clearExpired();
    },

    close: () => store.close(),
  };
}
