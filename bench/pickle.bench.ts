/**
 * Pickle: what the Redis and Memcached stores do to a session on every request, beside
 * `JSON.parse` / `JSON.stringify` of the same dict (what the database stores pay instead).
 */
import { pickleSession, unpickleSession } from '../src/stores/cache/pickle.ts';
import { compare } from './lib/measure.ts';
import { printGoal, printTable } from './lib/report.ts';
import { sessionPayload } from './signing.bench.ts';

export function runPickleBench(): void {
  const pickled = pickleSession(sessionPayload);
  const { data, origin } = unpickleSession(pickled);
  const json = JSON.stringify(sessionPayload);
  const rows = compare([
    { name: 'JSON.parse', fn: () => JSON.parse(json) },
    { name: 'JSON.stringify', fn: () => JSON.stringify(sessionPayload) },
    { name: 'coatcheck unpickleSession', fn: () => unpickleSession(pickled) },
    { name: 'coatcheck pickleSession', fn: () => pickleSession(sessionPayload) },
    { name: 'coatcheck pickleSession (origin)', fn: () => pickleSession(data, origin) },
  ]).map(({ name, opsPerSecond }) => ({ name, rate: opsPerSecond }));
  printTable(`Pickling a ${pickled.length}-byte session (protocol 5)`, rows, 'JSON.parse');
  const rate = (name: string) => rows.find((row) => row.name === name)?.rate ?? 0;
  // Under 10 µs each way on a laptop core is the budget; JSON is the yardstick.
  printGoal(
    'unpickleSession vs JSON.parse',
    rate('coatcheck unpickleSession') / rate('JSON.parse'),
    0.25,
  );
  printGoal(
    'pickleSession vs JSON.stringify',
    rate('coatcheck pickleSession') / rate('JSON.stringify'),
    0.5,
  );
}
