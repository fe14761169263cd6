/**
 * Database sessions shared with the real Django 3.2 (`SESSION_ENGINE = db`, `USE_TZ = True`,
 * the same SECRET_KEY), pointed at the same SQLite file and then at the same PostgreSQL
 * schema as coatcheck's SQL stores: sessions created, changed and flushed by either side are
 * seen by the other, either side's clearsessions removes the other's expired rows, and the
 * table one side made is the table the other uses.
 *
 * Each Django step is its own peer run (a request through SessionMiddleware, a SessionStore
 * call, `migrate`, `clearsessions`); neither clock is pinned. Django runs its own migration
 * first, as a Django project would, and coatcheck uses the table it made.
 *
 * Django 3.2 defaults to USE_TZ = False, which stores expire_date in local time; the peer sets
 * USE_TZ = True, as every project started with `startproject` does, so both sides write UTC.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { mysqlStore } from '../../src/stores/sql/mysql.ts';
import { postgresStore } from '../../src/stores/sql/postgres.ts';
import type { SqlSessionStore } from '../../src/stores/sql/sql-store.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import {
  MYSQL_URL,
  POSTGRES_URL,
  postgresSchema,
  skipWithoutMysql,
  skipWithoutPostgres,
  uniqueName,
} from '../helpers/databases.ts';
import { Browser, capturingLogger, openedStore, sentCookie } from '../stores/contract.ts';
import {
  type Action,
  checkChangesCrossBothWays,
  checkFlushSeenByDjango,
  checkOpenedSessionsCross,
  checkUntouchedValuesRoundTrip,
  DjangoSide,
  SAMPLE,
  TWO_WEEKS,
} from './django-side.ts';
import { SECRET_KEY, skipWithoutDjango } from './helpers.ts';

/** Django with the db engine on the database at `url`, in UTC as coatcheck writes dates. */
function djangoOn(url: string): DjangoSide {
  return new DjangoSide({
    USE_TZ: true,
    SESSION_ENGINE: 'django.contrib.sessions.backends.db',
    DATABASE_URL: url,
  });
}

/** One database both sides share: Django's URL for it and a coatcheck store on its table. */
interface SharedDatabase {
  django: DjangoSide;
  sessions: Sessions;
  store: () => Promise<SqlSessionStore>;
  /** Every row's expire_date as the database holds it (text on SQLite, ISO 8601 on PostgreSQL). */
  rawDates: () => Promise<Map<string, string>>;
}

/** The exchanges every database runs, both ways. */
function describeSharedDatabase(shared: () => SharedDatabase): void {
  const browser = () => new Browser(shared().sessions);

  test('a session Django created loads in coatcheck with the same data and expiry', async () => {
    const { django, store } = shared();
    const b = browser();
    django.visit(b, [{ do: 'update', values: SAMPLE }]);
    const key = b.cookie ?? '';
    assert.match(key, /^[a-z0-9]{32}$/);
    const loaded = await (await store()).load(key);
    assert.deepEqual(loaded?.data, SAMPLE);
    const expected = Date.now() + TWO_WEEKS * 1000;
    assert.ok(Math.abs((loaded?.expiresAt.getTime() ?? 0) - expected) < 60_000);
    const visit = await b.session((session) => ({
      key: session.sessionKey,
      data: session.toJSON(),
    }));
    assert.deepEqual(visit.value, { key, data: SAMPLE });
  });

  test('a session coatcheck created loads in Django with the same data and expiry', async () => {
    const { django } = shared();
    const b = browser();
    await b.session((session) => session.update(SAMPLE));
    const key = b.cookie ?? '';
    assert.deepEqual(django.call('session.load', { key }), {
      data: SAMPLE,
      session_key: key,
      exists: true,
    });
    const expires = Date.parse(String(django.call('db.expire_date', { key })));
    assert.ok(Math.abs(expires - (Date.now() + TWO_WEEKS * 1000)) < 60_000);
    assert.deepEqual(django.visit(b).data, SAMPLE);
  });

  test('both sides write expire_date in the same form', async () => {
    const { django, rawDates } = shared();
    const fromDjango = browser();
    django.visit(fromDjango, [{ do: 'set', key: 'by', value: 'django' }]);
    const fromCoatcheck = browser();
    await fromCoatcheck.session((session) => session.set('by', 'coatcheck'));
    const dates = await rawDates();
    const [theirs, ours] = [
      dates.get(fromDjango.cookie ?? ''),
      dates.get(fromCoatcheck.cookie ?? ''),
    ];
    assert.ok(theirs !== undefined && ours !== undefined);
    // UTC, to the second, then microseconds when there are any (Python's str(datetime)).
    const form = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{6})?$/;
    assert.match(theirs, form);
    assert.match(ours, form);
    const shape = (text: string) => text.replace(/\.\d+$/, '').replace(/\d/g, '9');
    assert.equal(shape(ours), shape(theirs), `${ours} vs Django's ${theirs}`);
  });

  test('a session opened by key outside a request crosses to Django and back (sessions.open)', async () => {
    await checkOpenedSessionsCross(shared().django, shared().sessions);
  });

  test('values coatcheck left alone reach Django exactly as Django wrote them (big ints, 1.0, key order)', async () => {
    await checkUntouchedValuesRoundTrip(shared().django, browser());
  });

  test('modifications cross both ways under the same key', async () => {
    await checkChangesCrossBothWays(shared().django, browser());
  });

  test('a Django flush: coatcheck finds no session, and its cookie is deleted', async () => {
    const { django, store } = shared();
    const b = browser();
    await b.session((session) => session.set('user', 1));
    const key = b.cookie ?? '';
    const visit = django.visit(b, [{ do: 'flush' }]);
    assert.equal(sentCookie([visit.set_cookie ?? ''], 'sessionid')?.expired, true);
    const opened = await store();
    assert.equal(await opened.load(key), null);
    assert.equal(await opened.exists(key), false);
    const replay = await new Browser(b.sessions, key).session((session) => session.sessionKey);
    assert.equal(replay.value, null);
    assert.equal(replay.sent?.expired, true);
  });

  test('a coatcheck flush: Django finds no session', async () => {
    const visit = await checkFlushSeenByDjango(shared().django, browser());
    assert.equal(visit.sent?.expired, true);
  });

  test('Django’s clearsessions removes coatcheck’s expired rows, and only those', async () => {
    const { django, store } = shared();
    const save = async (expiry: number | null) => {
      const visit = await browser().session((session) => {
        session.set('foo', 'bar');
        if (expiry !== null) session.setExpiry(expiry);
      });
      return visit.sent?.value ?? '';
    };
    const live = await save(3600);
    const expired = await save(-3600);
    const lasting = await save(null);
    const opened = await store();
    assert.equal(await opened.exists(expired), true, 'an expired row stays until swept');
    django.call('clearsessions');
    assert.equal(await opened.exists(expired), false);
    assert.equal(await opened.exists(live), true);
    assert.equal(await opened.exists(lasting), true);
    assert.equal((await opened.count()).expired, 0);
  });

  test('coatcheck’s clearExpired removes Django’s expired rows, and only those', async () => {
    const { django, sessions, store } = shared();
    const save = (actions: Action[]) =>
      django.visit(browser(), [{ do: 'set', key: 'foo', value: 'bar' }, ...actions]).session_key ??
      '';
    const live = save([{ do: 'set_expiry', value: 3600 }]);
    const expired = save([{ do: 'set_expiry', value: -3600 }]);
    assert.equal(django.call('session.exists', { key: expired }), true);
    assert.equal(await sessions.clearExpired(), 1);
    assert.equal(django.call('session.exists', { key: expired }), false);
    assert.equal(django.call('session.exists', { key: live }), true);
    assert.equal(await (await store()).exists(live), true);
  });

  test('an int expiry set by one side is the other’s expire_date', async () => {
    const { django, store } = shared();
    const b = browser();
    django.visit(b, [
      { do: 'set', key: 'x', value: 1 },
      { do: 'set_expiry', value: 300 },
    ]);
    const key = b.cookie ?? '';
    const row = await (await store()).inspect(key);
    assert.ok(row !== null && Math.abs(row.expiresAt.getTime() - (Date.now() + 300_000)) < 60_000);
    await b.session((session) => session.setExpiry(600));
    const expires = Date.parse(String(django.call('db.expire_date', { key })));
    assert.ok(Math.abs(expires - (Date.now() + 600_000)) < 60_000);
    assert.equal(django.call('session.get_expiry_age', { key }), 600);
  });
}

const logger = capturingLogger();

describe('database sessions (wire, Django 3.2)', { skip: skipWithoutDjango }, () => {
  describe('SQLite: one file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-wire-sqlite-'));
    after(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'db.sqlite3');
    const django = djangoOn(`sqlite:///${path}`);
    let sessions: Sessions;
    let ddlBefore: string[] = [];
    const schema = () => {
      const db = new DatabaseSync(path);
      try {
        return db
          .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'django_session' ORDER BY name")
          .all()
          .map((row) => String(row.sql));
      } finally {
        db.close();
      }
    };

    before(() => {
      // Django makes the table, as `manage.py migrate` does in a Django project.
      assert.deepEqual(django.call('db.migrate'), ['django_migrations', 'django_session']);
      ddlBefore = schema();
      sessions = createSessions({ secretKey: SECRET_KEY, engine: sqliteStore({ path }), logger });
    });
    after(() => sessions?.close());

    describeSharedDatabase(() => ({
      django,
      sessions,
      store: () => openedStore(sessions) as Promise<SqlSessionStore>,
      async rawDates() {
        const db = new DatabaseSync(path);
        try {
          const rows = db.prepare('SELECT session_key, expire_date FROM django_session').all();
          return new Map(rows.map((row) => [String(row.session_key), String(row.expire_date)]));
        } finally {
          db.close();
        }
      },
    }));

    test('the table Django migrated is used as it is', async () => {
      const store = (await openedStore(sessions)) as SqlSessionStore;
      assert.deepEqual(await store.migrate(), { created: false, table: 'django_session' });
      assert.deepEqual(schema(), ddlBefore);
    });

    test('a table coatcheck made is one Django’s migrate --fake-initial takes as its own', async () => {
      const other = join(directory, 'coatcheck-first.sqlite3');
      const store = sqliteStore({ path: other });
      assert.deepEqual(await store.migrate(), { created: false, table: 'django_session' });
      await store.close();
      const djangoThere = djangoOn(`sqlite:///${other}`);
      assert.deepEqual(djangoThere.call('db.migrate', { fake_initial: true }), [
        'django_migrations',
        'django_session',
      ]);
      const b = new Browser(
        createSessions({ secretKey: SECRET_KEY, engine: sqliteStore({ path: other }), logger }),
      );
      djangoThere.visit(b, [{ do: 'set', key: 'shared', value: true }]);
      assert.deepEqual(await b.data(), { shared: true });
    });
  });

  describe('PostgreSQL: one schema', { skip: skipWithoutPostgres }, () => {
    let place: Awaited<ReturnType<typeof postgresSchema>> | undefined;
    let django: DjangoSide;
    let sessions: Sessions;
    const schemaPool = () => {
      if (place === undefined) throw new Error('no schema: PostgreSQL is unreachable');
      return place.pool;
    };

    before(async () => {
      place = await postgresSchema('coatcheck_wire');
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('search_path', place.schema);
      django = djangoOn(url.href);
      assert.deepEqual(django.call('db.migrate'), ['django_migrations', 'django_session']);
      sessions = createSessions({
        secretKey: SECRET_KEY,
        engine: postgresStore({ pool: place.pool }, { table: `${place.schema}.django_session` }),
        logger,
      });
    });
    after(async () => {
      await sessions?.close();
      await place?.drop();
    });

    describeSharedDatabase(() => ({
      django,
      sessions,
      store: () => openedStore(sessions) as Promise<SqlSessionStore>,
      async rawDates() {
        const { rows } = await schemaPool().query(
          `SELECT session_key, to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS expire_date
             FROM "${place?.schema}".django_session`,
        );
        return new Map(rows.map((row) => [String(row.session_key), String(row.expire_date)]));
      },
    }));

    test('the table Django migrated is used as it is (autoMigrate finds it)', async () => {
      const store = postgresStore(
        { pool: schemaPool() },
        { table: `${place?.schema}.django_session`, autoMigrate: true },
      );
      assert.deepEqual(await store.migrate(), {
        created: false,
        table: `${place?.schema}.django_session`,
      });
    });

    test('a table coatcheck made is one Django’s migrate --fake-initial takes as its own', async () => {
      const schema = uniqueName('coatcheck_wire_first');
      await place?.pool.query(`CREATE SCHEMA "${schema}"`);
      try {
        const store = postgresStore({ pool: schemaPool() }, { table: `${schema}.django_session` });
        assert.deepEqual(await store.migrate(), {
          created: true,
          table: `${schema}.django_session`,
        });
        const url = new URL(POSTGRES_URL);
        url.searchParams.set('search_path', schema);
        const djangoThere = djangoOn(url.href);
        assert.deepEqual(djangoThere.call('db.migrate', { fake_initial: true }), [
          'django_migrations',
          'django_session',
        ]);
        const b = new Browser(createSessions({ secretKey: SECRET_KEY, engine: store, logger }));
        djangoThere.visit(b, [{ do: 'set', key: 'shared', value: true }]);
        assert.deepEqual(await b.data(), { shared: true });
      } finally {
        await place?.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
    });
  });

  describe('MariaDB: one database', { skip: skipWithoutMysql }, () => {
    const database = uniqueName('coatcheck_wire');
    const url = new URL(MYSQL_URL);
    url.pathname = `/${database}`;
    const admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
    let django: DjangoSide;
    let sessions: Sessions;

    before(async () => {
      await admin.query(`CREATE DATABASE \`${database}\``);
      django = djangoOn(url.href);
      assert.deepEqual(django.call('db.migrate'), ['django_migrations', 'django_session']);
      sessions = createSessions({
        secretKey: SECRET_KEY,
        engine: mysqlStore({ url: url.href }),
        logger,
      });
    });
    after(async () => {
      await sessions?.close();
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    });

    describeSharedDatabase(() => ({
      django,
      sessions,
      store: () => openedStore(sessions) as Promise<SqlSessionStore>,
      async rawDates() {
        const [rows] = await admin.query(
          `SELECT session_key, DATE_FORMAT(expire_date, '%Y-%m-%dT%H:%i:%s.%f') AS expire_date
             FROM \`${database}\`.django_session`,
        );
        return new Map(
          (rows as Record<string, unknown>[]).map((row) => [
            String(row.session_key),
            String(row.expire_date),
          ]),
        );
      },
    }));

    test('the table Django migrated is used as it is (autoMigrate finds it)', async () => {
      const store = (await openedStore(sessions)) as SqlSessionStore;
      assert.deepEqual(await store.migrate(), { created: false, table: 'django_session' });
    });
  });
});
