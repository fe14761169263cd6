/**
 * `npm run bench`: coatcheck beside its peers, in one run, reported as ratios.
 * `npm run bench -- signing` runs one section.
 */
import { runClearSessionsBench } from './clearsessions.ts';
import { runCookiesBench } from './cookies.bench.ts';
import { runHttpBench } from './http/run.ts';
import { runLostUpdatesBench } from './lost-updates.ts';
import { runMemoryBench } from './memory.ts';
import { runPickleBench } from './pickle.bench.ts';
import { runRedisScaleBench } from './redis-scale.ts';
import { runSigningBench } from './signing.bench.ts';

const sections: Record<string, (args: readonly string[]) => void | Promise<void>> = {
  signing: runSigningBench,
  cookies: runCookiesBench,
  pickle: runPickleBench,
  http: runHttpBench,
  'lost-updates': runLostUpdatesBench,
  memory: runMemoryBench,
  'redis-scale': runRedisScaleBench,
  clearsessions: runClearSessionsBench,
};

// Section names come first; options (`--quick`, `--only x`, ...) go to the sections.
const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith('--'));
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
console.log(`coatcheck benchmarks on Node ${process.version}, ${process.platform}/${process.arch}`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length === 0 || wanted.includes(name)) await run(options);
}
