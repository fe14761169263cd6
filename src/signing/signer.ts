/**
 * Django's `Signer`: appends an HMAC signature to a string, and checks it.
 *
 * @module
 */

import { deflateSync, inflateSync } from 'node:zlib';
import { BadSignature } from '../errors.ts';
import { b64Decode, b64Encode } from './base64url.ts';
import { constantTimeEqual } from './constant-time.ts';
import { type PreparedHmac, prepareHmac } from './hmac.ts';
import { deriveHmacKey, resolveAlgorithm, type SecretKey } from './salted-hmac.ts';
import { JSONSerializer, type Serializer } from './serializer.ts';

/** Options of {@link Signer} and {@link TimestampSigner}. */
export interface SignerOptions {
  /** The secret that signs, and verifies first. Django's `SECRET_KEY`. Must not be empty. */
  key: SecretKey;
  /** Older secrets still accepted when verifying (rotation). Django's `SECRET_KEY_FALLBACKS`. */
  fallbackKeys?: readonly SecretKey[] | undefined;
  /**
   * Namespaces the signatures, so a value signed for one purpose fails for another.
   * @default 'django.core.signing.Signer' (or `...TimestampSigner`), as in Django
   */
  salt?: string | undefined;
  /**
   * Separates the value from its signature. It may not consist only of base64 characters.
   * @default ':'
   */
  sep?: string | undefined;
  /**
   * The hashlib name of the HMAC digest.
   * @default 'sha256'
   */
  algorithm?: string | undefined;
}

/** Options of {@link Signer.signObject}. */
export interface SignObjectOptions {
  /** Deflate the payload when that makes it shorter (marked by a leading `.`). @default false */
  compress?: boolean | undefined;
  /**
   * With `compress`, offer only payloads of at least this many bytes to zlib. Deflating a short
   * payload costs more than signing it and saves a few bytes at best; Django reads either form.
   * @default 0 (always try, as Django does)
   */
  compressFrom?: number | undefined;
  /** @default JSONSerializer */
  serializer?: Serializer | undefined;
}

/** Options of {@link Signer.unsignObject}. */
export interface UnsignObjectOptions {
  /** @default JSONSerializer */
  serializer?: Serializer | undefined;
}

// Django's rule: a separator made only of [A-z0-9-_=] could occur inside the signature.
// The range A-z deliberately keeps Django's quirk of also covering [ \ ] ^ _ and `.
const UNSAFE_SEPARATOR = /^[A-z0-9\-_=]*$/;

function checkKey(key: unknown, option: string): SecretKey {
  if (typeof key === 'string' || key instanceof Uint8Array) {
    if (key.length > 0) return key;
    throw new TypeError(`coatcheck: the signing ${option} is empty; pass your SECRET_KEY`);
  }
  throw new TypeError(
    `coatcheck: the signing ${option} must be a string or bytes, got ${key === null ? 'null' : typeof key}`,
  );
}

/**
 * Signs strings with Django's `Signer` format, `value:signature`, where the signature is
 * the URL-safe base64 HMAC of the value under a key derived from the secret and the salt.
 *
 * Signatures are checked in constant time, against the key and then each fallback key.
 *
 * @example
 * const signer = new Signer({ key: process.env.SECRET_KEY });
 * const token = signer.sign('hello'); // 'hello:4iiUoML4...'
 * signer.unsign(token); // 'hello'
 */
export class Signer {
  /** The salt the signatures are namespaced with. */
  readonly salt: string;
  /** The separator between value and signature. */
  readonly sep: string;
  /** The hashlib name of the digest. */
  readonly algorithm: string;
  // The current key first, then the fallbacks; derived once here rather than per signature.
  readonly #keys: readonly PreparedHmac[];

  constructor(options: SignerOptions) {
    const key = checkKey(options?.key, 'key');
    const fallbackKeys = (options.fallbackKeys ?? []).map((k) => checkKey(k, 'fallback key'));
    const sep = options.sep ?? ':';
    if (UNSAFE_SEPARATOR.test(sep)) {
      throw new TypeError(
        `Unsafe Signer separator: ${JSON.stringify(sep)} (cannot be empty or consist of only A-z0-9-_=)`,
      );
    }
    this.sep = sep;
    this.salt = options.salt || this.defaultSalt();
    this.algorithm = options.algorithm || 'sha256';
    const digest = resolveAlgorithm(this.algorithm);
    const keySalt = `${this.salt}signer`;
    this.#keys = [key, ...fallbackKeys].map((k) =>
      prepareHmac(digest, deriveHmacKey(keySalt, k, digest)),
    );
  }

  /** Django's default salt is the class's dotted path. */
  protected defaultSalt(): string {
    return 'django.core.signing.Signer';
  }

  /** Returns `value`, the separator and the signature. */
  sign(value: string): string {
    // biome-ignore lint/style/noNonNullAssertion: the constructor always stores the current key.
    return `${value}${this.sep}${this.#keys[0]!.sign(value)}`;
  }

  /**
   * Returns the value of a signed string, or throws {@link BadSignature} when the signature
   * is missing or does not match under the key or any fallback key.
   */
  unsign(signed: string): string {
    const at = signed.lastIndexOf(this.sep);
    if (at === -1) throw new BadSignature(`No "${this.sep}" found in value`);
    const value = signed.slice(0, at);
    const signature = signed.slice(at + this.sep.length);
    for (const key of this.#keys) {
      if (constantTimeEqual(key.sign(value), signature)) return value;
    }
    throw new BadSignature(`Signature "${signature}" does not match`);
  }

  /**
   * Serializes, optionally compresses, base64-encodes and signs a value: Django's
   * `sign_object`. The result is URL-safe.
   */
  signObject(value: unknown, options: SignObjectOptions = {}): string {
    const serializer = options.serializer ?? JSONSerializer;
    let data = serializer.dumps(value);
    let prefix = '';
    if (options.compress && data.length >= (options.compressFrom ?? 0)) {
      // Python's zlib.compress: a zlib header, the default level. Node's zlib may pick other
      // deflate bytes for the same input; each side inflates the other's, which is all that counts.
      const compressed = deflateSync(data);
      // Django keeps the compressed form only when it saves at least two bytes.
      if (compressed.length < data.length - 1) {
        data = compressed;
        prefix = '.';
      }
    }
    return this.sign(prefix + b64Encode(data));
  }

  /**
   * Verifies and decodes a value made by {@link Signer.signObject} (or Django's
   * `sign_object`). Throws {@link BadSignature} when the signature does not match; a payload
   * that verifies but does not decode throws the serializer's or zlib's error, as in Django.
   */
  unsignObject(signed: string, options: UnsignObjectOptions = {}): unknown {
    return decodeObject(this.unsign(signed), options.serializer);
  }
}

/** Decodes the payload of a verified signed object: base64, optional zlib, then the serializer. */
export function decodeObject(payload: string, serializer: Serializer = JSONSerializer): unknown {
  const compressed = payload.startsWith('.');
  const data = b64Decode(compressed ? payload.slice(1) : payload);
  return serializer.loads(compressed ? inflateSync(data) : data);
}
