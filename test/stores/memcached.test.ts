/**
 * The Memcached store against a memcached of this file's own (Debian's binary on a free
 * loopback port): the shared contract, Django's session tests and 50 concurrent writers; then
 * what is Memcached's own: Django's key, flags and TTL read back with the meta command `mg`,
 * one command per operation (counted with `stats`), items it must not adopt, servers chosen as
 * pymemcache chooses them, and faults: a server killed and restarted, and a black-holed path.
 *
 * Expired sessions are gone at once (memcached's TTL), as in Django's cache engine.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { MemcachedClient } from '../../src/stores/memcached/client.ts';
import { memcachedExpiry } from '../../src/stores/memcached/expiry.ts';
import { murmur3, rendezvousNode } from '../../src/stores/memcached/rendezvous.ts';
import { memcachedStore } from '../../src/stores/memcached.ts';
import {
  type MemcachedServer,
  memcachedCommand,
  memcachedStats,
  metaGet,
  skipWithoutMemcached,
  startMemcached,
} from '../helpers/memcached.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  Browser,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  recordOf,
  SECRET,
  storeContext,
  TWO_WEEKS,
} from './contract.ts';

const server = skipWithoutMemcached === false ? await startMemcached() : undefined;
after(() => server?.stop());
const running = (): MemcachedServer => {
  if (server === undefined) throw new Error('memcached is not running');
  return server;
};

const stores: { close(): Promise<void> }[] = [];
after(async () => {
  for (const store of stores) await store.close();
});
const makeStore = (options: Partial<Parameters<typeof memcachedStore>[0]> = {}) => {
  const store = memcachedStore({ servers: [running().address], ...options });
  stores.push(store);
  return store;
};

const djangoKey = (key: string) => `:1:django.contrib.sessions.cache${key}`;

describe('memcached', { skip: skipWithoutMemcached }, () => {
  describeStoreContract('memcached', () => makeStore(), {
    expiredRecordsExist: false,
    derivesDefaultExpiry: true,
    expiresByItself: true,
  });
  describeSessionContract('memcached', () => makeStore(), { serverSide: true });
  describe('memcached store under concurrent writers', () =>
    describeConcurrentWriters(() => makeStore(), 50));

  describe('memcachedStore', () => {
    const opened = async (options: Partial<Parameters<typeof memcachedStore>[0]> = {}) => {
      const logger = capturingLogger();
      const store = makeStore(options);
      await store.open?.(storeContext({}, logger));
      return { store, logger };
    };

    describe('Django’s format', () => {
      test('a session is the item Django’s cache engine writes: its key, a pickle (protocol 5) with flags 1, TTL the cookie age', async () => {
        const sessions = createSessions({
          secretKey: SECRET,
          engine: makeStore(),
          logger: capturingLogger(),
        });
        const browser = new Browser(sessions);
        await browser.session((session) => session.set('dj_counter', 1));
        const item = await metaGet(running().port, djangoKey(browser.cookie ?? ''));
        assert.ok(item !== null, 'no item under Django’s key');
        assert.equal(item.flags, 1);
        assert.ok(Math.abs(item.ttl - TWO_WEEKS) <= 1, `TTL ${item.ttl}`);
        assert.deepEqual([...item.value.subarray(0, 2)], [0x80, 0x05]);
      });

      for (const [label, expiry, ttl] of [
        ['setExpiry(300)', 300, 300],
        ['setExpiry(0) (browser close: still the cookie age, as in Django)', 0, TWO_WEEKS],
        ['setExpiry(40 days), past memcached’s 30-day relative limit', 40 * 86_400, 40 * 86_400],
      ] as const) {
        test(`${label} gives a TTL of ${ttl} s`, async () => {
          const browser = new Browser(
            createSessions({ secretKey: SECRET, engine: makeStore(), logger: capturingLogger() }),
          );
          await browser.session((session) => {
            session.set('a', 1);
            session.setExpiry(expiry);
          });
          const item = await metaGet(running().port, djangoKey(browser.cookie ?? ''));
          assert.ok(item !== null);
          assert.ok(Math.abs(item.ttl - ttl) <= 1, `TTL ${item.ttl}, expected ${ttl}`);
        });
      }

      test('memcachedExpiry: seconds left, -1 when none, a Unix time past 30 days', () => {
        const now = 1_700_000_000_000;
        assert.equal(memcachedExpiry(new Date(now + TWO_WEEKS * 1000), now), TWO_WEEKS);
        assert.equal(memcachedExpiry(new Date(now + TWO_WEEKS * 1000 - 3), now), TWO_WEEKS);
        assert.equal(memcachedExpiry(new Date(now), now), -1);
        assert.equal(memcachedExpiry(new Date(now - 5000), now), -1);
        assert.equal(memcachedExpiry(new Date(now + 2_592_000_000), now), 2_592_000);
        assert.equal(
          memcachedExpiry(new Date(now + 2_592_001_000), now),
          1_700_000_000 + 2_592_001,
        );
      });

      test('keyPrefix and version make the key as Django’s make_key does', async () => {
        const { store } = await opened({ keyPrefix: 'site1', version: 3 });
        const key = generateSessionKey();
        await store.create(key, recordOf({ a: 1 }));
        assert.ok(
          (await metaGet(running().port, `site1:3:django.contrib.sessions.cache${key}`)) !== null,
        );
        assert.equal(await metaGet(running().port, djangoKey(key)), null);
      });

      for (const [label, flags, bytes] of [
        ['flags 0 (a string another client wrote)', 0, Buffer.from('{"_auth_user_id":"1"}')],
        ['flags 1 but not a pickle', 1, Buffer.from('garbage, not a pickle')],
      ] as const) {
        test(`an item with ${label} is not adopted: no session, a warning, and a new key`, async () => {
          const { store, logger } = await opened();
          const key = generateSessionKey();
          const client = new MemcachedClient({
            servers: [running().address],
            timeout: 2000,
            connectTimeout: 2000,
          });
          await client.store('set', djangoKey(key), bytes, { flags, exptime: 60 });
          client.close();
          assert.equal(await store.load(key), null);
          assert.equal(logger.warnings.length, 1);
          assert.doesNotMatch(logger.warnings[0] ?? '', /_auth_user_id/);
          const browser = new Browser(
            createSessions({ secretKey: SECRET, engine: store, logger: capturingLogger() }),
            key,
          );
          await browser.session((session) => session.set('x', 1));
          assert.notEqual(browser.cookie, key);
        });
      }
    });

    describe('round trips', () => {
      test('each operation is one memcached command (counted with stats)', async () => {
        const { store } = await opened();
        const port = running().port;
        const key = generateSessionKey();
        const counted = async (operation: () => Promise<unknown>) => {
          const before = await memcachedStats(port);
          await operation();
          const after = await memcachedStats(port);
          const changed: Record<string, number> = {};
          for (const name of [
            'cmd_get',
            'cmd_set',
            'cmd_touch',
            'cas_hits',
            'cas_badval',
            'cas_misses',
            'delete_hits',
            'delete_misses',
          ]) {
            const delta = (after[name] ?? 0) - (before[name] ?? 0);
            if (delta !== 0) changed[name] = delta;
          }
          return changed;
        };
        assert.deepEqual(
          await counted(async () => store.create(key, recordOf({ n: 1 }))),
          { cmd_set: 1 },
          'create',
        );
        let version: string | undefined;
        assert.deepEqual(
          await counted(async () => {
            version = (await store.load(key))?.version;
          }),
          { cmd_get: 1 },
          'load',
        );
        assert.deepEqual(
          await counted(async () => store.save(key, recordOf({ n: 2 }), { mustExist: true })),
          { cmd_set: 1 },
          'save',
        );
        assert.deepEqual(
          await counted(async () =>
            assert.equal(
              await store.compareAndSave?.(key, recordOf({ n: 3 }), version ?? ''),
              'conflict',
            ),
          ),
          { cmd_set: 1, cas_badval: 1 },
          'compareAndSave on an old version',
        );
        version = (await store.load(key))?.version;
        assert.deepEqual(
          await counted(async () =>
            assert.equal(
              await store.compareAndSave?.(key, recordOf({ n: 4 }), version ?? ''),
              'saved',
            ),
          ),
          { cmd_set: 1, cas_hits: 1 },
          'compareAndSave',
        );
        assert.deepEqual(
          await counted(async () => assert.equal(await store.exists(key), true)),
          { cmd_get: 1 },
          'exists',
        );
        assert.deepEqual(await counted(() => store.delete(key)), { delete_hits: 1 }, 'delete');
        assert.deepEqual(
          await counted(async () =>
            assert.equal(
              await store.compareAndSave?.(key, recordOf({ n: 5 }), version ?? ''),
              'missing',
            ),
          ),
          { cmd_set: 1, cas_misses: 1 },
          'compareAndSave on a deleted session',
        );
        assert.deepEqual(await counted(() => store.clearExpired()), {}, 'clearExpired');
      });
    });

    describe('several servers', () => {
      test('murmur3 gives MurmurHash3’s reference values', () => {
        assert.equal(murmur3(''), 0);
        assert.equal(murmur3('', 1), 0x514e28b7);
        assert.equal(murmur3('hello'), 0x248bfa47);
        assert.equal(murmur3('The quick brown fox jumps over the lazy dog'), 0x2e4ff723);
      });

      test('a key goes to the server pymemcache’s HashClient picks (as Django’s PyMemcacheCache)', () => {
        const nodes = ['127.0.0.1:11211', '127.0.0.1:11212', '10.0.0.7:11211', 'cache-3:11211'];
        const keys = Array.from({ length: 200 }, () => djangoKey(generateSessionKey()));
        const python = execFileSync(
          '/usr/bin/python3',
          [
            '-c',
            `import json, sys
from pymemcache.client.rendezvous import RendezvousHash
data = json.load(sys.stdin)
ring = RendezvousHash(nodes=data['nodes'])
print(json.dumps([ring.get_node(key) for key in data['keys']]))`,
          ],
          { input: JSON.stringify({ nodes, keys }) },
        );
        const expected = JSON.parse(python.toString()) as string[];
        assert.deepEqual(
          keys.map((key) => rendezvousNode(nodes, key)),
          expected,
        );
        assert.ok(new Set(expected).size === nodes.length, 'every server gets keys');
      });

      test('sessions spread over two servers, each found where the ring puts it', async () => {
        const second = await startMemcached();
        try {
          const servers = [running().address, second.address];
          const store = makeStore({ servers });
          await store.open?.(storeContext());
          const keys = Array.from({ length: 20 }, () => generateSessionKey());
          for (const key of keys) await store.create(key, recordOf({ key }));
          for (const key of keys) {
            const home = rendezvousNode(servers, djangoKey(key));
            const port = home === second.address ? second.port : running().port;
            const other = home === second.address ? running().port : second.port;
            assert.ok((await metaGet(port, djangoKey(key))) !== null);
            assert.equal(await metaGet(other, djangoKey(key)), null);
            assert.deepEqual((await store.load(key))?.data, { key });
          }
        } finally {
          await second.stop();
        }
      });
    });

    describe('options', () => {
      for (const [label, options] of [
        ['no servers', { servers: [] }],
        ['a port out of range', { servers: ['127.0.0.1:70000'] }],
        ['a server with a space', { servers: ['127.0.0.1 11211'] }],
        ['a keyPrefix with a space', { servers: ['127.0.0.1'], keyPrefix: 'my site' }],
        [
          'a keyPrefix too long for memcached',
          { servers: ['127.0.0.1'], keyPrefix: 'k'.repeat(200) },
        ],
        ['a timeout of 0', { servers: ['127.0.0.1'], timeout: 0 }],
      ] as const) {
        test(`refuses ${label} with a TypeError naming memcachedStore`, () => {
          assert.throws(
            () => memcachedStore(options as never),
            (error: unknown) =>
              error instanceof TypeError && error.message.includes('memcachedStore'),
          );
        });
      }

      test('takes Django’s LOCATION string, servers separated by ; or ,', async () => {
        const store = makeStore({ servers: `${running().address};${running().address}` });
        await store.open?.(storeContext());
        const key = generateSessionKey();
        await store.create(key, recordOf({ a: 1 }));
        assert.deepEqual((await store.load(key))?.data, { a: 1 });
      });
    });

    describe('faults', () => {
      test('a server that is not there gives StoreUnavailable at once, with the cause', async () => {
        const store = memcachedStore({ servers: ['127.0.0.1:1'] });
        stores.push(store);
        const started = Date.now();
        await assert.rejects(
          async () => store.load(generateSessionKey()),
          (error: unknown) => {
            assert.ok(error instanceof StoreUnavailable, String(error));
            assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
            return true;
          },
        );
        assert.ok(Date.now() - started < 1000);
      });

      test('a killed server gives StoreUnavailable quickly, and requests work within a second of its restart', async () => {
        const own = await startMemcached();
        const sessions = createSessions({
          secretKey: SECRET,
          engine: memcachedStore({ servers: [own.address], timeout: 1000 }),
          logger: capturingLogger(),
        });
        try {
          const browser = new Browser(sessions);
          await browser.session((session) => session.set('visits', 1));
          await own.kill();
          for (const attempt of [
            () => browser.data(),
            () => browser.session((session) => session.set('visits', 2)),
            () => new Browser(sessions).session((session) => session.set('new', true)),
          ]) {
            const started = Date.now();
            await assert.rejects(attempt(), StoreUnavailable);
            assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
          }
          await own.restart();
          const back = Date.now();
          let recovered: number | undefined;
          while (Date.now() - back < 5000) {
            try {
              // The restarted server is empty: the old session is gone, a new one works.
              await new Browser(sessions).session((session) => session.set('after', true));
              recovered = Date.now() - back;
              break;
            } catch (error) {
              if (!(error instanceof StoreUnavailable)) throw error;
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          }
          assert.ok(recovered !== undefined && recovered < 1000, `recovered after ${recovered} ms`);
        } finally {
          await sessions.close();
          await own.stop();
        }
      });

      test('a black-holed path ends each request within the timeout, and works again once restored', async () => {
        const proxy = await startTcpProxy(running().port);
        const timeout = 300;
        const sessions = createSessions({
          secretKey: SECRET,
          engine: memcachedStore({ servers: [`127.0.0.1:${proxy.port}`], timeout }),
          logger: capturingLogger(),
        });
        try {
          const browser = new Browser(sessions);
          await browser.session((session) => session.set('visits', 1));
          proxy.blackHole();
          for (const attempt of [
            () => browser.data(),
            () => browser.session((session) => session.set('visits', 2)),
            () => new Browser(sessions).session((session) => session.set('new', true)),
          ]) {
            const started = Date.now();
            await assert.rejects(attempt(), (error: unknown) => {
              assert.ok(error instanceof StoreUnavailable, String(error));
              assert.equal((error.cause as { code?: string }).code, 'ETIMEDOUT');
              return true;
            });
            const took = Date.now() - started;
            assert.ok(took < timeout + 200, `took ${took} ms`);
          }
          proxy.restore();
          const back = Date.now();
          let recovered: number | undefined;
          while (Date.now() - back < 5000) {
            try {
              await browser.session((session) =>
                session.set('visits', (session.get('visits') as number) + 1),
              );
              recovered = Date.now() - back;
              break;
            } catch (error) {
              if (!(error instanceof StoreUnavailable)) throw error;
            }
          }
          assert.ok(
            recovered !== undefined && recovered < timeout + 1000,
            `recovered after ${recovered} ms`,
          );
          assert.deepEqual(await browser.data(), { visits: 2 });
        } finally {
          await sessions.close();
          await proxy.close();
        }
      });

      test('a reply the client did not ask for drops the connection, not the process', async () => {
        const client = new MemcachedClient({
          servers: [running().address],
          timeout: 1000,
          connectTimeout: 1000,
        });
        try {
          // `ERROR` for an unknown command: the connection is dropped and the next one works.
          await assert.rejects(
            client.connectionFor('x').line('bogus_command'),
            /refused a command/,
          );
          assert.equal(await client.get('missing-key'), undefined);
          assert.ok(
            (await memcachedCommand(running().port, 'version', (t) => t.endsWith('\r\n'))).length >
              0,
          );
        } finally {
          client.close();
        }
      });
    });
  });
});
