/**
 * `coatcheck stats`: how many sessions, how many expired, how big.
 *
 * @module
 */

import type { Output } from '../output.ts';
import { sqlStoreOf, type Target } from '../target.ts';

export const statsHelp = `Usage: coatcheck stats [--database URL | --config FILE] [--json]

Counts the stored sessions, the expired ones (what clearsessions would delete), and the
sizes of their stored data.`;

export async function stats(
  target: Target,
  output: Output,
  options: { json: boolean },
): Promise<number> {
  const store = sqlStoreOf(target);
  if (store === undefined) {
    output.err(`coatcheck stats: ${target.description} does not use a database store`);
    return 1;
  }
  const counts = await store.count();
  if (options.json) {
    output.out(JSON.stringify({ table: store.table, ...counts }));
    return 0;
  }
  output.out(`table     ${store.table} in ${target.description}`);
  output.out(`sessions  ${counts.total}`);
  output.out(`expired   ${counts.expired}`);
  output.out(`live      ${counts.total - counts.expired}`);
  const size = counts.dataLength;
  output.out(
    size === null
      ? 'size      (no sessions)'
      : `size      min ${size.min}, mean ${Math.round(size.mean)}, max ${size.max} characters of stored data`,
  );
  return 0;
}
