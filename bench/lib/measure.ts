/**
 * A small, dependency-free micro-benchmark loop: warm up, then several timed rounds, and the
 * median rate. Enough to compare functions that run in microseconds side by side in one process.
 */

export interface Measurement {
  name: string;
  opsPerSecond: number;
}

const ROUNDS = 7;

function timeRound(fn: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Measures `fn` for about `roundMs` per round and returns the median operations per second. */
export function measure(name: string, fn: () => unknown, roundMs = 300): Measurement {
  // Calibrate: grow the batch until one takes a measurable slice of a round.
  let iterations = 100;
  while (timeRound(fn, iterations) < roundMs / 1000 / 10) iterations *= 2;
  iterations *= 10;
  timeRound(fn, iterations); // warm-up round, discarded
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) rates.push(iterations / timeRound(fn, iterations));
  rates.sort((a, b) => a - b);
  return { name, opsPerSecond: rates[Math.floor(ROUNDS / 2)] ?? 0 };
}
