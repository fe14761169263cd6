/**
 * How the Next.js adapter tells Next's early answers (`redirect()`, `notFound()`, ...) from
 * failures, without importing `next/navigation`.
 *
 * @module
 */

/**
 * The status Next answers with when `error` is one of its early answers (`redirect()`,
 * `notFound()`, `forbidden()`, ...), or `undefined` for a failure. Next tells them apart by the
 * error's `digest` (its own `isRedirectError` and `isHTTPAccessFallbackError` read the same);
 * `unstable_rethrow` would say it too, but `next/navigation` must not be imported by a `.js`
 * name: Next swaps the bare name for its server build in route handlers.
 */
export function navigationStatus(error: unknown): number | undefined {
  const digest = (error as { digest?: unknown } | null)?.digest;
  if (typeof digest !== 'string') return undefined;
  const parts = digest.split(';');
  if (parts[0] === 'NEXT_HTTP_ERROR_FALLBACK') return Number(parts[1]) || 404;
  if (parts[0] === 'NEXT_REDIRECT') return Number(parts.at(-2)) || 307;
  return undefined;
}
