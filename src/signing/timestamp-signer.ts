/**
 * Django's `TimestampSigner`: a {@link Signer} that also signs the time, so a value can be
 * refused once it is older than a maximum age.
 *
 * @module
 */

import { BadSignature, SignatureExpired } from '../errors.ts';
import { b62Decode, b62Encode } from './base62.ts';
import { decodeObject, Signer, type UnsignObjectOptions } from './signer.ts';

/** Options of {@link TimestampSigner.unsign}. */
export interface UnsignOptions {
  /**
   * The oldest age accepted, in seconds. A value whose age is strictly greater throws
   * {@link SignatureExpired}. Without it the timestamp is not checked.
   */
  maxAge?: number | undefined;
}

/** Seconds since the epoch, read through `Date.now()` so tests can pin the clock. */
function now(): number {
  return Date.now() / 1000;
}

/**
 * Signs `value:timestamp:signature`, the timestamp being base62 Unix seconds covered by the
 * signature. Django's `TimestampSigner`, and the signer behind `dumps` and signed cookies.
 *
 * @example
 * const signer = new TimestampSigner({ key: process.env.SECRET_KEY });
 * const token = signer.sign('hello');
 * signer.unsign(token, { maxAge: 3600 }); // 'hello', for one hour
 */
export class TimestampSigner extends Signer {
  protected override defaultSalt(): string {
    return 'django.core.signing.TimestampSigner';
  }

  /** Signs the value together with the current time. */
  override sign(value: string): string {
    return super.sign(`${value}${this.sep}${b62Encode(Math.floor(now()))}`);
  }

  /**
   * Returns the value, or throws {@link BadSignature} (tampered) or {@link SignatureExpired}
   * (older than `maxAge` seconds). A timestamp in the future passes, as in Django.
   */
  override unsign(signed: string, options: UnsignOptions = {}): string {
    const timestamped = super.unsign(signed);
    const at = timestamped.lastIndexOf(this.sep);
    const timestamp = at === -1 ? Number.NaN : b62Decode(timestamped.slice(at + this.sep.length));
    // Only a holder of the key can sign a value without a valid timestamp.
    if (Number.isNaN(timestamp)) throw new BadSignature('Signed value has no valid timestamp');
    const { maxAge } = options;
    if (maxAge !== undefined && maxAge !== null) {
      const age = now() - timestamp;
      if (age > maxAge) throw new SignatureExpired(`Signature age ${age} > ${maxAge} seconds`);
    }
    return timestamped.slice(0, at);
  }

  /** {@link Signer.unsignObject}, with the same `maxAge` check as {@link TimestampSigner.unsign}. */
  override unsignObject(
    signed: string,
    options: UnsignObjectOptions & UnsignOptions = {},
  ): unknown {
    return decodeObject(this.unsign(signed, options), options.serializer);
  }
}
