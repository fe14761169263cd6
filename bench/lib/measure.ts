/**
 * A small, dependency-free micro-benchmark loop. Cases are measured in interleaved rounds
 * (A, B, C, A, B, C, ...) and each reports its median, so a burst of load elsewhere on the
 * machine lands on every case alike instead of skewing the ratios.
 */

export interface Measurement {
  name: string;
  opsPerSecond: number;
}

export interface BenchCase {
  name: string;
  fn: () => unknown;
}

const ROUNDS = 9;
const ROUND_MS = 200;
// A `--quick` run proves the cases run; three short rounds are enough for that.
const QUICK = { rounds: 3, roundMs: 60 };

function timeBatch(fn: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// Grows the batch until it fills about one round, so timer resolution is irrelevant.
function calibrate(fn: () => unknown, roundMs: number): number {
  let iterations = 64;
  while (timeBatch(fn, iterations) < roundMs / 1000 / 8) iterations *= 2;
  return iterations * 8;
}

/** Measures every case in interleaved rounds; returns each one's median operations per second. */
export function compare(cases: readonly BenchCase[], quick = false): Measurement[] {
  const { rounds, roundMs } = quick ? QUICK : { rounds: ROUNDS, roundMs: ROUND_MS };
  const batches = cases.map((c) => calibrate(c.fn, roundMs));
  const rates: number[][] = cases.map(() => []);
  for (let round = 0; round < rounds; round++) {
    cases.forEach((c, i) => {
      const iterations = batches[i] ?? 1;
      rates[i]?.push(iterations / timeBatch(c.fn, iterations));
    });
  }
  return cases.map((c, i) => {
    const sorted = (rates[i] ?? []).sort((a, b) => a - b);
    return { name: c.name, opsPerSecond: sorted[Math.floor(sorted.length / 2)] ?? 0 };
  });
}
