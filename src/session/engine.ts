/**
 * The `Engine` contract: what the request lifecycle asks of wherever sessions live.
 *
 * Server-side stores implement the smaller `SessionStore` contract (`coatcheck/stores`) and
 * are wrapped into an engine; an engine that keeps the data in the cookie itself (signed
 * cookies) implements this one directly.
 *
 * @module
 */

import type { SecretKey } from '../signing/salted-hmac.ts';
import type { Awaitable } from './awaitable.ts';
import type { SessionData } from './data.ts';
import type { SessionCodec } from './encoding.ts';
import type { ExpiryPolicy } from './expiry.ts';
import type { SessionLogger } from './logger.ts';

/** A session as an engine found it. */
export interface LoadedSession {
  /** The key to keep. For a cookie engine, the cookie value itself. */
  key: string | null;
  data: SessionData;
  /**
   * Whether loading changed the session. Django's signed-cookie engine marks a session it
   * could not read as modified, so the response replaces the bad cookie.
   */
  modified?: boolean;
  /** An opaque token a store uses to detect concurrent writes to the same record. */
  version?: string | undefined;
  /** What the engine decoded the data from; handed back in {@link SaveRequest.origin}. */
  origin?: unknown;
}

/** A session to persist, as the lifecycle hands it over when the request finishes. */
export interface SaveRequest {
  /** The key to save under; `null` when a new key must be made. */
  key: string | null;
  /** The key was generated in this request (`cycleKey`) and has no record yet. */
  mustCreate: boolean;
  data: SessionData;
  /** When the stored record stops loading. */
  expiresAt: Date;
  /** The `version` the session was loaded with, if any. */
  version?: string | undefined;
  /**
   * The `origin` the session was loaded with, if any: lets the engine write back the values this
   * request did not change exactly as it read them.
   */
  origin?: unknown;
  /**
   * What this request changed, for stores that merge concurrent writes: the keys it set or
   * deleted, or `replaced` when it means its data to stand as a whole.
   */
  changes: { keys: readonly string[]; replaced: boolean };
}

/** What createSessions gives an engine when it opens it: the validated settings it needs. */
export interface EngineContext {
  readonly secretKey: SecretKey;
  readonly secretKeyFallbacks: readonly SecretKey[];
  readonly cookieName: string;
  readonly policy: ExpiryPolicy;
  readonly logger: SessionLogger;
  /** Django's session encoding under these settings. */
  readonly djangoCodec: SessionCodec;
  /**
   * The session cookie's `Set-Cookie` line for `value`, with the settings' attributes and the
   * full cookie age: what an engine that keeps the data in the cookie measures against the
   * browsers' limit.
   */
  readonly sessionCookieLine?: ((value: string) => string) | undefined;
}

/** Where sessions live, as the lifecycle sees it. */
export interface Engine {
  /** A short name for messages and the CLI. */
  readonly name: string;
  /**
   * Restores the session a cookie value names, or returns `null` to start a fresh one. Bad
   * cookie values never throw; an unreachable store throws `StoreUnavailable`. An engine that
   * has the answer at hand gives it synchronously (see `Awaitable`).
   */
  load(cookieValue: string): Awaitable<LoadedSession | null>;
  /**
   * Persists a session and returns the cookie value to send. Throws `UpdateError` when the
   * record was deleted meanwhile (the lifecycle turns that into `SessionInterrupted`).
   */
  save(request: SaveRequest): Awaitable<string>;
  /** Deletes the records of keys that `flush` or `cycleKey` left behind. */
  discard(keys: readonly string[]): Promise<void>;
  /**
   * Whether a record exists under `key` (Django's `exists`), for `sessions.open`. Absent where
   * the engine keeps no records (signed cookies): then nothing exists.
   */
  exists?(key: string): Promise<boolean>;
  /** Refuses data this engine cannot keep (it would not fit in a cookie, say), by throwing. */
  checkData?(data: ReadonlyMap<string, unknown>): void;
  /** Removes expired records; returns how many. Absent where expiry takes care of itself. */
  clearExpired?(): Promise<number>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/** An engine that needs the validated settings before it can work, as signed cookies do. */
export interface EngineProvider {
  readonly kind: 'engine';
  readonly name: string;
  open(context: EngineContext): Engine;
}
