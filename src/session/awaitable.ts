/**
 * Answers that may come now or later.
 *
 * A store that has the answer at hand (the memory store, a signed cookie) gives it as a plain
 * value; one that must ask a server gives a promise. The lifecycle looks at which it got: a
 * request whose every step answered at once is finished in the same turn of the event loop,
 * without a promise or a queued response, which is most of the cost of a session on a fast
 * store.
 *
 * @module
 */

/** A value, or a promise of one. */
export type Awaitable<T> = T | PromiseLike<T>;

/** Whether `value` is still to come. Any thenable counts, as `await` would treat it. */
export function isPending<T>(value: Awaitable<T>): value is PromiseLike<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
