/**
 * `coatcheck`: Django's sessions and cookies for Node.js.
 *
 * The everyday API in one import: `createSessions`, the `Session` type, the settings, and
 * every error class. Stores and adapters have their own entries (`coatcheck/stores/memory`,
 * `coatcheck/node`, ...) so an application loads only what it uses.
 *
 * @module
 */

// Errors
export {
  BadSignature,
  CoatcheckError,
  CookieTooLarge,
  CreateError,
  ImproperlyConfigured,
  InvalidCookie,
  SessionInterrupted,
  SignatureExpired,
  StoreUnavailable,
  SuspiciousSession,
  UnpicklingError,
  UpdateError,
} from './errors.ts';
// The request lifecycle
export {
  createSessions,
  type FinishResult,
  type GetSignedCookieOptions,
  type RequestContext,
  type Sessions,
  type SetSignedCookieOptions,
} from './middleware/lifecycle.ts';
export type { SessionData, Storable, StorableData } from './session/data.ts';
export type { SessionCodec } from './session/encoding.ts';
export type {
  Engine,
  EngineContext,
  EngineProvider,
  LoadedSession,
  SaveRequest,
} from './session/engine.ts';
export type { Expiry } from './session/expiry.ts';
export { generateSessionKey } from './session/keys.ts';
export type { SessionLogger } from './session/logger.ts';
// Typed data: the registry for globally typed requests, and the Standard Schema of settings.schema
export type { Register, RegisteredData } from './session/register.ts';
// Sessions
export {
  type ExpiryOptions,
  Session,
  type SessionValue,
  TEST_COOKIE_NAME,
  TEST_COOKIE_VALUE,
} from './session/session.ts';
export { StandaloneSession } from './session/standalone-session.ts';
export type {
  InferSchemaOutput,
  StandardSchemaIssue,
  StandardSchemaResult,
  StandardSchemaV1,
} from './session/standard-schema.ts';
// Settings
export type { ResolvedSettings, Settings } from './settings.ts';
// Signing
export { dumps, loads, Signer, TimestampSigner } from './signing/index.ts';
// Stores: the Python values the cache stores (Redis, Memcached) hand out for what JavaScript
// has no type for (a datetime, a Decimal, ...)
export { PythonObject } from './stores/cache/python-values.ts';
// Stores: the contract, for writing one
export type { SessionStore, StoreContext, StoreRecord, StoreSaveOptions } from './stores/store.ts';
