/**
 * The engine over any {@link SessionStore}: the cookie holds only the key, the store holds
 * the data. This is where Django's rules for keys live, once for every store: malformed keys
 * are never looked up, new keys are unique, a save never resurrects a deleted session.
 *
 * @module
 */

import { CreateError } from '../errors.ts';
import type { Engine, EngineContext, LoadedSession, SaveRequest } from '../session/engine.ts';
import { generateSessionKey, isWellFormedSessionKey } from '../session/keys.ts';
import type { SessionStore, StoreContext } from './store.ts';

// Django's cache engine gives up after 10000 collisions; with 36^32 keys a collision means
// the store is answering wrongly, so a handful of attempts is plenty.
const CREATE_ATTEMPTS = 20;

/** Wraps a store into the engine the lifecycle talks to. */
export function storeEngine(store: SessionStore, context: EngineContext): Engine {
  const storeContext: StoreContext = {
    djangoCodec: context.djangoCodec,
    cookieName: context.cookieName,
    policy: context.policy,
    logger: context.logger,
  };
  let opened: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    opened ??= Promise.resolve(store.open?.(storeContext)).catch((error: unknown) => {
      opened = undefined; // let the next request try again
      throw error;
    });
    return opened;
  };

  return {
    name: store.name,

    async load(cookieValue: string): Promise<LoadedSession | null> {
      if (!isWellFormedSessionKey(cookieValue)) {
        context.logger.warn('Session key from the client is malformed; starting a new session');
        return null;
      }
      await ready();
      const record = await store.load(cookieValue);
      if (record === null) return null;
      return { key: cookieValue, data: record.data, version: record.version };
    },

    async save(request: SaveRequest): Promise<string> {
      await ready();
      const record = { data: request.data, expiresAt: request.expiresAt, version: request.version };
      if (request.key !== null && !request.mustCreate) {
        await store.save(request.key, record, { mustExist: true });
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
      await ready();
      await Promise.all(keys.map((key) => store.delete(key)));
    },

    async clearExpired(): Promise<number> {
      await ready();
      return store.clearExpired();
    },

    close: () => store.close(),
  };
}
