/**
 * The Redis store on a Redis Cluster: three masters this file starts on free loopback ports
 * (test/helpers/redis-servers.ts), joined with `redis-cli --cluster create`, reached through
 * node-redis's `createCluster`, which follows MOVED and ASK. The shared contract, Django's
 * session tests and 50 concurrent writers (the compare-and-save script runs on whichever node
 * holds the key), and the keys really spread over the three nodes.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createCluster, type RedisClusterType } from 'redis';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { redisStore } from '../../src/stores/redis.ts';
import {
  assertRedisReachable,
  connectClient,
  type RedisCluster,
  skipWithoutRedisServer,
  startRedisCluster,
} from '../helpers/redis-servers.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  Browser,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  SECRET,
} from './contract.ts';

if (skipWithoutRedisServer === false) assertRedisReachable();

let cluster: RedisCluster | undefined;
let app: RedisClusterType | undefined;
if (skipWithoutRedisServer === false) {
  cluster = await startRedisCluster();
  app = createCluster({ rootNodes: cluster.rootNodes });
  app.on('error', () => {});
  await app.connect();
}
after(async () => {
  await app?.close();
  await cluster?.stop();
});

const client = (): RedisClusterType => {
  if (app === undefined) throw new Error('no Redis Cluster');
  return app;
};
const makeStore = () => redisStore({ client: client() }, { keyPrefix: 'cluster' });

describe('redis cluster', { skip: skipWithoutRedisServer }, () => {
  describeStoreContract('redis cluster', makeStore, {
    expiredRecordsExist: false,
    derivesDefaultExpiry: true,
    expiresByItself: true,
  });
  describeSessionContract('redis cluster', makeStore, { serverSide: true });
  describe('redis cluster store under concurrent writers', () =>
    describeConcurrentWriters(makeStore, 50));

  test('sessions spread over the three masters, each where the cluster says its slot lives', async () => {
    const sessions = createSessions({
      secretKey: SECRET,
      engine: makeStore(),
      logger: capturingLogger(),
    });
    const keys: string[] = [];
    for (let i = 0; i < 60; i++) {
      const b = new Browser(sessions);
      await b.session((session) => session.set('i', i));
      keys.push(`cluster:1:django.contrib.sessions.cache${b.cookie}`);
    }
    const holders: number[] = [];
    for (const server of cluster?.servers ?? []) {
      const node = await connectClient(server.url);
      try {
        let held = 0;
        // Each node answers EXISTS only for its own slots (MOVED otherwise).
        for (const key of keys) {
          try {
            held += await node.exists(key);
          } catch (error) {
            assert.match(String(error), /MOVED/);
          }
        }
        holders.push(held);
      } finally {
        node.destroy();
      }
    }
    assert.equal(
      holders.reduce((a, b) => a + b, 0),
      keys.length,
    );
    for (const held of holders) assert.ok(held > 0, `a master holds none: ${holders.join(', ')}`);
  });
});
