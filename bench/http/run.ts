/**
 * HTTP benchmarks: each server variant in its own process, load from `wrk` in another, one
 * variant at a time, requests per second and the ratio to bare node:http.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { printGoal, printTable, type Row } from '../lib/report.ts';
import { variantNames } from './server.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const DURATION = process.env.BENCH_SECONDS ?? '5';
const CONNECTIONS = '32';

function haveWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is an error here.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

async function start(variant: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SERVER, variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

function wrk(url: string, cookie: string, seconds: string): number {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, url];
  if (cookie !== '') args.unshift('-H', `Cookie: ${cookie}`);
  const output = execFileSync('wrk', args, { encoding: 'utf8' });
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (errors) throw new Error(`${url}: ${errors[1]} failed responses\n${output}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN);
}

async function measure(variant: string): Promise<Row> {
  const { child, url } = await start(variant);
  try {
    const cookie = await primeCookie(url);
    wrk(url, cookie, '2'); // warm-up: JIT, pools
    return { name: variant, rate: wrk(url, cookie, DURATION) };
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

export async function runHttpBench(): Promise<void> {
  if (!haveWrk()) {
    console.log('\nHTTP benchmarks skipped: wrk is not installed (apt-get install wrk).');
    return;
  }
  const rows: Row[] = [];
  for (const variant of variantNames) {
    try {
      rows.push(await measure(variant));
    } catch (error) {
      // A database that is not running skips its variants, not the whole section.
      console.log(`  ${variant}: skipped (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const base = 'node:http (no sessions)';
  printTable(
    `Visit counter over HTTP (wrk, ${CONNECTIONS} connections, ${DURATION}s each)`,
    rows,
    base,
    'req/s',
  );
  const rate = (name: string) => rows.find((row) => row.name === name)?.rate ?? 0;
  printGoal(
    'coatcheck/node memory vs bare node:http',
    rate('coatcheck/node memory') / rate(base),
    0.8,
  );
  printGoal(
    'coatcheck/node signed-cookie vs bare node:http',
    rate('coatcheck/node signed-cookie') / rate(base),
    0.7,
  );
  printGoal(
    'coatcheck/node signed-cookie vs iron-session',
    rate('coatcheck/node signed-cookie') / rate('iron-session node:http'),
    3,
  );
  printGoal(
    'coatcheck/express memory vs express-session MemoryStore',
    rate('coatcheck/express memory') / rate('express-session MemoryStore'),
    1.5,
  );
  printGoal(
    'coatcheck/node sqlite vs bare node:http',
    rate('coatcheck/node sqlite') / rate(base),
    0.5,
  );
  printGoal(
    'coatcheck/express sqlite vs express-session on its best SQLite store (WAL)',
    rate('coatcheck/express sqlite') / rate('express-session better-sqlite3-session-store'),
    2,
  );
  printGoal(
    'coatcheck/express postgres vs express-session connect-pg-simple',
    rate('coatcheck/express postgres') / rate('express-session connect-pg-simple'),
    2,
  );
}
