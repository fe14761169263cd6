/**
 * The serializer contract of signed objects, and Django's JSON serializer.
 *
 * @module
 */

import { pythonJsonParse, pythonJsonStringify } from './python-json.ts';

/** Turns a value into the bytes that get signed, and back. Django's `SESSION_SERIALIZER`. */
export interface Serializer {
  /** Encodes a value. Throws a `TypeError` for a value it cannot carry. */
  dumps(value: unknown): Buffer;
  /** Decodes bytes written by {@link Serializer.dumps}, or by Django's serializer of the same name. */
  loads(data: Buffer): unknown;
}

/**
 * Django's `JSONSerializer`: Python-exact compact JSON, read and written as latin-1 (the JSON
 * is pure ASCII, so latin-1 and UTF-8 agree on it).
 */
export const JSONSerializer: Serializer = Object.freeze({
  dumps(value: unknown): Buffer {
    return Buffer.from(pythonJsonStringify(value), 'latin1');
  },
  loads(data: Buffer): unknown {
    return pythonJsonParse(data.toString('latin1'));
  },
});
