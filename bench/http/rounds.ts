/**
 * The HTTP method every HTTP section shares: each server in its own process, load from `wrk`
 * in another, rounds interleaved.
 *
 * This machine's figures move by ±30% from one run to the next, so one-shot numbers prove
 * nothing. Where `taskset` exists the server is pinned to core 0 and wrk to core 1; every round
 * starts every server once (interleaved, so drift hits them all alike), warms it, then measures
 * it. Callers judge a comparison on the median of its per-round ratios.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { childEnv } from '../lib/child-env.ts';

/** wrk's connections: a busy server's worth of keep-alive clients on one thread. */
export const CONNECTIONS = 32;

/** A server to measure. */
export interface Target {
  name: string;
  /**
   * The server process's arguments after `node`. The process listens on a free loopback port,
   * prints it, and serves until SIGTERM.
   */
  argv: readonly string[];
  /**
   * A wrk Lua script and its arguments, for load whose requests differ (a random session
   * each). Without one, the cookies of a first request are replayed on every request.
   */
  script?: { path: string; args: readonly string[] };
  /** The Cookie header a `--quick` warm-up sends when there is a script. */
  warmCookie?: string;
  /** The path requested. @default '/' */
  path?: string;
}

/** One round's measurement of one server. */
export interface Sample {
  rate: number;
  /** 99th percentile latency, in milliseconds. */
  p99: number;
}

export interface RoundOptions {
  rounds: number;
  seconds: number;
  /** Warm each server with a short burst from this process instead of a second of wrk. */
  quick: boolean;
}

export function have(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is an error here.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Whether the server and wrk run pinned to their own cores. */
export const PINNED: boolean = have('taskset', ['-c', '0', 'true']);

const pin = (core: number, command: string, args: string[]): [string, string[]] =>
  PINNED ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];

async function start(target: Target): Promise<{ child: ChildProcess; url: string }> {
  const [command, args] = pin(0, process.execPath, [...target.argv]);
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv,
  });
  if (child.stdout === null) throw new Error('benchmark server has no stdout');
  // A server that cannot start (its database is down) exits instead of printing its port. The
  // port is the line that is only digits: Next prints lines of its own while it loads.
  const lines = createInterface({ input: child.stdout });
  const port = await Promise.race([
    new Promise<string>((resolve) =>
      lines.on('line', (line) => /^\d+$/.test(line.trim()) && resolve(line.trim())),
    ),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the ${target.name} server exited (${code}) before listening`);
    }),
  ]);
  return { child, url: `http://127.0.0.1:${port}${target.path ?? '/'}` };
}

/** One request as a browser would make it; returns the cookies to replay. */
async function primeCookie(url: string): Promise<string> {
  const response = await fetch(url);
  await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} on the first request`);
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
}

// Eight clients for a third of a second: a few hundred requests, enough for V8 to compile the
// hot path, at a fraction of a second of wrk (which counts whole seconds only).
async function warmUpQuickly(url: string, cookie: string): Promise<void> {
  const end = performance.now() + 300;
  const headers: Record<string, string> = cookie === '' ? {} : { cookie };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status} while warming up`);
      }
    }),
  );
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

function wrk(target: Target, url: string, cookie: string, seconds: number): Sample {
  const load = target.script
    ? ['-s', target.script.path, url, '--', ...target.script.args]
    : [...(cookie === '' ? [] : ['-H', `Cookie: ${cookie}`]), url];
  const [command, args] = pin(1, 'wrk', [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    ...load,
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

async function measure(target: Target, options: RoundOptions): Promise<Sample> {
  const { child, url } = await start(target);
  try {
    const cookie = target.script ? '' : await primeCookie(url);
    if (options.quick) await warmUpQuickly(url, target.script ? (target.warmCookie ?? '') : cookie);
    else wrk(target, url, cookie, 1); // warm-up: JIT, pools
    return wrk(target, url, cookie, options.seconds);
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

/**
 * Measures every target once per round, interleaved; returns each one's samples, round by
 * round. A target whose server fails is reported and left out of the later rounds.
 */
export async function runRounds(
  targets: readonly Target[],
  options: RoundOptions,
): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(targets.map((target) => [target.name, []]));
  const skipped = new Set<string>();
  for (let round = 1; round <= options.rounds; round++) {
    process.stdout.write(`  round ${round}/${options.rounds} `);
    for (const target of targets) {
      if (skipped.has(target.name)) continue;
      try {
        samples.get(target.name)?.push(await measure(target, options));
        process.stdout.write('.');
      } catch (error) {
        skipped.add(target.name);
        console.log(`\n  ${target.name}: skipped (${(error as Error).message.split('\n')[0]})`);
      }
    }
    process.stdout.write('\n');
  }
  return samples;
}

/** About how long a run of `targets` takes: start, warm-up and measurement, every round. */
export function estimatedTime(targets: number, options: RoundOptions): string {
  const seconds = targets * options.rounds * (0.5 + (options.quick ? 0.3 : 1) + options.seconds);
  return seconds < 90 ? `about ${Math.ceil(seconds)} s` : `about ${Math.ceil(seconds / 60)} min`;
}
