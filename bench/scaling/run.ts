/**
 * `npm run bench -- scaling`: how coatcheck's cost grows with the number of live sessions and
 * with their size. coatcheck/node's visit counter on the memory, SQLite and PostgreSQL stores
 * holding 1,000, 100,000 and 1,000,000 sessions of 100 bytes, then 1,000 sessions of 1 KB and
 * 3 KB; every request loads and saves a session picked at random among the live ones (a wrk
 * script), measured as the HTTP section measures (pinned cores, interleaved rounds, medians).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { estimatedTime, have, runRounds, type Sample, type Target } from '../http/rounds.ts';
import { formatFixed, formatRate, markdownTable } from '../lib/markdown.ts';
import { type BenchOptions, wanted } from '../lib/options.ts';
import type { SectionReport } from '../lib/section.ts';
import { median } from '../lib/stats.ts';
import { dropPostgres, fillPostgres, fillSqlite, sessionData, writeKeys } from './fill.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./random-session.lua', import.meta.url));

type Store = 'memory' | 'SQLite' | 'PostgreSQL';
const STORES: readonly Store[] = ['memory', 'SQLite', 'PostgreSQL'];

interface Case {
  store: Store;
  sessions: number;
  /** The length of each session's JSON. */
  bytes: number;
}

// Count with small sessions, then size with few: each sweep moves one thing at a time.
const SHAPES = [
  { sessions: 1_000, bytes: 100 },
  { sessions: 100_000, bytes: 100 },
  { sessions: 1_000_000, bytes: 100 },
  { sessions: 1_000, bytes: 1_000 },
  { sessions: 1_000, bytes: 3_000 },
];
const QUICK_SHAPES = [
  { sessions: 1_000, bytes: 100 },
  { sessions: 1_000, bytes: 3_000 },
];

const label = (c: Case) => `${c.store} ${formatRate(c.sessions)} × ${formatRate(c.bytes)} B`;
const tableName = (c: Case) => `coatcheck_bench_scale_${c.sessions}_${c.bytes}`;

/** Fills the case's store (the memory server fills its own) and says how to serve it. */
async function prepare(c: Case, dir: string, keys: Map<number, string[]>): Promise<Target> {
  const keysFile = join(dir, `keys-${c.sessions}.txt`);
  let list = keys.get(c.sessions);
  if (list === undefined) {
    list = writeKeys(keysFile, c.sessions);
    keys.set(c.sessions, list);
  }
  const data = sessionData(c.bytes);
  let argv: string[];
  if (c.store === 'memory') {
    argv = [SERVER, 'memory', keysFile, String(c.bytes)];
  } else if (c.store === 'SQLite') {
    const file = join(dir, `sessions-${c.sessions}-${c.bytes}.sqlite3`);
    await fillSqlite(file, list, data);
    argv = [SERVER, 'sqlite', file];
  } else {
    await fillPostgres(tableName(c), list, data);
    argv = [SERVER, 'postgres', tableName(c)];
  }
  return {
    name: label(c),
    argv,
    script: { path: SCRIPT, args: [keysFile] },
    warmCookie: `sessionid=${list[0] ?? ''}`,
  };
}

function report(cases: readonly Case[], samples: Map<string, Sample[]>, options: BenchOptions) {
  const rows = cases.flatMap((c) => {
    const list = samples.get(label(c)) ?? [];
    if (list.length === 0) return [];
    const base = samples.get(label({ store: c.store, sessions: 1_000, bytes: 100 }));
    const ratios = list.flatMap((sample, i) => {
      const baseline = base?.[i];
      return baseline === undefined ? [] : [sample.rate / baseline.rate];
    });
    return [
      [
        c.store,
        formatRate(c.sessions),
        `${formatRate(c.bytes)} B`,
        formatRate(median(list.map((s) => s.rate))),
        formatFixed(median(list.map((s) => s.p99)), 1),
        formatFixed(median(ratios), 2),
      ],
    ];
  });
  const table = markdownTable(
    [
      { header: 'store' },
      { header: 'live sessions', align: 'right' },
      { header: 'session JSON', align: 'right' },
      { header: 'req/s', align: 'right' },
      { header: 'p99 (ms)', align: 'right' },
      { header: '÷ 1,000 × 100 B', align: 'right' },
    ],
    rows,
  );
  return {
    title: 'How the cost grows with sessions and their size',
    body: [
      "coatcheck/node's visit counter on each store holding that many live sessions, filled " +
        'before the first round; each request loads and saves a session picked at random among ' +
        `them (a wrk script), ${options.seconds} s per case per round, ${options.rounds} ` +
        `interleaved round${options.rounds === 1 ? '' : 's'}, medians; the last column is the ` +
        'median per-round ratio to the same ' +
        'store with 1,000 sessions of 100 bytes. Session sizes are the JSON of the data, made ' +
        'of random text so that compression cannot shrink it.',
      table,
    ].join('\n\n'),
  };
}

export async function runScalingBench(options: BenchOptions): Promise<SectionReport | undefined> {
  if (!have('wrk', ['--version'])) {
    console.log('\nScaling benchmarks skipped: wrk is not installed (apt-get install wrk).');
    return undefined;
  }
  const cases = STORES.flatMap((store) =>
    (options.quick ? QUICK_SHAPES : SHAPES).map((shape): Case => ({ store, ...shape })),
  ).filter((c) => wanted(options, label(c)));
  if (cases.length === 0) {
    console.log('\nScaling: no case matches --only');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-bench-scale-'));
  const keys = new Map<number, string[]>();
  const targets: Target[] = [];
  const filled: Case[] = [];
  console.log(`\nScaling: filling ${cases.length} stores`);
  try {
    for (const c of cases) {
      const started = performance.now();
      try {
        targets.push(await prepare(c, dir, keys));
        filled.push(c);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.log(`  ${label(c)}: ready in ${seconds} s`);
      } catch (error) {
        console.log(`  ${label(c)}: skipped (${(error as Error).message.split('\n')[0]})`);
      }
    }
    console.log(`  measuring ${targets.length} cases, ${estimatedTime(targets.length, options)}`);
    const samples = await runRounds(targets, options);
    return report(filled, samples, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const tables = filled.filter((c) => c.store === 'PostgreSQL').map(tableName);
    if (tables.length > 0) await dropPostgres(tables);
  }
}
