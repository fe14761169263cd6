/**
 * `npm run bench -- http`: the visit counter through every contender (bench/http/contenders.ts),
 * reported beside its framework with no sessions and beside the peers on the same framework and
 * kind of store, with the goals of issues 9 and 10.
 */
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from '../lib/options.ts';
import type { SectionReport } from '../lib/section.ts';
import { bareOf, goals, sameGround } from './comparisons.ts';
import { type Contender, contenders } from './contenders.ts';
import { httpReport } from './report.ts';
import { estimatedTime, have, runRounds, type Target } from './rounds.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));

/**
 * The contenders `--only` names, with every one their figures are compared with: the others on
 * the same ground, the other side of their goals, and the bare frameworks of all of these.
 */
function chosen(only: readonly string[]): Contender[] {
  if (only.length === 0) return [...contenders];
  const picked = contenders.filter((entry) => only.some((part) => entry.name.includes(part)));
  const names = new Set(picked.map((entry) => entry.name));
  for (const entry of picked) {
    for (const other of contenders) if (sameGround(entry, other)) names.add(other.name);
  }
  for (const goal of goals) {
    if (names.has(goal.numerator) || names.has(goal.denominator)) {
      names.add(goal.numerator);
      names.add(goal.denominator);
    }
  }
  for (const entry of contenders.filter((e) => names.has(e.name))) {
    const bare = bareOf(entry);
    if (bare !== undefined) names.add(bare.name);
  }
  return contenders.filter((entry) => names.has(entry.name));
}

export async function runHttpBench(options: BenchOptions): Promise<SectionReport | undefined> {
  if (!have('wrk', ['--version'])) {
    console.log('\nHTTP benchmarks skipped: wrk is not installed (apt-get install wrk).');
    return undefined;
  }
  const entries = chosen(options.only);
  if (entries.length === 0) {
    console.log('\nVisit counter over HTTP: no server matches --only');
    return undefined;
  }
  const ready: Contender[] = [];
  for (const entry of entries) {
    try {
      await entry.prepare?.();
      ready.push(entry);
    } catch (error) {
      console.log(`  ${entry.name}: skipped (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const targets = ready.map(
    (entry): Target => ({
      name: entry.name,
      argv: [SERVER, entry.name],
      ...(entry.path === undefined ? {} : { path: entry.path }),
    }),
  );
  console.log(
    `\nVisit counter over HTTP: ${targets.length} servers, ${estimatedTime(targets.length, options)}`,
  );
  const samples = await runRounds(targets, options);
  return httpReport(ready, samples, options);
}
