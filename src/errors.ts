/**
 * Every error coatcheck throws on purpose, in one file.
 *
 * Each failure a caller can act on has its own class, so code branches on
 * `instanceof`, never on message text. All of them extend {@link CoatcheckError}.
 *
 * @module
 */

/** The base class of every error coatcheck throws on purpose. */
export class CoatcheckError extends Error {
  override name = 'CoatcheckError';
}

/** A signed value failed verification: wrong key, wrong salt, or tampered. */
export class BadSignature extends CoatcheckError {
  override name = 'BadSignature';
}

/** A signed value verified, but its timestamp is older than the allowed age. */
export class SignatureExpired extends BadSignature {
  override name = 'SignatureExpired';
}

/** A cookie name, value or attribute that a browser would reject or misread. */
export class InvalidCookie extends CoatcheckError {
  override name = 'InvalidCookie';
}

/** A serialized cookie exceeds the 4096 bytes browsers keep; they drop it silently. */
export class CookieTooLarge extends CoatcheckError {
  override name = 'CookieTooLarge';
}

/** A setting that cannot work, found when the settings are validated at startup. */
export class ImproperlyConfigured extends CoatcheckError {
  override name = 'ImproperlyConfigured';
}

/** Session data or a session key from the client that is not to be trusted. */
export class SuspiciousSession extends CoatcheckError {
  override name = 'SuspiciousSession';
}

/** A store refused to create a record because its key already exists. */
export class CreateError extends CoatcheckError {
  override name = 'CreateError';
}

/** A store refused to update a record because it no longer exists. */
export class UpdateError extends CoatcheckError {
  override name = 'UpdateError';
}

/**
 * The session was deleted by another request (a logout, say) while this one ran.
 * Saving it would bring it back to life, so the request fails with HTTP 400 instead.
 */
export class SessionInterrupted extends CoatcheckError {
  override name = 'SessionInterrupted';
  /** The HTTP status adapters answer with, as Django's handler does. */
  readonly status = 400;
}

/** The store could not be reached or refused the operation; `cause` holds the driver's error. */
export class StoreUnavailable extends CoatcheckError {
  override name = 'StoreUnavailable';
  /** The HTTP status adapters answer with. */
  readonly status = 503;
}

/**
 * A cache entry that is not a pickle coatcheck can read: truncated, corrupt, nested too deep,
 * or not a session dict. Cache stores treat it as a missing session.
 */
export class UnpicklingError extends CoatcheckError {
  override name = 'UnpicklingError';
}
