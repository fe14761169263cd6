/** What the report says about where it ran: the machine, the servers, the package versions. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { createClient } from 'redis';
import { BENCH_POSTGRES, BENCH_REDIS } from '../lib/stores.ts';

const ROOT = new URL('../../', import.meta.url);

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  } catch {
    return 'PostgreSQL not reached';
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisVersion(): Promise<string> {
  const client = createClient({
    url: BENCH_REDIS,
    socket: { connectTimeout: 2000, reconnectStrategy: false },
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const info = await client.info('server');
    return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
  } catch {
    return 'Redis not reached';
  } finally {
    if (client.isOpen) await client.close();
  }
}

function sqliteVersion(): string {
  const db = new DatabaseSync(':memory:');
  const row = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
  db.close();
  return `SQLite ${row.version} (node:sqlite)`;
}

function wrkVersion(): string {
  try {
    execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    // wrk prints its version to stdout and exits 1.
    const output = String((error as { stdout?: unknown }).stdout ?? '');
    return /^wrk \S+/.exec(output)?.[0] ?? 'wrk';
  }
  return 'wrk';
}

// What was measured: the library, the benchmarks and the packages, not this page being rewritten.
const MEASURED = ['src', 'bench', 'package.json', 'package-lock.json'];

function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  try {
    const changed = git('status', '--porcelain', '--', ...MEASURED).trim() !== '';
    return `${git('rev-parse', '--short', 'HEAD').trim()}${changed ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** The machine and the servers beside it, as rows of a two-column table. */
export async function describeMachine(): Promise<string[][]> {
  const cpus = os.cpus();
  return [
    ['CPU', `${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores`],
    ['memory', `${Math.round(os.totalmem() / 2 ** 30)} GiB`],
    ['system', `${os.type()} ${os.release()} ${os.arch()}`],
    ['Node.js', process.version],
    [
      'databases',
      `${await postgresVersion()}, ${await redisVersion()}, ${sqliteVersion()}, on the same machine`,
    ],
    ['load generator', wrkVersion()],
    ['coatcheck', `${packageVersion('.')} at commit ${commit()}`],
  ];
}

/** The installed version of `name` (`.` for this package). */
export function packageVersion(name: string): string {
  const path = name === '.' ? 'package.json' : `node_modules/${name}/package.json`;
  try {
    return (JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}
