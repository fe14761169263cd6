/**
 * `npm run bench`: coatcheck beside its peers, in one run, reported as ratios. The full run (no
 * section named, no `--quick`) also writes docs/benchmarks.md and docs/images/bench.svg.
 * `npm run bench -- http scaling --quick` runs some sections; bench/lib/options.ts lists the
 * options.
 */
import os from 'node:os';
import { runClearSessionsBench } from './clearsessions.ts';
import { runCookiesBench } from './cookies.bench.ts';
import { contenders } from './http/contenders.ts';
import { runHttpBench } from './http/run.ts';
import { parseOptions } from './lib/options.ts';
import type { Section, SectionReport } from './lib/section.ts';
import { runLostUpdatesBench } from './lost-updates.ts';
import { runMemoryBench } from './memory.ts';
import { runPickleBench } from './pickle.bench.ts';
import { runRedisScaleBench } from './redis-scale.ts';
import { writeReport } from './report/docs.ts';
import { runScalingBench } from './scaling/run.ts';
import { runSigningBench } from './signing.bench.ts';

const sections: Record<string, Section> = {
  signing: runSigningBench,
  cookies: runCookiesBench,
  pickle: runPickleBench,
  http: runHttpBench,
  scaling: runScalingBench,
  'lost-updates': runLostUpdatesBench,
  memory: runMemoryBench,
  'redis-scale': runRedisScaleBench,
  clearsessions: runClearSessionsBench,
};

// Packages the sections outside the HTTP one compare with.
const OTHER_PACKAGES = [
  'cookie',
  'cookie-signature',
  'connect-redis',
  'express-session',
  'pg',
  'redis',
];

// Section names come first; options (`--quick`, `--only x`, ...) go to the sections.
const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith('--'));
const names = firstOption === -1 ? args : args.slice(0, firstOption);
const unknown = names.filter((name) => !(name in sections));
if (unknown.length > 0) {
  console.error(
    `unknown section ${unknown.join(', ')}; one of: ${Object.keys(sections).join(', ')}`,
  );
  process.exit(2);
}
const options = parseOptions(firstOption === -1 ? [] : args.slice(firstOption));
const write = options.write ?? (names.length === 0 && !options.quick);

const started = new Date();
const loadBefore = os.loadavg()[0] ?? 0;
console.log(
  `coatcheck benchmarks on Node ${process.version}, ${process.platform}/${process.arch}, ` +
    `load average ${loadBefore.toFixed(2)} on ${os.cpus().length} cores`,
);
const reports: SectionReport[] = [];
const durations: [string, number][] = [];
for (const [name, run] of Object.entries(sections)) {
  if (names.length > 0 && !names.includes(name)) continue;
  const sectionStart = performance.now();
  const report = await run(options);
  durations.push([name, (performance.now() - sectionStart) / 1000]);
  if (report === undefined) continue;
  console.log(`\n## ${report.title}\n\n${report.body}`);
  reports.push(report);
}
const seconds = (Date.now() - started.getTime()) / 1000;
const spent = durations.map(([name, time]) => `${name} ${Math.round(time)} s`).join(', ');
console.log(`\nDone in ${(seconds / 60).toFixed(1)} min (${spent}).`);
if (write) {
  await writeReport(reports, {
    command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
    started,
    seconds,
    durations,
    quick: options.quick,
    loadBefore,
    loadAfter: os.loadavg()[0] ?? 0,
    packages: [...contenders.flatMap((entry) => entry.packages), ...OTHER_PACKAGES],
    sections: Object.keys(sections),
  });
}
