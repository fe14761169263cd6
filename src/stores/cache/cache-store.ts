/**
 * The `CacheStore` contract: a session store that is a cache Django's `cache` engine can share
 * (Redis, Memcached, or this process's memory), and that `cachedDb` can put in front of a
 * database store.
 *
 * @module
 */

import type { SessionStore } from '../store.ts';
import type { SessionPrefix } from './cache-keys.ts';

/**
 * A cache that keeps sessions. As a store of its own it is Django's `cache` engine: its records
 * live under `django.contrib.sessions.cache<key>` and expire with the cache's TTL. `cachedDb`
 * asks it for the same cache under Django's `cached_db` prefix.
 */
export interface CacheStore extends SessionStore {
  /**
   * The same cache (same connection, same options) with its session keys under another of
   * Django's prefixes. Closing the returned store does not close this one.
   */
  withSessionPrefix(prefix: SessionPrefix): SessionStore;
}
