/**
 * How the Redis store's cost grows with the number of live sessions: the latency of a load and
 * of a save (compare-and-save, what a request that changed its session does), 32 at a time,
 * with 1,000 and then 1,000,000 sessions in Redis, under a key prefix of the benchmark's own
 * (removed afterwards). Then the bytes one typical session takes in Redis, beside what
 * connect-redis stores for the same data.
 */
import { performance } from 'node:perf_hooks';
import { RedisStore } from 'connect-redis';
import { createClient, type RedisClientType } from 'redis';
import { generateSessionKey } from '../src/session/keys.ts';
import { djangoCacheKey } from '../src/stores/cache/cache-keys.ts';
import { pickleSession } from '../src/stores/cache/pickle.ts';
import { redisStore } from '../src/stores/redis.ts';
import type { SessionStore } from '../src/stores/store.ts';
import { formatRate, markdownTable } from './lib/markdown.ts';
import type { BenchOptions } from './lib/options.ts';
import type { SectionReport } from './lib/section.ts';
import { percentile } from './lib/stats.ts';
import { BENCH_REDIS } from './lib/stores.ts';

const PREFIX = 'coatcheck-scale';
const COUNTS = [1_000, 1_000_000];
const QUICK_COUNTS = [1_000];
const CONCURRENCY = 32;
const DAY_MS = 86_400_000;

// A logged-in Django session with a cart, about 250 bytes pickled.
const SESSION = {
  _auth_user_id: '123456',
  _auth_user_backend: 'django.contrib.auth.backends.ModelBackend',
  _auth_user_hash: 'f'.repeat(64),
  cart: ['apple', 'bread', 'coffee'],
  visits: 1,
};

type Client = RedisClientType;

/** Adds live sessions until `count` exist; returns their keys. Pipelined, 1,000 a batch. */
async function fill(client: Client, keys: string[], count: number): Promise<void> {
  const value = pickleSession(SESSION);
  while (keys.length < count) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 1000 && keys.length < count; i++) {
      const key = generateSessionKey();
      keys.push(key);
      const name = djangoCacheKey({ keyPrefix: PREFIX }, 'django.contrib.sessions.cache', key);
      batch.push(client.set(name, value, { expiration: { type: 'PX', value: DAY_MS } }));
    }
    await Promise.all(batch);
  }
}

/** 32 loops of load then compare-and-save on random live sessions, for a few seconds. */
async function measure(store: SessionStore, keys: readonly string[], seconds: number) {
  const loads: number[] = [];
  const saves: number[] = [];
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const key = keys[Math.floor(Math.random() * keys.length)] ?? '';
      let start = performance.now();
      const record = await store.load(key);
      loads.push(performance.now() - start);
      if (record === null || record.version === undefined) continue;
      const data = { ...record.data, visits: Number(record.data.visits) + 1 };
      start = performance.now();
      await store.compareAndSave?.(key, { ...record, data }, record.version);
      saves.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  loads.sort((a, b) => a - b);
  saves.sort((a, b) => a - b);
  return {
    operations: loads.length + saves.length,
    load: { p50: percentile(loads, 0.5), p99: percentile(loads, 0.99) },
    save: { p50: percentile(saves, 0.5), p99: percentile(saves, 0.99) },
  };
}

async function removeAll(client: Client, pattern: string): Promise<void> {
  for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 10_000 })) {
    if (batch.length > 0) await client.unlink(batch);
  }
}

/** Bytes Redis reports for one session: coatcheck's pickle beside connect-redis's JSON. */
async function bytesPerSession(client: Client): Promise<{ coatcheck: number; connect: number }> {
  const key = generateSessionKey();
  const ours = djangoCacheKey({ keyPrefix: PREFIX }, 'django.contrib.sessions.cache', key);
  await client.set(ours, pickleSession(SESSION), { expiration: { type: 'PX', value: DAY_MS } });
  const store = new RedisStore({ client, prefix: `${PREFIX}-connect:` });
  // What express-session hands its store: the data with its cookie beside it.
  const expires = new Date(Date.now() + DAY_MS);
  const cookie = { originalMaxAge: DAY_MS, expires, httpOnly: true, path: '/' };
  await store.set(key, { cookie, ...SESSION } as never);
  const coatcheck = Number(await client.memoryUsage(ours));
  const connect = Number(await client.memoryUsage(`${PREFIX}-connect:${key}`));
  await client.unlink([ours, `${PREFIX}-connect:${key}`]);
  return { coatcheck, connect };
}

export async function runRedisScaleBench(
  options: BenchOptions,
): Promise<SectionReport | undefined> {
  const client: Client = createClient({ url: BENCH_REDIS });
  try {
    await client.connect();
  } catch (error) {
    console.log(`\nRedis scale benchmark skipped: ${(error as Error).message}`);
    return undefined;
  }
  const store = redisStore({ client }, { keyPrefix: PREFIX });
  const sessions = createNoop();
  store.open?.(sessions);
  const seconds = options.quick ? 1 : 4;
  console.log('\nRedis store as sessions grow');
  const rows: string[][] = [];
  const keys: string[] = [];
  let bytes = { coatcheck: 0, connect: 0 };
  try {
    for (const count of options.quick ? QUICK_COUNTS : COUNTS) {
      await fill(client, keys, count);
      const result = await measure(store, keys, seconds);
      const ms = (value: number) => `${value.toFixed(2)} ms`;
      rows.push([
        formatRate(count),
        formatRate(result.operations / seconds),
        ms(result.load.p50),
        ms(result.load.p99),
        ms(result.save.p50),
        ms(result.save.p99),
      ]);
    }
    bytes = await bytesPerSession(client);
  } finally {
    await removeAll(client, `${PREFIX}*`);
    await client.close();
  }
  const table = markdownTable(
    [
      { header: 'live sessions', align: 'right' },
      { header: 'ops/s', align: 'right' },
      { header: 'load p50', align: 'right' },
      { header: 'load p99', align: 'right' },
      { header: 'save p50', align: 'right' },
      { header: 'save p99', align: 'right' },
    ],
    rows,
  );
  return {
    title: 'The Redis store as sessions grow',
    body: [
      `${CONCURRENCY} concurrent loads and compare-and-saves of random live sessions, through ` +
        `the store itself (no HTTP), for ${seconds} s at each count.`,
      table,
      `One logged-in session with a cart takes ${bytes.coatcheck} bytes in Redis (\`MEMORY USAGE\`, ` +
        `the pickle protocol 5 Django reads) against ${bytes.connect} for the same data stored by ` +
        'connect-redis (JSON with the cookie beside it).',
    ].join('\n\n'),
  };
}

/** The context a store opens with, for a store used outside createSessions. */
function createNoop(): Parameters<NonNullable<SessionStore['open']>>[0] {
  return {
    djangoCodec: { name: 'none', encode: () => '', decode: () => ({}) },
    cookieName: 'sessionid',
    policy: { cookieAge: 1_209_600, expireAtBrowserClose: false },
    logger: { warn: () => {}, error: (message: string) => console.error(message) },
  } as never;
}
