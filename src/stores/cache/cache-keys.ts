/**
 * The keys Django's cache session engines use, so coatcheck and Django find each other's
 * sessions in a shared cache (django-spec.md §5.2-5.3, django-cache-format.md).
 *
 * A session lives at `KEY_PREFIX:VERSION:<engine prefix><session key>`: Django's session engine
 * puts its own prefix in front of the session key, with no separator, and the cache layer's
 * default `KEY_FUNCTION` (`make_key`) then adds the cache's `KEY_PREFIX` and `VERSION`.
 *
 * @module
 */

/** The prefix of Django's `cache` session engine (`django.contrib.sessions.backends.cache`). */
export const CACHE_SESSION_PREFIX = 'django.contrib.sessions.cache';

/** The prefix of Django's `cached_db` session engine. */
export const CACHED_DB_SESSION_PREFIX = 'django.contrib.sessions.cached_db';

/** Which of Django's two cache session engines a cache entry belongs to. */
export type SessionPrefix = typeof CACHE_SESSION_PREFIX | typeof CACHED_DB_SESSION_PREFIX;

/** The parts of Django's `CACHES` entry that shape a key. */
export interface CacheKeyOptions {
  /** Django's `KEY_PREFIX`. @default '' */
  keyPrefix?: string | undefined;
  /** Django's `VERSION`. @default 1 */
  version?: number | undefined;
}

/** The full cache key of a session, as Django's default `make_key` builds it. */
export function djangoCacheKey(
  options: CacheKeyOptions,
  sessionPrefix: SessionPrefix,
  sessionKey: string,
): string {
  return `${options.keyPrefix ?? ''}:${options.version ?? 1}:${sessionPrefix}${sessionKey}`;
}
