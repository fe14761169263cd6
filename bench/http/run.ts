/**
 * HTTP benchmarks: each server variant in its own process, load from `wrk` in another.
 *
 * This machine's figures move by ±30% from one run to the next, so one-shot numbers prove
 * nothing. Where `taskset` exists the server is pinned to one core and wrk to the other; every
 * round runs every variant once (interleaved, so drift hits them all alike); a goal is judged on
 * the median of its per-round ratios, and each rate reported is the median over the rounds.
 *
 * Options (after `npm run bench -- http`): `--quick` (2 rounds of 3 s), `--rounds N`,
 * `--seconds N`, `--only <substring>` (repeatable; variants whose names contain it, plus the
 * variants the goals compare them with).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { printGoal, printTable, type Row } from '../lib/report.ts';
import { variantNames } from './server.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const CONNECTIONS = '32';

/** A ratio the bench reports as a goal: `numerator` ÷ `denominator` ≥ `target`. */
interface Goal {
  numerator: string;
  denominator: string;
  target: number;
}

const GOALS: readonly Goal[] = [
  { numerator: 'coatcheck/node memory', denominator: 'line node:http memory', target: 0.85 },
  { numerator: 'coatcheck/node sqlite', denominator: 'line node:http sqlite', target: 0.85 },
  {
    numerator: 'coatcheck/node signed-cookie',
    denominator: 'line node:http signed-cookie',
    target: 0.85,
  },
  { numerator: 'coatcheck/node signed-cookie', denominator: 'iron-session node:http', target: 3 },
  {
    numerator: 'coatcheck/express memory',
    denominator: 'express-session MemoryStore',
    target: 1.5,
  },
  {
    numerator: 'coatcheck/express sqlite',
    denominator: 'express-session better-sqlite3-session-store',
    target: 2,
  },
  {
    numerator: 'coatcheck/express postgres',
    denominator: 'express-session connect-pg-simple',
    target: 2,
  },
  { numerator: 'coatcheck/express redis', denominator: 'express-session connect-redis', target: 2 },
  // express-session's own route, unchanged, on coatcheck's compat mode: the bar coatcheck/express
  // is held to.
  {
    numerator: 'coatcheck/express-session memory',
    denominator: 'express-session MemoryStore',
    target: 1.5,
  },
  {
    numerator: 'coatcheck/express-session sqlite',
    denominator: 'express-session better-sqlite3-session-store',
    target: 2,
  },
];

interface Options {
  rounds: number;
  seconds: number;
  only: string[];
}

function parseOptions(args: readonly string[]): Options {
  const options: Options = { rounds: 5, seconds: 5, only: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--quick') Object.assign(options, { rounds: 2, seconds: 3 });
    else if (arg === '--rounds') options.rounds = Number(args[++i]);
    else if (arg === '--seconds') options.seconds = Number(args[++i]);
    else if (arg === '--only') options.only.push(String(args[++i]));
  }
  return options;
}

function have(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is an error here.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

// Pinned, the server owns core 0 and the load generator core 1, as the method asks.
const PINNED = have('taskset', ['-c', '0', 'true']);
const pin = (core: number, command: string, args: string[]): [string, string[]] =>
  PINNED ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];

async function start(variant: string): Promise<{ child: ChildProcess; url: string }> {
  const [command, args] = pin(0, process.execPath, [SERVER, variant]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.stdout === null) throw new Error('benchmark server has no stdout');
  // A server that cannot start (its database is down) exits instead of printing its port.
  const data = await Promise.race([
    once(child.stdout, 'data').then(([chunk]) => chunk as Buffer),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the ${variant} server exited (${code}) before listening`);
    }),
  ]);
  return { child, url: `http://127.0.0.1:${data.toString().trim()}/` };
}

/** One request as a browser would make it; returns the cookies to replay. */
async function primeCookie(url: string): Promise<string> {
  const response = await fetch(url);
  await response.text();
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
}

interface Sample {
  rate: number;
  /** 99th percentile latency, in milliseconds. */
  p99: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

function wrk(url: string, cookie: string, seconds: number): Sample {
  const [command, args] = pin(1, 'wrk', [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    ...(cookie === '' ? [] : ['-H', `Cookie: ${cookie}`]),
    url,
  ]);
  const output = execFileSync(command, args, { encoding: 'utf8' });
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (errors) throw new Error(`${url}: ${errors[1]} failed responses\n${output}`);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(output);
  return {
    rate: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    p99: p99 ? Number(p99[1]) * (UNIT_MS[p99[2] ?? 'ms'] ?? 1) : Number.NaN,
  };
}

async function measure(variant: string, seconds: number): Promise<Sample> {
  const { child, url } = await start(variant);
  try {
    const cookie = await primeCookie(url);
    wrk(url, cookie, 1); // warm-up: JIT, pools
    return wrk(url, cookie, seconds);
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

const median = (values: readonly number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

function chosenVariants(only: readonly string[]): string[] {
  if (only.length === 0) return variantNames;
  const wanted = new Set(variantNames.filter((name) => only.some((part) => name.includes(part))));
  for (const goal of GOALS) {
    if (wanted.has(goal.numerator) || wanted.has(goal.denominator)) {
      wanted.add(goal.numerator);
      wanted.add(goal.denominator);
    }
  }
  return variantNames.filter((name) => wanted.has(name));
}

export async function runHttpBench(args: readonly string[] = []): Promise<void> {
  if (!have('wrk', ['--version'])) {
    console.log('\nHTTP benchmarks skipped: wrk is not installed (apt-get install wrk).');
    return;
  }
  const options = parseOptions(args);
  const variants = chosenVariants(options.only);
  const samples = new Map<string, Sample[]>(variants.map((name) => [name, []]));
  const skipped = new Set<string>();
  for (let round = 1; round <= options.rounds; round++) {
    process.stdout.write(`  round ${round}/${options.rounds}`);
    for (const variant of variants) {
      if (skipped.has(variant)) continue;
      try {
        samples.get(variant)?.push(await measure(variant, options.seconds));
        process.stdout.write('.');
      } catch (error) {
        // A server that is not running skips its variants, not the whole section.
        skipped.add(variant);
        console.log(`\n  ${variant}: skipped (${(error as Error).message.split('\n')[0]})`);
      }
    }
    process.stdout.write('\n');
  }
  const rows: Row[] = [];
  for (const [name, list] of samples) {
    if (list.length === 0) continue;
    rows.push({ name, rate: median(list.map((sample) => sample.rate)) });
  }
  const base = 'node:http (no sessions)';
  printTable(
    `Visit counter over HTTP (wrk, ${CONNECTIONS} connections, ${options.seconds}s × ${options.rounds} interleaved rounds, medians${PINNED ? ', server and wrk pinned to their own cores' : ''})`,
    rows,
    base,
    'req/s',
  );
  console.log('\n  p99 latency (median over rounds)');
  for (const [name, list] of samples) {
    if (list.length === 0) continue;
    console.log(`    ${name.padEnd(48)} ${median(list.map((s) => s.p99)).toFixed(2)} ms`);
  }
  console.log('\n  goals (median of per-round ratios)');
  for (const goal of GOALS) {
    const top = samples.get(goal.numerator) ?? [];
    const bottom = samples.get(goal.denominator) ?? [];
    const ratios = top.map((sample, i) => sample.rate / (bottom[i]?.rate ?? Number.NaN));
    if (top.length === 0 || bottom.length === 0) continue;
    printGoal(`${goal.numerator} vs ${goal.denominator}`, median(ratios), goal.target);
  }
}
