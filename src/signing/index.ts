/**
 * `coatcheck/signing`: Django-compatible signing, byte for byte with `django.core.signing`.
 *
 * Pure and synchronous: salted HMAC key derivation, {@link Signer} and
 * {@link TimestampSigner}, {@link dumps} / {@link loads} tokens, and Django's JSON serializer.
 * Depends on nothing but `node:crypto` and `node:zlib`.
 *
 * @module
 */

export { BadSignature, SignatureExpired } from '../errors.ts';
export { b62Decode, b62Encode } from './base62.ts';
export { b64Decode, b64Encode } from './base64url.ts';
export { DEFAULT_DUMPS_SALT, type DumpsOptions, dumps, type LoadsOptions, loads } from './dumps.ts';
export { pythonJsonParse, pythonJsonStringify } from './python-json.ts';
export { type SecretKey, saltedHmac } from './salted-hmac.ts';
export { JSONSerializer, type Serializer } from './serializer.ts';
export {
  Signer,
  type SignerOptions,
  type SignObjectOptions,
  type UnsignObjectOptions,
} from './signer.ts';
export { TimestampSigner, type UnsignOptions } from './timestamp-signer.ts';
