/**
 * `coatcheck`: Django's sessions and cookies for Node.js.
 *
 * The everyday API in one import. Signing and cookies also have their own entries,
 * `coatcheck/signing` and `coatcheck/cookies`.
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
  UpdateError,
} from './errors.ts';

// Signing
export { dumps, loads, Signer, TimestampSigner } from './signing/index.ts';
