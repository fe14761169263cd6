/**
 * `npm run bench`: coatcheck beside its peers, in one run, reported as ratios.
 * `npm run bench -- signing` runs one section.
 */
import { runClearSessionsBench } from './clearsessions.ts';
import { runCookiesBench } from './cookies.bench.ts';
import { runHttpBench } from './http/run.ts';
import { runLostUpdatesBench } from './lost-updates.ts';
import { runPickleBench } from './pickle.bench.ts';
import { runSigningBench } from './signing.bench.ts';

const sections: Record<string, () => void | Promise<void>> = {
  signing: runSigningBench,
  cookies: runCookiesBench,
  pickle: runPickleBench,
  http: runHttpBench,
  'lost-updates': runLostUpdatesBench,
  clearsessions: runClearSessionsBench,
};

const wanted = process.argv.slice(2);
console.log(`coatcheck benchmarks on Node ${process.version}, ${process.platform}/${process.arch}`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
