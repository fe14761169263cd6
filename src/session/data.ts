/**
 * The shape of session data, and the check every value passes before it is stored.
 *
 * @module
 */

import { pythonJsonStringify } from '../signing/python-json.ts';

/** Session data: string keys, JSON values. Django's session dict. */
export type SessionData = Record<string, unknown>;

/**
 * Throws a `TypeError` naming the session key when `value` cannot be stored as JSON, so a bad
 * value fails at `set`, in the code that made it, rather than when the response is saved.
 */
export function assertStorable(key: string, value: unknown): void {
  const type = typeof value;
  if (type === 'string' || type === 'boolean' || value === null) return;
  if (type === 'number') return;
  try {
    pythonJsonStringify(value);
  } catch (error) {
    const reason =
      error instanceof Error ? error.message.replace(/^coatcheck: /, '') : String(error);
    throw new TypeError(`coatcheck: cannot store session[${JSON.stringify(key)}]: ${reason}`, {
      cause: error,
    });
  }
}
