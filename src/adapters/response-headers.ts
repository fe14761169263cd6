/**
 * What every adapter does to a response the same way: add `Cookie` to `Vary`, and turn the
 * lifecycle's errors into HTTP statuses.
 *
 * @module
 */

import { SessionInterrupted, StoreUnavailable } from '../errors.ts';

/**
 * Adds `Cookie` to a `Vary` header value, as Django's `patch_vary_headers` does: kept once,
 * case-insensitively, and left alone when the header is `*`.
 */
export function varyWithCookie(existing: string | undefined | null): string {
  if (existing === undefined || existing === null || existing.trim() === '') return 'Cookie';
  const fields = existing.split(',').map((field) => field.trim().toLowerCase());
  if (fields.includes('*') || fields.includes('cookie')) return existing;
  return `${existing}, Cookie`;
}

/**
 * The status an adapter answers with when `finish` fails: 400 for a session deleted by a
 * concurrent request, 503 for a store that is down; `undefined` for anything else (a bug,
 * which the framework's own error handling should see).
 */
export function statusOfError(error: unknown): number | undefined {
  if (error instanceof SessionInterrupted || error instanceof StoreUnavailable) return error.status;
  return undefined;
}
