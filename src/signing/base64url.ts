/**
 * URL-safe base64 without padding, as Django's `b64_encode` / `b64_decode` write and read it.
 *
 * @module
 */

/** Encodes bytes as URL-safe base64 (`-` and `_`) with every `=` stripped. */
export function b64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes URL-safe base64 with or without padding. Like Python's decoder, characters outside
 * the alphabet are ignored: a signature is always checked before a payload is decoded, so
 * leniency here cannot let a forged value through.
 */
export function b64Decode(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}
