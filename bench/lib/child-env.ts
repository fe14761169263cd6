/**
 * The environment of the processes the benchmarks start (servers, load, the CLI): V8's code
 * cache for their modules, so each starts in about a third of the time (most of a `--quick`
 * run is starting servers). It changes how fast a process starts, not how fast it serves.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_COMPILE_CACHE: join(tmpdir(), 'coatcheck-bench-compile-cache'),
};
