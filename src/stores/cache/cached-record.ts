/**
 * A session as a cache holds it, read back as a store record: what the Redis and Memcached stores
 * (Django's `cache` engine) do with the bytes a load returns.
 *
 * @module
 */

import { EXPIRY_KEY, type ExpiryPolicy, expiryDate } from '../../session/expiry.ts';
import type { StoreContext, StoreRecord } from '../store.ts';
import { unpickleSession } from './pickle.ts';

// Django's defaults, for a store used before createSessions opened it (a script, a test).
const DJANGO_POLICY: ExpiryPolicy = { cookieAge: 1_209_600, expireAtBrowserClose: false };

/**
 * The record a cache entry holds, or `null` when the entry is not a pickled session dict. As
 * Django's cache engine does, an unreadable entry counts as a miss: the request starts a new
 * session under a new key, the entry stays as its writer left it, and the logger says why.
 *
 * @param where names the entry in that warning, e.g. `Redis key :1:django.contrib...`.
 */
export function cachedRecord(
  bytes: Uint8Array,
  version: string | undefined,
  context: StoreContext | undefined,
  where: string,
): StoreRecord | null {
  let decoded: ReturnType<typeof unpickleSession>;
  try {
    decoded = unpickleSession(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    context?.logger.warn(
      `${where} is not a readable session pickle (${reason}); starting a new session`,
    );
    return null;
  }
  // A cache keeps no expiry beside the value: it is the session's own, or the cookie age from
  // now, as Django's get_expiry_date computes it for a cache session.
  const policy = context?.policy ?? DJANGO_POLICY;
  return {
    data: decoded.data,
    expiresAt: expiryDate(policy, decoded.data[EXPIRY_KEY] as never, new Date(Date.now())),
    version,
    origin: decoded.origin,
  };
}
