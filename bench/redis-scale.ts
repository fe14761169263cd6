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
import { BENCH_REDIS } from './lib/stores.ts';

const PREFIX = 'coatcheck-scale';
const COUNTS = [1_000, 1_000_000];
const CONCURRENCY = 32;
const SECONDS = 4;
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

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

/** 32 loops of load then compare-and-save on random live sessions, for a few seconds. */
async function measure(store: SessionStore, keys: readonly string[]) {
  const loads: number[] = [];
  const saves: number[] = [];
  const end = performance.now() + SECONDS * 1000;
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

export async function runRedisScaleBench(): Promise<void> {
  const client: Client = createClient({ url: BENCH_REDIS });
  try {
    await client.connect();
  } catch (error) {
    console.log(`\nRedis scale benchmark skipped: ${(error as Error).message}`);
    return;
  }
  const store = redisStore({ client }, { keyPrefix: PREFIX });
  const sessions = createNoop();
  store.open?.(sessions);
  console.log(
    `\nRedis store as sessions grow (${CONCURRENCY} concurrent load + compare-and-save, ${SECONDS}s)`,
  );
  console.log('  live sessions    ops/s   load p50   load p99   save p50   save p99');
  const keys: string[] = [];
  try {
    for (const count of COUNTS) {
      await fill(client, keys, count);
      const result = await measure(store, keys);
      const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(9);
      console.log(
        `  ${count.toLocaleString('en-US').padStart(13)}  ${Math.round(result.operations / SECONDS)
          .toLocaleString('en-US')
          .padStart(
            7,
          )}  ${ms(result.load.p50)}  ${ms(result.load.p99)}  ${ms(result.save.p50)}  ${ms(result.save.p99)}`,
      );
    }
    const bytes = await bytesPerSession(client);
    console.log(
      `  bytes per session (MEMORY USAGE): coatcheck ${bytes.coatcheck}, connect-redis ${bytes.connect}`,
    );
  } finally {
    await removeAll(client, `${PREFIX}*`);
    await client.close();
  }
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
