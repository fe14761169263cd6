/**
 * The HTTP section's Markdown: every contender's rate, p99 and cost beside its bare framework,
 * coatcheck beside each peer on the same ground, the goals, and the bars of the chart.
 */
import { formatFixed, formatRate, markdownTable } from '../lib/markdown.ts';
import type { BenchOptions } from '../lib/options.ts';
import type { SectionReport } from '../lib/section.ts';
import { median } from '../lib/stats.ts';
import type { ChartGroup } from '../report/chart.ts';
import { bareOf, goals, pairs } from './comparisons.ts';
import { type Contender, contenders } from './contenders.ts';
import { describeGoal, type Goal, goalHolds } from './goals.ts';
import { CONNECTIONS, PINNED, type Sample } from './rounds.ts';

/** The median over rounds of `value(a's sample, b's sample)`, rounds where both ran. */
function perRound(
  a: readonly Sample[] | undefined,
  b: readonly Sample[] | undefined,
  value: (a: Sample, b: Sample) => number,
): number {
  if (a === undefined || b === undefined) return Number.NaN;
  return median(a.flatMap((sample, i) => (b[i] === undefined ? [] : [value(sample, b[i])])));
}

// Microseconds a request costs beyond its framework's with no sessions. The server has one core
// and keeps it busy, so a second divided by the rate is its time per request; a server that
// waits on a database counts the wait too.
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

export function httpReport(
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
      '"µs added" is what the sessions add to each request\'s time on the server\'s core ' +
      '(one second over the rate, less the same for the bare framework; with a database, the ' +
      'wait for it included).',
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
