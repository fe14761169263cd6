/**
 * Constant-time string comparison for signatures.
 *
 * @module
 */

/**
 * Tells whether two strings are equal, taking the same time wherever they differ: every code
 * unit is compared, with no early exit, so response timing reveals nothing about how much of
 * a forged signature was right. Only the length may leak, and signature lengths are public.
 *
 * Same guarantee as `crypto.timingSafeEqual`, without the two Buffer copies that call needs;
 * it runs on every request that carries a signed value.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
