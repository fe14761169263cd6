/**
 * STAND-IN until the `pickle` branch lands (its pickle.ts replaces this file on merge): the
 * same API, with JSON bytes behind a pickle protocol header. Not Python's pickle.
 *
 * @module
 */

import type { SessionData } from '../../session/data.ts';
import { pythonJsonParse, pythonJsonStringify } from '../../signing/python-json.ts';

/** The pickle could not be read. */
export class UnpicklingError extends Error {
  override name = 'UnpicklingError';
}

/** Stand-in: JSON behind a protocol header. */
export function pickleSession(data: SessionData, _origin?: unknown, protocol: 4 | 5 = 5): Buffer {
  return Buffer.concat([Buffer.from([0x80, protocol]), Buffer.from(pythonJsonStringify(data))]);
}

/** Stand-in: reads what {@link pickleSession} wrote. */
export function unpickleSession(bytes: Buffer): { data: SessionData; origin: unknown } {
  if (bytes[0] !== 0x80) throw new UnpicklingError('not a pickle');
  try {
    return {
      data: pythonJsonParse(bytes.subarray(2).toString()) as SessionData,
      origin: undefined,
    };
  } catch (error) {
    throw new UnpicklingError('unreadable', { cause: error });
  }
}
