/**
 * The MySQL/MariaDB store (`mysql2`) against the real MariaDB on 127.0.0.1:3306: the shared
 * contract, Django's session tests and 50 concurrent writers, through the application's pool
 * and through a URL; then Django's table (compared with the one Django's statements make),
 * a table Django made used as it is, time zones, a pool without FOUND_ROWS, and faults (a
 * wrong port, and a server that goes away and comes back through a TCP proxy).
 *
 * Every table has a name of this file's own, dropped at the end.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { ImproperlyConfigured, StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { mysqlStore, type SqlSessionStore } from '../../src/stores/sql/mysql.ts';
import { assertReachable, MYSQL_URL, mysqlTables, skipWithoutMysql } from '../helpers/databases.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  Browser,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  expiredRecord,
  recordOf,
  SECRET,
  storeContext,
} from './contract.ts';
import { assertSilentPathBounded } from './silent-path.ts';

if (skipWithoutMysql === false) assertReachable('mysql');
const place = skipWithoutMysql === false ? mysqlTables() : undefined;
after(() => place?.drop());

const pool = () => {
  if (place === undefined) throw new Error('MariaDB is unreachable');
  return place.pool;
};
const nextTable = () => place?.table() ?? '';

const makeStore = () => mysqlStore({ pool: pool() }, { table: nextTable(), autoMigrate: true });

/** Django 3.2's `sqlmigrate sessions 0001` on MySQL, for a table named `table`. */
const djangoDdl = (table: string, index: string) => [
  `CREATE TABLE \`${table}\` (\`session_key\` varchar(40) NOT NULL PRIMARY KEY, \`session_data\` longtext NOT NULL, \`expire_date\` datetime(6) NOT NULL)`,
  `CREATE INDEX \`${index}\` ON \`${table}\` (\`expire_date\`)`,
];

async function opened(
  connection: Parameters<typeof mysqlStore>[0],
  options: Parameters<typeof mysqlStore>[1] = {},
): Promise<SqlSessionStore> {
  const store = mysqlStore(connection, options);
  await store.open?.(storeContext());
  return store;
}

async function showCreate(table: string): Promise<string> {
  const [rows] = await pool().query(`SHOW CREATE TABLE \`${table}\``);
  return String((rows as Record<string, unknown>[])[0]?.['Create Table']);
}

describe('mysql', { skip: skipWithoutMysql }, () => {
  describeStoreContract('mysql', makeStore, { expiredRecordsExist: true });
  describeSessionContract('mysql', makeStore, { serverSide: true });
  describe('mysql store under concurrent writers (the application’s pool)', () =>
    describeConcurrentWriters(makeStore, 50));
  describe('mysql store under concurrent writers (its own pool, from a URL)', () =>
    describeConcurrentWriters(
      () => mysqlStore({ url: MYSQL_URL }, { table: nextTable(), autoMigrate: true }),
      50,
    ));

  describe('mysqlStore', () => {
    test('migrate() makes the table Django’s statements make, and then leaves it alone', async () => {
      const [django, ours] = [nextTable(), nextTable()];
      // Django names the index after its table: the same formula as coatcheck's.
      const store = mysqlStore({ pool: pool() }, { table: ours });
      assert.deepEqual(await store.migrate(), { created: true, table: ours });
      const made = await showCreate(ours);
      const index = /KEY `([^`]+)` \(`expire_date`\)/.exec(made)?.[1] ?? '';
      assert.match(index, new RegExp(`^${ours}_expire_date_[0-9a-f]{8}$`));
      for (const statement of djangoDdl(django, index.replace(ours, django))) {
        await pool().query(statement);
      }
      assert.equal(made.replaceAll(ours, 'T'), (await showCreate(django)).replaceAll(django, 'T'));
      assert.deepEqual(await store.migrate(), { created: false, table: ours });
      assert.equal(await showCreate(ours), made);
    });

    test('made by Django is used as it is, and a row Django wrote loads', async () => {
      const table = nextTable();
      for (const statement of djangoDdl(table, `${table}_django_index`)) {
        await pool().query(statement);
      }
      const before = await showCreate(table);
      const store = await opened({ pool: pool() }, { table, autoMigrate: true });
      const key = generateSessionKey();
      const text = storeContext().djangoCodec.encode({ cart: ['apple', 'pear'] });
      // Django's MySQL backend sends a naive UTC datetime with microseconds.
      await pool().query(`INSERT INTO \`${table}\` VALUES (?, ?, '2099-11-28 22:13:20.250000')`, [
        key,
        text,
      ]);
      const loaded = await store.load(key);
      assert.deepEqual(loaded?.data, { cart: ['apple', 'pear'] });
      assert.equal(loaded?.expiresAt.toISOString(), '2099-11-28T22:13:20.250Z');
      assert.equal(await showCreate(table), before);
    });

    test('with autoMigrate off (the default), a missing table refuses to open, naming coatcheck migrate', async () => {
      const table = nextTable();
      const store = mysqlStore({ pool: pool() }, { table });
      await assert.rejects(Promise.resolve(store.open?.(storeContext())), (error: unknown) => {
        assert.ok(error instanceof ImproperlyConfigured, String(error));
        assert.match(error.message, /coatcheck migrate/);
        return true;
      });
      await assert.rejects(async () => store.load(generateSessionKey()), /coatcheck migrate/);
    });

    test('expire_date is stored in UTC whatever the pool’s and the session’s time zone', async () => {
      const table = nextTable();
      const shifted = mysql.createPool({ uri: MYSQL_URL, timezone: '+05:30', connectionLimit: 2 });
      shifted.on('connection', (connection) => connection.query("SET time_zone = '+05:30'"));
      try {
        const store = await opened({ pool: shifted }, { table, autoMigrate: true });
        const key = generateSessionKey();
        const expiresAt = new Date('2099-01-02T03:04:05.678Z');
        await store.create(key, { data: { a: 1 }, expiresAt });
        assert.equal((await store.load(key))?.expiresAt.toISOString(), expiresAt.toISOString());
        const [rows] = await pool().query(
          `SELECT CAST(expire_date AS CHAR) AS utc FROM \`${table}\` WHERE session_key = ?`,
          [key],
        );
        assert.equal((rows as Record<string, unknown>[])[0]?.utc, '2099-01-02 03:04:05.678000');
      } finally {
        await new Promise((resolve) => shifted.end(resolve));
      }
    });

    test('a pool without FOUND_ROWS: an unchanged save is still a save, not an UpdateError', async () => {
      const table = nextTable();
      const strict = mysqlPromise.createPool({
        uri: MYSQL_URL,
        flags: ['-FOUND_ROWS'],
        connectionLimit: 2,
      });
      try {
        const store = await opened({ pool: strict }, { table, autoMigrate: true });
        const key = generateSessionKey();
        const record = recordOf({ a: 1 });
        await store.create(key, record);
        // The same data and expiry in the same second encode to the same text: 0 rows changed.
        await store.save(key, record, { mustExist: true });
        const loaded = await store.load(key);
        assert.equal(await store.compareAndSave?.(key, record, loaded?.version ?? ''), 'saved');
        await store.delete(key);
        await assert.rejects(async () => store.save(key, record, { mustExist: true }), /deleted/);
      } finally {
        await strict.end();
      }
    });

    test('takes a callback-style mysql2 pool too', async () => {
      const callbackPool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
      try {
        const store = await opened(
          { pool: callbackPool },
          { table: nextTable(), autoMigrate: true },
        );
        const key = generateSessionKey();
        await store.create(key, recordOf({ a: 1 }));
        assert.deepEqual((await store.load(key))?.data, { a: 1 });
      } finally {
        await new Promise((resolve) => callbackPool.end(resolve));
      }
    });

    test('sweeps expired rows in batches and counts them', async () => {
      const store = await opened({ pool: pool() }, { table: nextTable(), autoMigrate: true });
      await store.create(generateSessionKey(), recordOf({ live: true }));
      for (let i = 0; i < 25; i++) await store.create(generateSessionKey(), expiredRecord());
      assert.equal((await store.count()).expired, 25);
      const progress: number[] = [];
      assert.equal(
        await store.clearExpired({
          batchSize: 10,
          onProgress: ({ deleted }) => progress.push(deleted),
        }),
        25,
      );
      assert.deepEqual(progress, [10, 20, 25]);
      assert.equal((await store.count()).total, 1);
    });

    for (const timeout of [0, -1, 1.5, Number.NaN, '5000']) {
      test(`refuses the timeout ${typeof timeout === 'string' ? `"${timeout}"` : timeout} with a TypeError naming it`, () => {
        assert.throws(
          () => mysqlStore({ pool: pool() }, { timeout: timeout as number }),
          /mysqlStore timeout must be a positive whole number/,
        );
      });
    }

    for (const table of ['a.b.c', 'x`; DROP TABLE y; --', 'x'.repeat(65)]) {
      test(`refuses the table name ${JSON.stringify(table)}`, () => {
        assert.throws(() => mysqlStore({ pool: pool() }, { table }), TypeError);
      });
    }

    /** A session whose encoded data is larger than the server's `max_allowed_packet`. */
    async function oversizedRecord() {
      const [rows] = await pool().query('SELECT @@max_allowed_packet AS max');
      const max = Number((rows as Record<string, unknown>[])[0]?.max);
      // Random bytes do not compress: the encoded text is about 4/3 of the base64 given.
      return recordOf({ blob: randomBytes(Math.ceil(max * 0.8)).toString('base64') });
    }

    for (const [label, connect] of [
      [
        'the application’s pool',
        () => {
          const own = mysqlPromise.createPool({ uri: MYSQL_URL, connectionLimit: 1 });
          return { connection: { pool: own }, end: () => own.end() };
        },
      ],
      [
        'its own pool',
        () => ({ connection: { url: MYSQL_URL, maxConnections: 1 }, end: async () => {} }),
      ],
    ] as const) {
      test(`a save over max_allowed_packet is a 503, and the next request on that connection (${label}) works`, async () => {
        const { connection, end } = connect();
        const store = await opened(connection, { table: nextTable(), autoMigrate: true });
        try {
          const key = generateSessionKey();
          await store.create(key, recordOf({ a: 1 }));
          await assert.rejects(
            async () =>
              store.save(generateSessionKey(), await oversizedRecord(), { mustExist: false }),
            StoreUnavailable,
          );
          // One connection in the pool: these run on the one the server gave up on, unless
          // the store threw it away.
          assert.deepEqual((await store.load(key))?.data, { a: 1 });
          await store.save(key, recordOf({ a: 2 }), { mustExist: true });
          assert.deepEqual((await store.load(key))?.data, { a: 2 });
        } finally {
          await store.close();
          await end();
        }
      });
    }

    test('a server that is not there gives StoreUnavailable with the driver’s error', async () => {
      const store = mysqlStore({ url: 'mysql://root@127.0.0.1:1/test' }, { table: nextTable() });
      await assert.rejects(Promise.resolve(store.open?.(storeContext())), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailable, String(error));
        assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
        return true;
      });
      await store.close();
    });

    for (const [label, own] of [
      ['its own pool', true],
      ['the application’s pool', false],
    ] as const) {
      test(`a path that goes silent (${label}): every request ends within timeout as a 503, and requests work within a second of it healing`, async () => {
        const proxy = await startTcpProxy(Number(new URL(MYSQL_URL).port || 3306));
        const url = new URL(MYSQL_URL);
        url.host = `127.0.0.1:${proxy.port}`;
        // An application's pool as mysql2's README makes it: no timeouts of its own.
        const appPool = own
          ? undefined
          : mysqlPromise.createPool({ uri: url.href, connectionLimit: 10 });
        const timeout = 1000;
        const sessions = createSessions({
          secretKey: SECRET,
          engine: mysqlStore(appPool === undefined ? { url: url.href } : { pool: appPool }, {
            table: nextTable(),
            autoMigrate: true,
            timeout,
          }),
          logger: capturingLogger(),
        });
        try {
          await assertSilentPathBounded({ sessions, proxy, timeout });
        } finally {
          await proxy.close(); // resets every silent connection, so nothing waits on one
          await sessions.close();
          // Its connections were reset with the proxy: ending them may report that.
          await appPool?.end().catch(() => {});
        }
      });
    }

    test('a server that goes down gives StoreUnavailable, and requests work within a second of its return', async () => {
      const proxy = await startTcpProxy(Number(new URL(MYSQL_URL).port || 3306));
      const url = new URL(MYSQL_URL);
      url.host = `127.0.0.1:${proxy.port}`;
      const sessions = createSessions({
        secretKey: SECRET,
        engine: mysqlStore({ url: url.href }, { table: nextTable(), autoMigrate: true }),
        logger: capturingLogger(),
      });
      try {
        const browser = new Browser(sessions);
        await browser.session((session) => session.set('visits', 1));
        proxy.cut();
        await assert.rejects(browser.data(), StoreUnavailable);
        await assert.rejects(
          browser.session((session) => session.set('visits', 2)),
          StoreUnavailable,
        );
        proxy.restore();
        const back = Date.now();
        let recovered: number | undefined;
        while (Date.now() - back < 5000) {
          try {
            await browser.session((session) => session.set('visits', 2));
            recovered = Date.now() - back;
            break;
          } catch (error) {
            if (!(error instanceof StoreUnavailable)) throw error;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        assert.ok(recovered !== undefined && recovered < 1000, `recovered after ${recovered} ms`);
        assert.deepEqual(await browser.data(), { visits: 2 });
      } finally {
        await sessions.close();
        await proxy.close();
      }
    });
  });
});
