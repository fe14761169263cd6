/**
 * docs/benchmarks.md and docs/images/bench.svg, written from one run's numbers. Everything
 * above the notes marker is generated; the notes below it (analysis, profiles, history) are
 * written by hand and carried over from the page the run replaces.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { markdownTable } from '../lib/markdown.ts';
import type { SectionReport } from '../lib/section.ts';
import { barChart } from './chart.ts';
import { describeMachine, packageVersion } from './machine.ts';

const ROOT = new URL('../../', import.meta.url);
const PAGE = new URL('docs/benchmarks.md', ROOT);
const CHART = new URL('docs/images/bench.svg', ROOT);

/** The line above the hand-written notes; the run keeps what follows it. */
export const NOTES_MARKER =
  '<!-- Notes: written by hand below this line; `npm run bench` keeps them when it rewrites the page. -->';

export interface RunInfo {
  /** The command as typed. */
  command: string;
  started: Date;
  seconds: number;
  /** Seconds each section took. */
  durations: readonly [string, number][];
  quick: boolean;
  /** One-minute load averages before and after: the machine may be shared. */
  loadBefore: number;
  loadAfter: number;
  /** The npm packages the contenders ran on. */
  packages: readonly string[];
  sections: readonly string[];
}

function keptNotes(): string {
  if (!existsSync(PAGE)) return '';
  const page = readFileSync(PAGE, 'utf8');
  const at = page.indexOf(NOTES_MARKER);
  return at === -1 ? '' : page.slice(at + NOTES_MARKER.length).trim();
}

const day = (date: Date) => date.toISOString().slice(0, 10);

async function header(run: RunInfo, chart: boolean): Promise<string> {
  const machine = [
    ['command', `\`${run.command}\``],
    ['date', day(run.started)],
    [
      'duration',
      `${(run.seconds / 60).toFixed(1)} min (${run.durations.map(([name, time]) => `${name} ${Math.round(time)} s`).join(', ')})`,
    ],
    ...(await describeMachine()),
    [
      'load average (1 min)',
      `${run.loadBefore.toFixed(2)} before, ${run.loadAfter.toFixed(2)} after`,
    ],
  ];
  const versions = [...new Set(run.packages)].sort().map((name) => [name, packageVersion(name)]);
  return [
    '# Benchmarks',
    `This page is written by \`npm run bench\` from the numbers of one run (${day(run.started)}); ` +
      'the notes at the end are written by hand and kept.',
    ...(run.quick
      ? [
          '**This run was `--quick`**: one short round per server, small fills. Its figures ' +
            'show that every section runs, not how fast anything is: rerun `npm run bench` for ' +
            'figures to compare.',
        ]
      : []),
    '```sh\n' +
      'npm run bench                          # every section, then this page and the chart (about 25 min)\n' +
      'npm run bench -- --quick               # every section lightly, in under two minutes\n' +
      'npm run bench -- http --only fastify   # one section; only the servers named (and their yardsticks)\n' +
      'npm run bench -- scaling --rounds 1 --seconds 1\n' +
      '```',
    `Sections: ${run.sections.map((name) => `\`${name}\``).join(', ')}. Options: \`--quick\`, ` +
      '`--rounds N` and `--seconds N` (HTTP and scaling rounds; 5 of 3 s unless said), ' +
      '`--only <part of a name>` (repeatable), `--write` (write this page from a partial or quick ' +
      'run too), `--no-write`. The HTTP sections need `wrk` (`apt-get install wrk`); PostgreSQL ' +
      'and Redis are those of DEVELOPERS.md (`COATCHECK_BENCH_POSTGRES`, `COATCHECK_BENCH_REDIS`).',
    '## Where it ran',
    markdownTable([{ header: 'what' }, { header: 'this run' }], machine),
    markdownTable([{ header: 'package' }, { header: 'version', align: 'right' }], versions),
    ...(chart
      ? [
          "![Requests per second of the visit counter, coatcheck beside each framework's session libraries](images/bench.svg)",
        ]
      : []),
  ].join('\n\n');
}

/** Writes the page and, when the HTTP section ran, the chart. */
export async function writeReport(reports: readonly SectionReport[], run: RunInfo): Promise<void> {
  const groups = reports.flatMap((report) => report.chart ?? []);
  const notes = keptNotes();
  const page = [
    await header(run, groups.length > 0),
    ...reports.map((report) => `## ${report.title}\n\n${report.body}`),
    NOTES_MARKER,
    ...(notes === '' ? [] : [notes]),
  ].join('\n\n');
  writeFileSync(PAGE, `${page}\n`);
  if (groups.length > 0) {
    mkdirSync(new URL('.', CHART), { recursive: true });
    const subtitle = `${run.command}, ${day(run.started)}, Node ${process.version}${run.quick ? ' (a quick run: not for comparing)' : ''}`;
    writeFileSync(
      CHART,
      barChart('The visit counter: requests per second (higher is better)', subtitle, groups),
    );
  }
  // The tables are written aligned already; Biome has the last word on the rest of the page.
  const biome = fileURLToPath(new URL('node_modules/.bin/biome', ROOT));
  if (existsSync(biome)) {
    execFileSync(biome, ['format', '--write', fileURLToPath(PAGE)], { stdio: 'ignore' });
  }
  console.log(
    `\nWrote ${fileURLToPath(PAGE)}${groups.length > 0 ? ` and ${fileURLToPath(CHART)}` : ''}`,
  );
}
