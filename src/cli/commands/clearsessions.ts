/**
 * `coatcheck clearsessions`: deletes expired sessions, Django's `manage.py clearsessions`.
 *
 * @module
 */

import type { ClearExpiredOptions } from '../../stores/sql/sql-store.ts';
import type { Output } from '../output.ts';
import { sqlStoreOf, type Target } from '../target.ts';

export const clearsessionsHelp = `Usage: coatcheck clearsessions [--database URL | --config FILE] [--batch-size N]

Deletes expired sessions. On a database it deletes in batches (1000 rows by default), each a
short statement of its own, so it is safe to run while traffic flows; schedule it (cron,
systemd timer) as you would Django's clearsessions.`;

const BAR_WIDTH = 30;

function bar(done: number, total: number): string {
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
}

export async function clearsessions(
  target: Target,
  output: Output,
  options: { batchSize?: number | undefined },
): Promise<number> {
  const store = sqlStoreOf(target);
  let deleted: number;
  if (store !== undefined) {
    const { progress } = output;
    // The total is known only on a terminal, where a bar needs it; a pipe gets the count.
    const total = progress === undefined ? 0 : (await store.count()).expired;
    const sweep: ClearExpiredOptions = {};
    if (options.batchSize !== undefined) sweep.batchSize = options.batchSize;
    if (progress !== undefined) {
      sweep.onProgress = (p) => progress(bar(p.deleted, Math.max(total, p.deleted)));
    }
    deleted = await store.clearExpired(sweep);
    if (progress !== undefined) progress(`${bar(deleted, Math.max(total, deleted))}\n`);
  } else if (target.store !== undefined) {
    deleted = await target.store.clearExpired();
  } else {
    output.out(
      `Nothing to clear: ${target.description} keeps sessions in signed cookies, which expire in the browser.`,
    );
    return 0;
  }
  output.out(`Deleted ${deleted} expired session${deleted === 1 ? '' : 's'}.`);
  return 0;
}
