/**
 * `coatcheck clearsessions` on a million expired sessions, SQLite and PostgreSQL: how long the
 * sweep takes, and what it does to visit-counter requests served from the same table meanwhile
 * (their p99 latency, beside the same load without a sweep). Three processes each time: the
 * server, the load (`node bench/clearsessions.ts load URL COOKIE`), and the CLI itself.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { withSessions } from '../src/adapters/node.ts';
import { createSessions } from '../src/middleware/lifecycle.ts';
import { postgresStore } from '../src/stores/sql/postgres.ts';
import { sqliteStore } from '../src/stores/sql/sqlite.ts';
import { childEnv } from './lib/child-env.ts';
import { formatRate, markdownTable } from './lib/markdown.ts';
import { type BenchOptions, parseOptions } from './lib/options.ts';
import type { SectionReport } from './lib/section.ts';
import { BENCH_POSTGRES } from './lib/stores.ts';

const SELF = fileURLToPath(import.meta.url);
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const SECRET = 'clearsessions-benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const FULL_ROWS = Number(process.env.BENCH_CLEAR_ROWS ?? 1_000_000);
const QUICK_ROWS = 10_000;
const TABLE = 'coatcheck_bench_clear';
const CONCURRENCY = 8;
// What a small real session encodes to, give or take: the rows are realistic in size.
const DATA = `.eJyrVkrLz1eyUkpKLFKqBQAgrAR2${'x'.repeat(60)}:1r31eq:${'s'.repeat(43)}`;

interface Latency {
  requests: number;
  p50: number;
  p99: number;
  max: number;
}

// The load process: CONCURRENCY loops of GET with the session cookie, until SIGTERM. It says
// `ready` once it listens for the signal: a loaded machine can take seconds to start it.
async function load(url: string, cookie: string): Promise<void> {
  const times: number[] = [];
  let running = true;
  process.on('SIGTERM', () => {
    running = false;
  });
  process.stdout.write('ready\n');
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (running) {
        const start = performance.now();
        const response = await fetch(url, { headers: { cookie } });
        await response.arrayBuffer();
        times.push(performance.now() - start);
      }
    }),
  );
  times.sort((a, b) => a - b);
  const at = (share: number) =>
    times[Math.min(times.length - 1, Math.floor(times.length * share))] ?? 0;
  const result: Latency = { requests: times.length, p50: at(0.5), p99: at(0.99), max: at(1) };
  process.stdout.write(JSON.stringify(result));
}

// The server process: the visit counter on the table being swept.
async function serve(database: string): Promise<void> {
  const engine = database.startsWith('sqlite:')
    ? sqliteStore({ path: database.slice('sqlite:'.length), table: TABLE })
    : postgresStore({ url: database }, { table: TABLE });
  const sessions = createSessions<{ visits: number }>({ secretKey: SECRET, engine });
  const server = createServer(
    withSessions(sessions, async (_req, res, ctx) => {
      const session = await ctx.session();
      session.set('visits', (session.get('visits') ?? 0) + 1);
      res.end(String(session.get('visits')));
    }),
  );
  process.on('SIGTERM', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
}

function child(args: string[]): ChildProcess {
  return spawn(process.execPath, [SELF, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv,
  });
}

async function measureLoad(
  url: string,
  cookie: string,
  during: () => Promise<void>,
): Promise<Latency> {
  const loader = child(['load', url, cookie]);
  let output = '';
  loader.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(loader, 'exit').then(([code]) => {
    throw new Error(`the load process exited (${code}) before it was ready`);
  });
  exited.catch(() => {}); // awaited below only while it starts
  while (!output.startsWith('ready\n')) {
    await Promise.race([once(loader.stdout as NodeJS.ReadableStream, 'data'), exited]);
  }
  await sleep(500); // let it reach a steady pace
  await during();
  loader.kill('SIGTERM');
  await once(loader, 'exit');
  return JSON.parse(output.slice('ready\n'.length)) as Latency;
}

async function fillSqlite(path: string, rows: number): Promise<void> {
  await sqliteStore({ path, table: TABLE }).migrate();
  const db = new DatabaseSync(path);
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
    INSERT INTO ${TABLE} (session_key, session_data, expire_date)
    SELECT printf('%032d', i), '${DATA}', '2020-01-01 00:00:00' FROM n`);
  db.close();
}

async function fillPostgres(rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await client.end();
  await postgresStore({ url: BENCH_POSTGRES }, { table: TABLE }).migrate();
  const again = new pg.Client({ connectionString: BENCH_POSTGRES });
  await again.connect();
  await again.query(
    `INSERT INTO ${TABLE} SELECT lpad(i::text, 32, '0'), $1, timestamp with time zone '2020-01-01' FROM generate_series(1, ${rows}) AS i`,
    [DATA],
  );
  await again.query(`ANALYZE ${TABLE}`);
  await again.end();
}

function runCli(database: string): Promise<{ seconds: number; output: string }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, 'clearsessions', '--database', database, '--table', TABLE],
      { env: childEnv },
      (error, stdout) => {
        if (error) reject(error);
        else resolve({ seconds: (performance.now() - start) / 1000, output: stdout.trim() });
      },
    );
  });
}

interface Sweep {
  seconds: number;
  quiet: Latency;
  busy: Latency;
}

async function sweep(
  name: string,
  database: string,
  rows: number,
  quietMs: number,
  fill: () => Promise<void>,
): Promise<Sweep> {
  process.stdout.write(`  ${name}: filling ${rows} expired rows...`);
  await fill();
  const server = child(['serve', database]);
  const [port] = (await once(server.stdout as NonNullable<typeof server.stdout>, 'data')) as [
    Buffer,
  ];
  const url = `http://127.0.0.1:${port.toString().trim()}/`;
  const first = await fetch(url);
  const cookie = first.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const quiet = await measureLoad(url, cookie, () => sleep(quietMs));
  let cli = { seconds: 0, output: '' };
  const busy = await measureLoad(url, cookie, async () => {
    cli = await runCli(database);
  });
  server.kill('SIGTERM');
  await once(server, 'exit');
  console.log(` swept in ${cli.seconds.toFixed(1)} s (${cli.output})`);
  return { seconds: cli.seconds, quiet, busy };
}

export async function runClearSessionsBench(
  options: BenchOptions,
): Promise<SectionReport | undefined> {
  const rows = options.quick ? QUICK_ROWS : FULL_ROWS;
  const quietMs = options.quick ? 500 : 3000;
  console.log(`\ncoatcheck clearsessions on ${formatRate(rows)} expired sessions`);
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-bench-clear-'));
  const path = join(dir, 'sessions.sqlite3');
  const results: [string, Sweep][] = [];
  const databases: [string, string, () => Promise<void>][] = [
    ['SQLite', `sqlite:${path}`, () => fillSqlite(path, rows)],
    ['PostgreSQL', BENCH_POSTGRES, () => fillPostgres(rows)],
  ];
  for (const [name, database, fill] of databases) {
    try {
      results.push([name, await sweep(name, database, rows, quietMs, fill)]);
    } catch (error) {
      console.log(` skipped (${(error as Error).message.split('\n')[0]})`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (results.length === 0) return undefined;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const table = markdownTable(
    [
      { header: 'database' },
      { header: 'sweep', align: 'right' },
      { header: 'p99 without a sweep', align: 'right' },
      { header: 'p99 during the sweep', align: 'right' },
      { header: 'requests during the sweep', align: 'right' },
    ],
    results.map(([name, result]) => [
      name,
      `${result.seconds.toFixed(1)} s`,
      ms(result.quiet.p99),
      ms(result.busy.p99),
      formatRate(result.busy.requests),
    ]),
  );
  const worst = Math.max(...results.map(([, result]) => result.busy.p99));
  return {
    title: `clearsessions on ${formatRate(rows)} expired sessions`,
    body: [
      `\`coatcheck clearsessions\` on a table of ${formatRate(rows)} expired sessions, while ` +
        `${CONCURRENCY} clients count visits on the same table; their p99 beside the same load ` +
        'without a sweep.',
      table,
      `- Goal ${worst < 50 ? 'met' : '**missed**'}: p99 during the sweep under 50 ms (worst ${ms(worst)})`,
    ].join('\n\n'),
  };
}

const [role, ...rest] = process.argv.slice(2);
if (import.meta.main && role === 'load') await load(rest[0] ?? '', rest[1] ?? '');
else if (import.meta.main && role === 'serve') await serve(rest[0] ?? '');
else if (import.meta.main) await runClearSessionsBench(parseOptions(process.argv.slice(2)));
