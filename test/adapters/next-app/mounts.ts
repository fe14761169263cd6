/**
 * How test/adapters/next.test.ts hands the app what it serves. The test runs Next in its own
 * process (Next's custom server), so a global is shared by both; each `describeAdapter` mount
 * registers its sessions under an id, and its server tags every request with that id.
 */
import type { Sessions } from '../../../src/middleware/lifecycle.ts';
import type { Route } from '../scenarios.ts';

export interface Mount {
  sessions: Sessions;
  routes: Record<string, Route>;
}

/** The request header that names the mount a request is for. */
export const MOUNT_HEADER = 'x-coatcheck-test-mount';

const key = Symbol.for('coatcheck.test.next-mounts');

/** The mounts, by id: one map per process, whichever copy of this module asks. */
export function mounts(): Map<string, Mount> {
  const holder = globalThis as { [key]?: Map<string, Mount> };
  holder[key] ??= new Map();
  return holder[key];
}
