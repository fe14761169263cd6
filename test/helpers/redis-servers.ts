/**
 * Redis for the tests: the shared server on 127.0.0.1:6379 (`COATCHECK_TEST_REDIS` overrides
 * it), and servers a test starts for itself from Debian's `redis-server` on free loopback
 * ports (one to count commands on, one to kill, a three-master Cluster), each in a temporary
 * directory and stopped afterwards.
 *
 * The shared server is never flushed: a test file works under a key prefix of its own and
 * removes its keys with {@link deleteKeys}. A missing server or binary skips the tests that
 * need it, with the reason; under `CI=true` it fails them instead (see databases.ts).
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type RedisClientType } from 'redis';
import { freePort, killChild } from './child-servers.ts';

/** The shared Redis. */
export const REDIS_URL: string = process.env.COATCHECK_TEST_REDIS ?? 'redis://127.0.0.1:6379';

// Debian's binaries; the variables name others (and let a check of the CI rule name a missing one).
const REDIS_SERVER = process.env.COATCHECK_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = process.env.COATCHECK_TEST_REDIS_CLI ?? '/usr/bin/redis-cli';
const IN_CI = process.env.CI === 'true';
const run = promisify(execFile);

async function probe(): Promise<string | false> {
  const client = createClient({
    url: REDIS_URL,
    socket: { connectTimeout: 2000, reconnectStrategy: false },
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch (error) {
    return `Redis at ${REDIS_URL} is unreachable (${(error as Error).message})`;
  } finally {
    client.destroy();
  }
}

const redisProblem = await probe();
const binaryProblem =
  existsSync(REDIS_SERVER) && existsSync(REDIS_CLI)
    ? false
    : `${REDIS_SERVER} or ${REDIS_CLI} is missing (apt-get install redis-server)`;

/** The `skip` option of a suite that needs the shared Redis; `false` under CI, which then fails. */
export const skipWithoutRedis: string | false = IN_CI ? false : redisProblem;
/** The `skip` option of a suite that starts its own redis-server. */
export const skipWithoutRedisServer: string | false = IN_CI ? false : binaryProblem;

/** Under CI, throws what is missing, so the file fails with the reason. */
export function assertRedisReachable(): void {
  if (redisProblem !== false) throw new Error(`${redisProblem}; CI=true requires it`);
  if (binaryProblem !== false) throw new Error(`${binaryProblem}; CI=true requires it`);
}

/** A plain client for a test's own checks (strings, not Buffers). */
export async function connectClient(url: string = REDIS_URL): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Deletes every key that matches `pattern` (SCAN, never FLUSHALL); returns how many. */
export async function deleteKeys(client: RedisClientType, pattern: string): Promise<number> {
  let deleted = 0;
  for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
    if (keys.length > 0) deleted += await client.del(keys);
  }
  return deleted;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A redis-server this test started. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the process with SIGKILL and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { stdout } = await run(REDIS_CLI, ['-p', String(port), 'PING']);
      if (stdout.trim() === 'PONG') return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
    await pause(25);
  }
}

/** Starts a redis-server on a free loopback port, without persistence. */
export async function startRedisServer(extra: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'coatcheck-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...extra,
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(port);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    await killChild(running);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis Cluster this test started. */
export interface RedisCluster {
  readonly servers: readonly RedisServer[];
  /** `{ url }` of each master, for `createCluster({ rootNodes })`. */
  readonly rootNodes: { url: string }[];
  stop(): Promise<void>;
}

/** Starts three cluster-enabled masters, joins them into a Cluster, waits for cluster_state:ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      // The cluster bus gets a free port of its own (by default it is port + 10000).
      const bus = await freePort();
      servers.push(
        await startRedisServer([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-port',
          String(bus),
          '--cluster-node-timeout',
          '5000',
        ]),
      );
    }
    await run(REDIS_CLI, [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + 20_000;
    for (const server of servers) {
      for (;;) {
        const { stdout } = await run(REDIS_CLI, ['-p', String(server.port), 'CLUSTER', 'INFO']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error('the Redis Cluster did not reach state ok');
        await pause(50);
      }
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  return {
    servers,
    rootNodes: servers.map((server) => ({ url: server.url })),
    async stop() {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}
