/**
 * The PostgreSQL store (`pg`) against the real server on 127.0.0.1:5432: the shared contract,
 * Django's session tests and 50 concurrent writers, through the application's pool and
 * through a URL; then Django's table as Django makes it (introspected side by side), a table
 * Django made used as it is, time zones, the sweep beside a request holding a row, and faults:
 * a wrong port, and a server that goes away and comes back (a TCP proxy this test cuts, so
 * the real server other tests use keeps running).
 *
 * Every table lives in a schema of this file's own, dropped at the end.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { withSessions } from '../../src/adapters/node.ts';
import { ImproperlyConfigured, StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { postgresStore, type SqlSessionStore } from '../../src/stores/sql/postgres.ts';
import {
  assertReachable,
  POSTGRES_URL,
  postgresSchema,
  skipWithoutPostgres,
} from '../helpers/databases.ts';
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

// Under CI an unreachable server fails this file here, with the reason.
if (skipWithoutPostgres === false) assertReachable('postgres');
const place = skipWithoutPostgres === false ? await postgresSchema() : undefined;
after(() => place?.drop());

const schema = place?.schema ?? '';
let tables = 0;
const nextTable = () => `${schema}.t${tables++}`;
const pool = (): pg.Pool => {
  if (place === undefined) throw new Error('PostgreSQL is unreachable');
  return place.pool;
};

/** A store on a new table of this file's schema, through the shared pool. */
const makeStore = () => postgresStore({ pool: pool() }, { table: nextTable(), autoMigrate: true });

/** Django 3.2's `sqlmigrate sessions 0001` on PostgreSQL, for a table named `table`. */
const djangoDdl = (table: string) => [
  `CREATE TABLE "${schema}"."${table}" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
  `CREATE INDEX "django_session_session_key_c0390e0f_like" ON "${schema}"."${table}" ("session_key" varchar_pattern_ops)`,
  `CREATE INDEX "django_session_expire_date_a5c62663" ON "${schema}"."${table}" ("expire_date")`,
];

async function opened(
  connection: Parameters<typeof postgresStore>[0],
  options: Parameters<typeof postgresStore>[1] = {},
): Promise<SqlSessionStore> {
  const store = postgresStore(connection, options);
  await store.open?.(storeContext());
  return store;
}

describe('postgres', { skip: skipWithoutPostgres }, () => {
  describeStoreContract('postgres', makeStore, { expiredRecordsExist: true });
  describeSessionContract('postgres', makeStore, { serverSide: true });
  describe('postgres store under concurrent writers (the application’s pool)', () =>
    describeConcurrentWriters(makeStore, 50));
  describe('postgres store under concurrent writers (its own pool, from a URL)', () =>
    describeConcurrentWriters(
      () => postgresStore({ url: POSTGRES_URL }, { table: nextTable(), autoMigrate: true }),
      50,
    ));

  describe('postgresStore', () => {
    describe('Django’s table', () => {
      /** Columns, indexes and constraints of a table, with the schema left out of definitions. */
      async function introspect(table: string, inSchema = schema) {
        const columns = await pool().query(
          `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
             FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2
            ORDER BY ordinal_position`,
          [inSchema, table],
        );
        const indexes = await pool().query(
          `SELECT indexname, replace(indexdef, $1 || '.', '') AS indexdef FROM pg_indexes
            WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname`,
          [inSchema, table],
        );
        const constraints = await pool().query(
          `SELECT contype, conname, pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c
             JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = $1 AND t.relname = $2 ORDER BY conname`,
          [inSchema, table],
        );
        return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
      }

      test('migrate() makes the table Django’s migration makes: columns, indexes, names', async () => {
        // Django's statements, run in a second schema, beside ours.
        const django = `${schema}_django`;
        await pool().query(`CREATE SCHEMA "${django}"`);
        try {
          for (const statement of djangoDdl('django_session')) {
            await pool().query(statement.replaceAll(`"${schema}"`, `"${django}"`));
          }
          const table = `${schema}.django_session`;
          const store = postgresStore({ pool: pool() }, { table });
          assert.deepEqual(await store.migrate(), { created: true, table });
          const ours = await introspect('django_session');
          assert.deepEqual(ours, await introspect('django_session', django));
          assert.deepEqual(
            ours.indexes.map((row) => row.indexname),
            [
              'django_session_expire_date_a5c62663',
              'django_session_pkey',
              'django_session_session_key_c0390e0f_like',
            ],
          );
          assert.deepEqual(await store.migrate(), { created: false, table });
          assert.deepEqual(await introspect('django_session'), ours);
        } finally {
          await pool().query(`DROP SCHEMA IF EXISTS "${django}" CASCADE`);
        }
      });

      test('made by Django is used as it is: no statement changes it, and a row Django wrote loads', async () => {
        const made = `${schema}_made`;
        await pool().query(`CREATE SCHEMA "${made}"`);
        try {
          for (const statement of djangoDdl('django_session')) {
            await pool().query(statement.replaceAll(`"${schema}"`, `"${made}"`));
          }
          await pool().query(
            `CREATE INDEX "an_index_of_its_own" ON "${made}"."django_session" (session_data)`,
          );
          const before = await introspect('django_session', made);
          const store = await opened(
            { pool: pool() },
            { table: `${made}.django_session`, autoMigrate: true },
          );
          const key = generateSessionKey();
          const text = storeContext().djangoCodec.encode({ cart: ['apple', 'pear'] });
          // As Django's ORM writes it: an aware datetime, sent with its offset.
          await pool().query(`INSERT INTO "${made}"."django_session" VALUES ($1, $2, $3)`, [
            key,
            text,
            '2099-11-28 22:13:20.25+00',
          ]);
          const loaded = await store.load(key);
          assert.deepEqual(loaded?.data, { cart: ['apple', 'pear'] });
          assert.equal(loaded?.expiresAt.toISOString(), '2099-11-28T22:13:20.250Z');
          assert.equal(loaded?.version, text);
          assert.deepEqual(await introspect('django_session', made), before);
        } finally {
          await pool().query(`DROP SCHEMA IF EXISTS "${made}" CASCADE`);
        }
      });

      test('with autoMigrate off (the default), a missing table refuses to open, naming coatcheck migrate', async () => {
        const table = nextTable();
        const store = postgresStore({ pool: pool() }, { table });
        await assert.rejects(Promise.resolve(store.open?.(storeContext())), (error: unknown) => {
          assert.ok(error instanceof ImproperlyConfigured, String(error));
          assert.match(error.message, new RegExp(`${table} does not exist`));
          assert.match(error.message, /coatcheck migrate/);
          assert.match(error.message, /autoMigrate: true/);
          return true;
        });
        // Made meanwhile (by a migration), the next open succeeds.
        await store.migrate();
        await store.open?.(storeContext());
      });

      test('a schema that does not exist is a missing table too', async () => {
        const store = postgresStore({ pool: pool() }, { table: 'no_such_schema_here.sessions' });
        await assert.rejects(Promise.resolve(store.open?.(storeContext())), ImproperlyConfigured);
        await assert.rejects(async () => store.load(generateSessionKey()), /coatcheck migrate/);
      });

      test('two processes migrating at once both succeed, and one table results', async () => {
        const table = nextTable();
        const stores = Array.from({ length: 4 }, () =>
          postgresStore({ url: POSTGRES_URL }, { table }),
        );
        try {
          const results = await Promise.all(stores.map((store) => store.migrate()));
          assert.ok(results.some((result) => result.created));
        } finally {
          await Promise.all(stores.map((store) => store.close()));
        }
      });
    });

    describe('expire_date', () => {
      test('is the same instant whatever the connection’s TimeZone', async () => {
        const table = nextTable();
        const kolkata = new pg.Pool({
          connectionString: POSTGRES_URL,
          options: '-c TimeZone=Asia/Kolkata',
          max: 2,
        });
        try {
          const store = await opened({ pool: kolkata }, { table, autoMigrate: true });
          const key = generateSessionKey();
          const expiresAt = new Date('2099-01-02T03:04:05.678Z');
          await store.create(key, { data: { a: 1 }, expiresAt });
          assert.equal((await store.load(key))?.expiresAt.toISOString(), expiresAt.toISOString());
          const { rows } = await pool().query(
            `SELECT to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS utc FROM ${table.replace('.', '."')}" WHERE session_key = $1`,
            [key],
          );
          assert.equal(rows[0]?.utc, '2099-01-02 03:04:05.678000');
        } finally {
          await kolkata.end();
        }
      });
    });

    describe('clearExpired', () => {
      test('sweeps in batches, reporting progress, and keeps live rows', async () => {
        const store = await opened({ pool: pool() }, { table: nextTable(), autoMigrate: true });
        const live = generateSessionKey();
        await store.create(live, recordOf({ live: true }));
        await pool().query(
          `INSERT INTO ${quoted(store.table)} SELECT 'e' || lpad(n::text, 31, '0'), 'x', now() - interval '1 hour' FROM generate_series(1, 2500) AS n`,
        );
        const progress: number[] = [];
        const deleted = await store.clearExpired({
          batchSize: 1000,
          onProgress: ({ deleted: soFar }) => progress.push(soFar),
        });
        assert.equal(deleted, 2500);
        assert.deepEqual(progress, [1000, 2000, 2500]);
        assert.deepEqual((await store.count()).total, 1);
        assert.ok(await store.load(live));
      });

      test('passes over a row a request is saving right now, and keeps it when the save renews it', async () => {
        const store = await opened({ pool: pool() }, { table: nextTable(), autoMigrate: true });
        const [busy, idle] = [generateSessionKey(), generateSessionKey()];
        await store.create(busy, expiredRecord());
        await store.create(idle, expiredRecord());
        const request = await pool().connect();
        try {
          await request.query('BEGIN');
          await request.query(
            `UPDATE ${quoted(store.table)} SET expire_date = now() + interval '1 day' WHERE session_key = $1`,
            [busy],
          );
          // The sweep neither waits for the open transaction nor deletes its row.
          assert.equal(await store.clearExpired(), 1);
          await request.query('COMMIT');
        } finally {
          request.release();
        }
        assert.equal(await store.exists(busy), true);
        assert.equal(await store.exists(idle), false);
      });

      test('count and inspect read the table', async () => {
        const store = await opened({ pool: pool() }, { table: nextTable(), autoMigrate: true });
        const [live, old] = [generateSessionKey(), generateSessionKey()];
        await store.create(live, recordOf({ a: 1 }));
        await store.create(old, expiredRecord());
        const counts = await store.count();
        assert.equal(counts.total, 2);
        assert.equal(counts.expired, 1);
        assert.ok(counts.dataLength !== null && counts.dataLength.max >= counts.dataLength.min);
        assert.equal((await store.inspect(old))?.expired, true);
        assert.equal((await store.inspect(live))?.expired, false);
        const keys: string[] = [];
        for await (const row of store.rows({ batchSize: 1 })) keys.push(row.key);
        assert.deepEqual(keys, [live, old].sort());
      });
    });

    describe('connections', () => {
      test('close() leaves the application’s pool open', async () => {
        const store = await opened({ pool: pool() }, { table: nextTable(), autoMigrate: true });
        await store.close();
        assert.equal((await pool().query('SELECT 1 AS one')).rows[0]?.one, 1);
      });

      test('works with named prepared statements turned off (for poolers that drop them)', async () => {
        const store = await opened(
          { pool: pool() },
          { table: nextTable(), autoMigrate: true, preparedStatements: false },
        );
        const key = generateSessionKey();
        await store.create(key, recordOf({ a: 1 }));
        const loaded = await store.load(key);
        assert.equal(
          await store.compareAndSave?.(key, recordOf({ a: 2 }), loaded?.version ?? ''),
          'saved',
        );
        assert.deepEqual((await store.load(key))?.data, { a: 2 });
      });

      for (const [label, connection] of [
        ['nothing', undefined],
        ['an empty url', { url: '' }],
        ['a pool without query()', { pool: {} }],
      ] as const) {
        test(`refuses ${label} with a TypeError naming postgresStore`, () => {
          assert.throws(() => postgresStore(connection as never), /postgresStore needs/);
        });
      }

      for (const timeout of [0, -1, 1.5, Number.NaN, '5000']) {
        test(`refuses the timeout ${typeof timeout === 'string' ? `"${timeout}"` : timeout} with a TypeError naming it`, () => {
          assert.throws(
            () => postgresStore({ pool: pool() }, { timeout: timeout as number }),
            /postgresStore timeout must be a positive whole number/,
          );
        });
      }

      test('takes a connected pg.Client, and bounds its statements by timeout too', async () => {
        const proxy = await startTcpProxy(Number(new URL(POSTGRES_URL).port || 5432));
        const url = new URL(POSTGRES_URL);
        url.host = `127.0.0.1:${proxy.port}`;
        const client = new pg.Client({ connectionString: url.href });
        client.on('error', () => {});
        await client.connect();
        try {
          const store = await opened(
            { pool: client },
            { table: nextTable(), autoMigrate: true, timeout: 300 },
          );
          const key = generateSessionKey();
          await store.create(key, recordOf({ a: 1 }));
          assert.deepEqual((await store.load(key))?.data, { a: 1 });
          proxy.blackHole();
          const started = Date.now();
          await assert.rejects(async () => store.load(key), StoreUnavailable);
          const took = Date.now() - started;
          assert.ok(took >= 290 && took < 800, `failed after ${took} ms`);
        } finally {
          await proxy.close();
          await client.end().catch(() => {});
        }
      });

      for (const table of ['a.b.c', 'x"; DROP TABLE y; --', '', 'x'.repeat(64)]) {
        test(`refuses the table name ${JSON.stringify(table)}`, () => {
          assert.throws(() => postgresStore({ pool: pool() }, { table }), TypeError);
        });
      }
    });

    describe('faults', () => {
      test('a server that is not there gives StoreUnavailable with the driver’s error, and HTTP 503', async () => {
        const sessions = createSessions({
          secretKey: SECRET,
          engine: postgresStore(
            { url: 'postgres://postgres@127.0.0.1:1/test' },
            { table: nextTable() },
          ),
          logger: capturingLogger(),
        });
        const cookie = `sessionid=${generateSessionKey()}`;
        await assert.rejects(sessions.begin(cookie).session(), (error: unknown) => {
          assert.ok(error instanceof StoreUnavailable, String(error));
          assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
          return true;
        });
        const server = createServer(
          withSessions(sessions, async (_request, response, ctx) => {
            await ctx.session();
            response.end('ok');
          }),
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
          assert.equal(response.status, 503);
          assert.equal(await response.text(), 'Service Unavailable');
        } finally {
          server.close();
          await sessions.close();
        }
      });

      for (const [label, own] of [
        ['its own pool', true],
        ['the application’s pool', false],
      ] as const) {
        test(`a path that goes silent (${label}): every request ends within timeout as a 503, and requests work within a second of it healing`, async () => {
          const proxy = await startTcpProxy(Number(new URL(POSTGRES_URL).port || 5432));
          const url = new URL(POSTGRES_URL);
          url.host = `127.0.0.1:${proxy.port}`;
          // An application's pool as pg's README makes it: no timeouts of its own.
          const appPool = own ? undefined : new pg.Pool({ connectionString: url.href, max: 10 });
          appPool?.on('error', () => {});
          const timeout = 1000;
          const sessions = createSessions({
            secretKey: SECRET,
            engine: postgresStore(appPool === undefined ? { url: url.href } : { pool: appPool }, {
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
            await appPool?.end();
          }
        });
      }

      test('a server that goes down gives StoreUnavailable, and requests work within a second of its return', async () => {
        const proxy = await startTcpProxy(
          new URL(POSTGRES_URL).port === '' ? 5432 : Number(new URL(POSTGRES_URL).port),
        );
        const url = new URL(POSTGRES_URL);
        url.host = `127.0.0.1:${proxy.port}`;
        const table = nextTable();
        const logger = capturingLogger();
        const sessions = createSessions({
          secretKey: SECRET,
          engine: postgresStore({ url: url.href }, { table, autoMigrate: true }),
          logger,
        });
        try {
          const browser = new Browser(sessions);
          await browser.session((session) => session.set('visits', 1));
          assert.deepEqual(await browser.data(), { visits: 1 });

          proxy.cut();
          for (const attempt of [
            () => browser.data(),
            () => browser.session((session) => session.set('visits', 2)),
            () => new Browser(sessions).session((session) => session.set('new', true)),
          ]) {
            await assert.rejects(attempt(), (error: unknown) => {
              assert.ok(error instanceof StoreUnavailable, String(error));
              assert.ok(error.cause instanceof Error, 'the driver’s error is the cause');
              return true;
            });
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
});

/** `schema.table` as SQL. */
function quoted(table: string): string {
  return table
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}
