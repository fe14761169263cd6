/**
 * `npm run bench -- http`: the visit counter through every contender (bench/http/contenders.ts),
 * reported beside its framework with no sessions and beside the peers on the same framework and
 * kind of store, with the goals of issues 9 and 10.
 */
import { fileURLToPath } from 'node:url';
import { formatFixed, formatRate, markdownTable } from '../lib/markdown.ts';
import type { BenchOptions } from '../lib/options.ts';
import type { SectionReport } from '../lib/section.ts';
import { median } from '../lib/stats.ts';
import type { ChartGroup } from '../report/chart.ts';
import { type Contender, contenders } from './contenders.ts';
import { describeGoal, GOALS, type Goal, goalHolds } from './goals.ts';
import { CONNECTIONS, estimatedTime, have, PINNED, runRounds, type Sample } from './rounds.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));

const sameGround = (a: Contender, b: Contender) =>
  a.framework === b.framework && a.store === b.store;

const bareOf = (entry: Contender) =>
  contenders.find((other) => other.role === 'bare' && other.framework === entry.framework);

/** Every coatcheck contender beside every peer on the same framework and kind of store. */
const pairs: readonly [Contender, Contender][] = contenders.flatMap((ours) =>
  ours.role === 'coatcheck'
    ? contenders
        .filter((peer) => peer.role === 'peer' && sameGround(ours, peer))
        .map((peer): [Contender, Contender] => [ours, peer])
    : [],
);

// Issue 10 asks coatcheck to be ahead of every peer on the same ground; the goals above it set
// higher targets for some pairs, which stand instead.
const goals: readonly Goal[] = [
  ...GOALS,
  ...pairs
    .filter(
      ([ours, peer]) =>
        !GOALS.some((g) => g.numerator === ours.name && g.denominator === peer.name),
    )
    .map(
      ([ours, peer]): Goal => ({
        kind: 'faster',
        numerator: ours.name,
        denominator: peer.name,
        target: 1,
      }),
    ),
];

/** The contenders `--only` names, with every one their figures are compared with. */
function chosen(only: readonly string[]): Contender[] {
  if (only.length === 0) return [...contenders];
  const names = new Set(
    contenders.filter((entry) => only.some((part) => entry.name.includes(part))).map((e) => e.name),
  );
  for (const entry of contenders.filter((e) => names.has(e.name))) {
    const bare = bareOf(entry);
    if (bare !== undefined) names.add(bare.name);
    for (const other of contenders) if (sameGround(entry, other)) names.add(other.name);
  }
  for (const goal of goals) {
    if (names.has(goal.numerator) || names.has(goal.denominator)) {
      names.add(goal.numerator);
      names.add(goal.denominator);
    }
  }
  return contenders.filter((entry) => names.has(entry.name));
}

/** The median over rounds of `value(a's sample, b's sample)`, rounds where both ran. */
function perRound(
  a: readonly Sample[] | undefined,
  b: readonly Sample[] | undefined,
  value: (a: Sample, b: Sample) => number,
): number {
  if (a === undefined || b === undefined) return Number.NaN;
  return median(a.flatMap((sample, i) => (b[i] === undefined ? [] : [value(sample, b[i])])));
}

// Microseconds a request costs beyond its framework's with no sessions: the server is pinned to
// one core, so a second divided by the rate is the core's time per request.
const addedMicros = (ours: Sample, bare: Sample) => 1e6 / ours.rate - 1e6 / bare.rate;

function measureGoal(goal: Goal, samples: Map<string, Sample[]>): number {
  const a = samples.get(goal.numerator);
  const b = samples.get(goal.denominator);
  if (goal.kind === 'faster') return perRound(a, b, (x, y) => x.rate / y.rate);
  if (goal.kind === 'p99') return perRound(a, b, (x, y) => x.p99 / y.p99);
  const bareSamples = (name: string) => {
    const entry = contenders.find((e) => e.name === name);
    return entry === undefined ? undefined : samples.get(bareOf(entry)?.name ?? '');
  };
  const aBare = bareSamples(goal.numerator);
  const bBare = bareSamples(goal.denominator);
  if (a === undefined || b === undefined || aBare === undefined || bBare === undefined) {
    return Number.NaN;
  }
  return median(
    a.flatMap((x, i) => {
      const [y, xb, yb] = [b[i], aBare[i], bBare[i]];
      return y && xb && yb ? [addedMicros(x, xb) - addedMicros(y, yb)] : [];
    }),
  );
}

function report(
  entries: readonly Contender[],
  samples: Map<string, Sample[]>,
  options: BenchOptions,
): SectionReport {
  const measured = entries.filter((entry) => (samples.get(entry.name)?.length ?? 0) > 0);
  const rate = (entry: Contender) => median((samples.get(entry.name) ?? []).map((s) => s.rate));
  const rows = measured.map((entry) => {
    const list = samples.get(entry.name);
    const bare = samples.get(bareOf(entry)?.name ?? '');
    const isBare = entry.role === 'bare';
    return [
      entry.name,
      entry.framework,
      entry.store,
      formatRate(rate(entry)),
      formatFixed(median((list ?? []).map((s) => s.p99)), 1),
      isBare
        ? ''
        : formatFixed(
            perRound(list, bare, (x, y) => x.rate / y.rate),
            2,
          ),
      isBare ? '' : formatFixed(perRound(list, bare, addedMicros), 1),
    ];
  });
  const table = markdownTable(
    [
      { header: 'server' },
      { header: 'framework' },
      { header: 'store' },
      { header: 'req/s', align: 'right' },
      { header: 'p99 (ms)', align: 'right' },
      { header: '÷ no sessions', align: 'right' },
      { header: 'µs added', align: 'right' },
    ],
    rows,
  );
  const pairRows = pairs
    .filter(([ours, peer]) => measured.includes(ours) && measured.includes(peer))
    .map(([ours, peer]) => [
      ours.framework,
      ours.store,
      ours.name,
      peer.name,
      formatFixed(
        perRound(samples.get(ours.name), samples.get(peer.name), (x, y) => x.rate / y.rate),
        2,
      ),
    ]);
  const pairTable = markdownTable(
    [
      { header: 'framework' },
      { header: 'store' },
      { header: 'coatcheck' },
      { header: 'peer' },
      { header: 'coatcheck ÷ peer', align: 'right' },
    ],
    pairRows,
  );
  const goalRows = goals.flatMap((goal) => {
    const value = measureGoal(goal, samples);
    if (!Number.isFinite(value)) return [];
    const unit = goal.kind === 'overhead' ? ' µs' : '';
    return [
      [
        describeGoal(goal),
        `${goal.kind === 'faster' ? '≥' : '≤'} ${goal.target}${unit}`,
        `${formatFixed(value, 2)}${unit}`,
        goalHolds(goal, value) ? 'met' : '**missed**',
      ],
    ];
  });
  const goalTable = markdownTable(
    [
      { header: 'goal' },
      { header: 'target', align: 'right' },
      { header: 'measured', align: 'right' },
      { header: 'result' },
    ],
    goalRows,
  );
  const notes = measured.filter((entry) => entry.note !== undefined);
  const body = [
    `wrk, one thread, ${CONNECTIONS} connections, ${options.seconds} s per server per round, ` +
      `${options.rounds} interleaved round${options.rounds === 1 ? '' : 's'}` +
      `${PINNED ? ', the server pinned to core 0 and wrk to core 1' : ''}; ` +
      'each figure is the median over the rounds, each ratio the median of the per-round ratios. ' +
      '"÷ no sessions" is the rate beside the same framework serving a counter in a variable; ' +
      '"µs added" is what the sessions cost per request on the server\'s core.',
    table,
    "### coatcheck beside each framework's session library\n\n" +
      'On the same framework and the same kind of store (`cookie`: the data itself in the ' +
      'cookie, signed or sealed).',
    pairTable,
    '### Goals',
    goalTable,
    ...(notes.length === 0
      ? []
      : [
          '### How the contenders are set up',
          notes.map((entry) => `- **${entry.name}**: ${entry.note}`).join('\n'),
        ]),
  ].join('\n\n');
  return { title: 'The visit counter over HTTP', body, chart: chartGroups(measured, rate) };
}

/** Bars for coatcheck and its peers, one group per framework and store that has a peer. */
function chartGroups(measured: readonly Contender[], rate: (entry: Contender) => number) {
  const groups: ChartGroup[] = [];
  for (const entry of measured) {
    if (entry.role !== 'coatcheck' && entry.role !== 'peer') continue;
    const label = `${entry.framework} · ${entry.store}`;
    let group = groups.find((g) => g.label === label);
    if (group === undefined) {
      group = { label, bars: [] };
      groups.push(group);
    }
    group.bars.push({ label: entry.name, value: rate(entry), ours: entry.role === 'coatcheck' });
  }
  return groups.filter((group) => group.bars.some((bar) => !bar.ours));
}

export async function runHttpBench(options: BenchOptions): Promise<SectionReport | undefined> {
  if (!have('wrk', ['--version'])) {
    console.log('\nHTTP benchmarks skipped: wrk is not installed (apt-get install wrk).');
    return undefined;
  }
  const entries = chosen(options.only);
  const ready: Contender[] = [];
  for (const entry of entries) {
    try {
      await entry.prepare?.();
      ready.push(entry);
    } catch (error) {
      console.log(`  ${entry.name}: skipped (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const targets = ready.map((entry) => ({ name: entry.name, argv: [SERVER, entry.name] }));
  console.log(
    `\nVisit counter over HTTP: ${targets.length} servers, ${estimatedTime(targets.length, options)}`,
  );
  const samples = await runRounds(targets, options);
  return report(ready, samples, options);
}
