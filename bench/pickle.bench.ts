/**
 * Pickle: what the Redis and Memcached stores do to a session on every request, beside
 * `JSON.parse` / `JSON.stringify` of the same dict (what the database stores pay instead).
 */
import { pickleSession, unpickleSession } from '../src/stores/cache/pickle.ts';
import { compare } from './lib/measure.ts';
import type { BenchOptions } from './lib/options.ts';
import { goalLine, rateTable } from './lib/report.ts';
import type { SectionReport } from './lib/section.ts';
import { sessionPayload } from './signing.bench.ts';

export async function runPickleBench(options: BenchOptions): Promise<SectionReport> {
  const pickled = pickleSession(sessionPayload);
  const { data, origin } = unpickleSession(pickled);
  const json = JSON.stringify(sessionPayload);
  const rows = compare(
    [
      { name: 'JSON.parse', fn: () => JSON.parse(json) },
      { name: 'JSON.stringify', fn: () => JSON.stringify(sessionPayload) },
      { name: 'coatcheck unpickleSession', fn: () => unpickleSession(pickled) },
      { name: 'coatcheck pickleSession', fn: () => pickleSession(sessionPayload) },
      { name: 'coatcheck pickleSession (origin)', fn: () => pickleSession(data, origin) },
    ],
    options.quick,
  ).map(({ name, opsPerSecond }) => ({ name, rate: opsPerSecond }));
  const rate = (name: string) => rows.find((row) => row.name === name)?.rate ?? 0;
  // Under 10 µs each way on a laptop core is the budget; JSON is the yardstick.
  return {
    title: 'Pickle',
    body: [
      `What the Redis and Memcached stores do to a session on every request: a ${pickled.length}-byte ` +
        'pickle (protocol 5), beside JSON of the same dict (interleaved rounds, medians).',
      rateTable(rows, 'JSON.parse'),
      [
        goalLine(
          'unpickleSession ÷ JSON.parse',
          rate('coatcheck unpickleSession') / rate('JSON.parse'),
          0.25,
        ),
        goalLine(
          'pickleSession ÷ JSON.stringify',
          rate('coatcheck pickleSession') / rate('JSON.stringify'),
          0.5,
        ),
      ].join('\n'),
    ].join('\n\n'),
  };
}
