// Throwaway stand-in for the pickle codec (branch `pickle`): same API, JSON bytes. Deleted
// when pickle.ts lands.
import type { SessionData } from '../../session/data.ts';

export class UnpicklingError extends Error {
  override name = 'UnpicklingError';
}

export function pickleSession(data: SessionData, _origin?: unknown, _protocol?: 4 | 5): Buffer {
  return Buffer.from(`J${JSON.stringify(data)}`);
}

export function unpickleSession(bytes: Uint8Array): { data: SessionData; origin: unknown } {
  const text = Buffer.from(bytes).toString();
  if (!text.startsWith('J')) throw new UnpicklingError('not a stand-in pickle');
  try {
    return { data: JSON.parse(text.slice(1)) as SessionData, origin: undefined };
  } catch (error) {
    throw new UnpicklingError(String(error));
  }
}
