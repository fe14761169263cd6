/**
 * The options every section reads: `npm run bench -- [sections] [options]`.
 *
 * `--quick` is a light pass over every section (one round of one second per HTTP server, small
 * fills), to prove the benchmarks run; its figures are not for publishing. `--rounds N` and
 * `--seconds N` set the HTTP and scaling rounds; `--only <part of a name>` (repeatable) keeps
 * the HTTP servers and scaling cases whose names contain it; `--write` writes docs/benchmarks.md
 * and docs/images/bench.svg from this run, which the full run (no section, no `--quick`) does
 * unasked; `--no-write` stops it.
 */

export interface BenchOptions {
  quick: boolean;
  /** Interleaved rounds per HTTP server. */
  rounds: number;
  /** Seconds wrk measures each server for, per round. */
  seconds: number;
  only: string[];
  /** Write the report; `undefined` leaves it to the kind of run. */
  write: boolean | undefined;
}

export function parseOptions(args: readonly string[]): BenchOptions {
  const options: BenchOptions = { quick: false, rounds: 5, seconds: 3, only: [], write: undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--quick') Object.assign(options, { quick: true, rounds: 1, seconds: 1 });
    else if (arg === '--rounds') options.rounds = positive(arg, args[++i]);
    else if (arg === '--seconds') options.seconds = positive(arg, args[++i]);
    else if (arg === '--only') options.only.push(String(args[++i]));
    else if (arg === '--write') options.write = true;
    else if (arg === '--no-write') options.write = false;
    else throw new TypeError(`bench: unknown option ${arg}`);
  }
  return options;
}

// wrk takes whole seconds only, so fractions are refused rather than rounded behind one's back.
function positive(option: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new TypeError(`bench: ${option} takes a whole number of at least 1, got ${value}`);
  }
  return number;
}

/** Whether a name is wanted under `--only`. */
export function wanted(options: BenchOptions, name: string): boolean {
  return options.only.length === 0 || options.only.some((part) => name.includes(part));
}
