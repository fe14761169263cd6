/**
 * The SQLite store (`node:sqlite`), on a file and in memory: the shared contract, Django's
 * session tests, 50 concurrent writers, then what is SQLite's own: Django's table and
 * `expire_date` text byte for byte (the recorded `db_backend` vectors), a table Django made
 * used as it is, the embedded default, WAL and the busy timeout, the batched sweep, and a
 * writer killed mid-save.
 *
 * Expired rows still exist until `clearExpired` removes them, as in Django's db engine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { withSessions } from '../../src/adapters/node.ts';
import { CreateError, ImproperlyConfigured, StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import { type SqlSessionStore, sqliteStore } from '../../src/stores/sql/sqlite.ts';
import { SECRET_KEY as VECTOR_SECRET_KEY, vectors } from '../helpers/vectors.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  atTimeAsync,
  Browser,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  expiredRecord,
  recordOf,
  SECRET,
  storeContext,
} from './contract.ts';

const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function tempDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'coatcheck-sqlite-'));
  directories.push(directory);
  return directory;
}

const tempPath = (name = 'sessions.sqlite3') => join(tempDirectory(), name);

describeStoreContract('sqlite (file)', () => sqliteStore({ path: tempPath() }), {
  expiredRecordsExist: true,
});
describeSessionContract('sqlite (file)', () => sqliteStore({ path: tempPath() }), {
  serverSide: true,
});
describe('sqlite (file) store under concurrent writers', () =>
  describeConcurrentWriters(() => sqliteStore({ path: tempPath() }), 50));

describeStoreContract('sqlite (:memory:)', () => sqliteStore({ path: ':memory:' }), {
  expiredRecordsExist: true,
});
describeSessionContract('sqlite (:memory:)', () => sqliteStore({ path: ':memory:' }), {
  serverSide: true,
});
describe('sqlite (:memory:) store under concurrent writers', () =>
  describeConcurrentWriters(() => sqliteStore({ path: ':memory:' }), 50));

const db = vectors.db_backend;
/** The recorded clock: 2023-11-14T22:13:20Z. */
const T = 1_700_000_000;

/** A store opened as the lifecycle would open it, on a new file. */
async function openStore(
  options: { path?: string; table?: string; secretKey?: string; busyTimeout?: number } = {},
): Promise<{ store: SqlSessionStore; path: string }> {
  const path = options.path ?? tempPath();
  const store = sqliteStore({
    path,
    table: options.table,
    busyTimeout: options.busyTimeout,
  });
  await store.open?.(storeContext(options.secretKey ? { secretKey: options.secretKey } : {}));
  return { store, path };
}

/** A second connection to the file, for looking at what the store wrote. */
function raw(path: string): DatabaseSync {
  return new DatabaseSync(path);
}

function schemaOf(path: string): string[] {
  const connection = raw(path);
  try {
    return connection
      .prepare('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name')
      .all()
      .map((row) => String(row.sql));
  } finally {
    connection.close();
  }
}

function rowsOf(path: string, table = 'django_session'): unknown[][] {
  const connection = raw(path);
  try {
    return connection
      .prepare(`SELECT session_key, session_data, expire_date FROM "${table}" ORDER BY session_key`)
      .all()
      .map((row) => [row.session_key, row.session_data, row.expire_date]);
  } finally {
    connection.close();
  }
}

describe('sqliteStore', () => {
  describe('Django’s table', () => {
    test('is created on first use with Django’s DDL, byte for byte (vector db_backend.sqlite_ddl)', async () => {
      const { store, path } = await openStore();
      await store.exists(generateSessionKey());
      assert.deepEqual(schemaOf(path), db.sqlite_ddl);
    });

    test('a custom table gets Django’s index name for it', async () => {
      const { store, path } = await openStore({ table: 'my_sessions' });
      await store.create(generateSessionKey(), recordOf({ a: 1 }));
      // Django 3.2's schema editor names it my_sessions_expire_date_8a6b8a8d.
      assert.deepEqual(schemaOf(path), [
        'CREATE TABLE "my_sessions" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)',
        'CREATE INDEX "my_sessions_expire_date_8a6b8a8d" ON "my_sessions" ("expire_date")',
      ]);
    });

    test('made by Django is used as it is: no statement changes it, and its rows load', async () => {
      const path = tempPath();
      const django = raw(path);
      for (const statement of db.sqlite_ddl) django.exec(statement);
      django.exec('CREATE INDEX "an_index_of_its_own" ON "django_session" ("session_data")');
      const [key, data, date] = db.raw_rows[0];
      django.prepare('INSERT INTO django_session VALUES (?, ?, ?)').run(key, data, date);
      const before = schemaOf(path);
      django.close();
      const { store } = await openStore({ path, secretKey: VECTOR_SECRET_KEY });
      assert.deepEqual(await store.migrate(), { created: false, table: 'django_session' });
      await atTimeAsync(T, async () => {
        assert.deepEqual((await store.load(key))?.data, db.load_fresh);
      });
      assert.deepEqual(schemaOf(path), before);
    });

    test('migrate() creates a missing table once and then reports it exists', async () => {
      const store = sqliteStore({ path: tempPath(), autoMigrate: false });
      assert.deepEqual(await store.migrate(), { created: true, table: 'django_session' });
      assert.deepEqual(await store.migrate(), { created: false, table: 'django_session' });
    });

    test('with autoMigrate: false a missing table refuses to open, naming coatcheck migrate', async () => {
      const store = sqliteStore({ path: tempPath(), autoMigrate: false });
      await assert.rejects(Promise.resolve(store.open?.(storeContext())), (error: unknown) => {
        assert.ok(error instanceof ImproperlyConfigured);
        assert.match(error.message, /django_session does not exist/);
        assert.match(error.message, /coatcheck migrate/);
        assert.match(error.message, /autoMigrate: true/);
        return true;
      });
    });

    test('a table dropped while running gives the same advice, not a 503', async () => {
      const { store, path } = await openStore();
      await store.create(generateSessionKey(), recordOf({ a: 1 }));
      const other = raw(path);
      other.exec('DROP TABLE django_session');
      other.close();
      await assert.rejects(async () => store.load(generateSessionKey()), /coatcheck migrate/);
    });
  });

  describe('expire_date (django-spec §5.1)', () => {
    test('a saved row is Django’s row, byte for byte (vector db_backend.raw_rows)', async () => {
      const { store, path } = await openStore({ secretKey: VECTOR_SECRET_KEY });
      await atTimeAsync(T, async () => {
        for (const [rows, data] of [
          [db.raw_rows, { cart: ['apple', 'pear'] }],
          [db.raw_row_with_microseconds, { micro: true }],
        ] as const) {
          const [key, , date] = rows[0];
          const expiresAt = new Date(`${String(date).replace(' ', 'T')}Z`);
          await store.create(key, { data, expiresAt });
        }
      });
      assert.deepEqual(rowsOf(path), [db.raw_rows[0], db.raw_row_with_microseconds[0]]);
    });

    test('is UTC text with microseconds only when they are not zero', async () => {
      const { store, path } = await openStore();
      const [a, b] = ['a'.repeat(32), 'b'.repeat(32)];
      await store.create(a, { data: {}, expiresAt: new Date('2030-01-02T03:04:05.000Z') });
      await store.create(b, { data: {}, expiresAt: new Date('2030-01-02T03:04:05.007Z') });
      assert.deepEqual(
        rowsOf(path).map((row) => row[2]),
        ['2030-01-02 03:04:05', '2030-01-02 03:04:05.007000'],
      );
    });

    test('rows Django wrote load, expired ones do not but still exist, and the sweep takes only those (vectors)', async () => {
      const path = tempPath();
      const { store } = await openStore({ path, secretKey: VECTOR_SECRET_KEY });
      await store.exists(generateSessionKey()); // creates the table
      const django = raw(path);
      const insert = django.prepare('INSERT INTO django_session VALUES (?, ?, ?)');
      insert.run(...(db.raw_rows[0] as [string, string, string]));
      insert.run(...(db.raw_row_with_microseconds[0] as [string, string, string]));
      // Expired a second before the recorded clock.
      insert.run(db.expired_row_key, db.raw_rows[0][1], '2023-11-14 22:13:19');
      django.close();
      await atTimeAsync(T, async () => {
        assert.deepEqual((await store.load(db.raw_rows[0][0]))?.data, db.load_fresh);
        assert.equal(await store.load(db.expired_row_key), null);
        assert.equal(await store.exists(db.expired_row_key), true);
        assert.equal(await store.exists('k0000000000000000000000000000003'), false);
        assert.equal((await store.count()).total, db.rows_before_clearsessions);
        assert.equal(await store.clearExpired(), 1);
      });
      assert.equal(rowsOf(path).length, db.rows_after_clearsessions);
    });

    test('compares as text down to the microsecond: a row expiring exactly now neither loads nor is swept', async () => {
      const { store, path } = await openStore();
      const key = generateSessionKey();
      await store.create(key, { data: { a: 1 }, expiresAt: new Date('2030-01-01T00:00:00.250Z') });
      const at = (iso: string) => Date.parse(iso) / 1000;
      assert.ok(await atTimeAsync(at('2030-01-01T00:00:00.249Z'), async () => store.load(key)));
      assert.equal(
        await atTimeAsync(at('2030-01-01T00:00:00.250Z'), async () => store.load(key)),
        null,
      );
      assert.equal(
        await atTimeAsync(at('2030-01-01T00:00:00.250Z'), () => store.clearExpired()),
        0,
      );
      assert.equal(
        await atTimeAsync(at('2030-01-01T00:00:00.251Z'), () => store.clearExpired()),
        1,
      );
      assert.deepEqual(rowsOf(path), []);
    });

    test('reads back the expiry Django wrote, microseconds cut to milliseconds', async () => {
      const { store, path } = await openStore({ secretKey: VECTOR_SECRET_KEY });
      await store.exists(generateSessionKey());
      const django = raw(path);
      django
        .prepare('INSERT INTO django_session VALUES (?, ?, ?)')
        .run(...(db.raw_row_with_microseconds[0] as [string, string, string]));
      django.close();
      const [key] = db.raw_row_with_microseconds[0];
      const loaded = await atTimeAsync(T, async () => store.load(key));
      assert.equal(loaded?.expiresAt.toISOString(), '2023-11-28T22:13:20.250Z');
      assert.deepEqual(loaded?.data, { micro: true });
      const row = await store.inspect(key);
      assert.equal(row?.expiresAt.toISOString(), '2023-11-28T22:13:20.250Z');
      assert.equal(row?.expired, true, 'the recorded expiry is in the past of the real clock');
    });
  });

  describe('the embedded default', () => {
    test('createSessions without an engine keeps sessions in .coatcheck/sessions.sqlite3 under the working directory, made on first use', async () => {
      const directory = tempDirectory();
      const cwd = process.cwd();
      process.chdir(directory);
      let sessions: ReturnType<typeof createSessions>;
      try {
        sessions = createSessions({ secretKey: SECRET, logger: capturingLogger() });
      } finally {
        process.chdir(cwd);
      }
      const file = join(directory, '.coatcheck', 'sessions.sqlite3');
      assert.equal(existsSync(file), false, 'nothing is created before a session is used');
      const browser = new Browser(sessions);
      await browser.session((session) => session.set('visits', 1));
      assert.ok(existsSync(file));
      assert.deepEqual(schemaOf(file), db.sqlite_ddl);
      assert.deepEqual(await browser.data(), { visits: 1 });
      await sessions.close();
    });

    test('creates missing parent directories', async () => {
      const path = join(tempDirectory(), 'a', 'b', 'c', 'sessions.sqlite3');
      const { store } = await openStore({ path });
      await store.create(generateSessionKey(), recordOf({ a: 1 }));
      assert.ok(existsSync(path));
    });

    test('runs in WAL mode with synchronous NORMAL', async () => {
      const { store, path } = await openStore();
      await store.create(generateSessionKey(), recordOf({ a: 1 }));
      const other = raw(path);
      assert.equal(other.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
      other.close();
    });

    test('two :memory: stores are two databases', async () => {
      const [a, b] = [
        (await openStore({ path: ':memory:' })).store,
        (await openStore({ path: ':memory:' })).store,
      ];
      const key = generateSessionKey();
      await a.create(key, recordOf({ in: 'a' }));
      assert.equal(await b.exists(key), false);
    });

    test('prepares each statement once and reuses it', async () => {
      const { store } = await openStore();
      const prepare = DatabaseSync.prototype.prepare;
      let prepared = 0;
      DatabaseSync.prototype.prepare = function (this: DatabaseSync, sql: string) {
        prepared++;
        return prepare.call(this, sql);
      };
      try {
        const key = generateSessionKey();
        await store.create(key, recordOf({ n: 0 }));
        const afterFirst = prepared;
        for (let n = 1; n <= 20; n++) {
          const loaded = await store.load(key);
          await store.compareAndSave?.(key, recordOf({ n }), loaded?.version ?? '');
        }
        // The first load and compare-and-save prepare theirs; nothing after that.
        assert.ok(
          prepared - afterFirst <= 2,
          `${prepared - afterFirst} prepares for 40 statements`,
        );
      } finally {
        DatabaseSync.prototype.prepare = prepare;
      }
    });
  });

  describe('file permissions (other local users read nothing)', () => {
    /** The permission bits of a path, as octal text (`'600'`). */
    const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

    /** Runs `fn` under a umask of 022, the usual one, which leaves files world-readable. */
    async function underUmask<T>(fn: () => Promise<T>): Promise<T> {
      const previous = process.umask(0o022);
      try {
        return await fn();
      } finally {
        process.umask(previous);
      }
    }

    test('the embedded default makes .coatcheck/ 0700 and the database, -wal and -shm 0600', async () => {
      const directory = tempDirectory();
      await underUmask(async () => {
        const cwd = process.cwd();
        process.chdir(directory);
        let sessions: ReturnType<typeof createSessions>;
        try {
          sessions = createSessions({ secretKey: SECRET, logger: capturingLogger() });
        } finally {
          process.chdir(cwd);
        }
        try {
          await new Browser(sessions).session((session) => session.set('visits', 1));
          const file = join(directory, '.coatcheck', 'sessions.sqlite3');
          assert.equal(modeOf(join(directory, '.coatcheck')), '700');
          for (const path of [file, `${file}-wal`, `${file}-shm`]) {
            assert.equal(modeOf(path), '600', path);
          }
        } finally {
          await sessions.close();
        }
      });
    });

    test('a path the user gives: directories we make are 0700, one that exists keeps its mode, the files are 0600', async () => {
      const parent = tempDirectory();
      chmodSync(parent, 0o755);
      const path = join(parent, 'a', 'b', 'sessions.sqlite3');
      await underUmask(async () => {
        const { store } = await openStore({ path });
        try {
          await store.create(generateSessionKey(), recordOf({ a: 1 }));
          assert.equal(modeOf(parent), '755', 'a directory that existed is left alone');
          assert.equal(modeOf(join(parent, 'a')), '700');
          assert.equal(modeOf(join(parent, 'a', 'b')), '700');
          for (const file of [path, `${path}-wal`, `${path}-shm`]) {
            assert.equal(modeOf(file), '600', file);
          }
        } finally {
          await store.close();
        }
      });
    });

    test('an existing database another version left world-readable is made 0600, with its -wal and -shm', async () => {
      const directory = tempDirectory();
      const path = join(directory, 'sessions.sqlite3');
      await underUmask(async () => {
        const before = new DatabaseSync(path);
        before.exec('PRAGMA journal_mode = WAL');
        before.exec('CREATE TABLE t (x)');
        assert.equal(modeOf(path), '644');
        const { store } = await openStore({ path });
        try {
          await store.create(generateSessionKey(), recordOf({ a: 1 }));
          for (const file of [path, `${path}-wal`, `${path}-shm`]) {
            assert.equal(modeOf(file), '600', file);
          }
        } finally {
          await store.close();
          before.close();
        }
      });
    });

    test('fileMode widens the files for a group that shares them (a Django process, say)', async () => {
      const directory = tempDirectory();
      mkdirSync(join(directory, 'shared'), { mode: 0o770 });
      const path = join(directory, 'shared', 'sessions.sqlite3');
      writeFileSync(path, '');
      await underUmask(async () => {
        const store = sqliteStore({ path, fileMode: 0o660 });
        await store.open?.(storeContext());
        try {
          await store.create(generateSessionKey(), recordOf({ a: 1 }));
          for (const file of [path, `${path}-wal`, `${path}-shm`]) {
            assert.equal(modeOf(file), '660', file);
          }
        } finally {
          await store.close();
        }
      });
    });
  });

  describe('group commit', () => {
    test('writes asked for together commit in one transaction, and a taken key fails alone', async () => {
      const { store } = await openStore();
      const taken = generateSessionKey();
      await store.create(taken, recordOf({ first: true }));
      const exec = DatabaseSync.prototype.exec;
      const transactions: string[] = [];
      DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
        if (/^(BEGIN|COMMIT|ROLLBACK)/.test(sql)) transactions.push(sql);
        return exec.call(this, sql);
      };
      try {
        const keys = Array.from({ length: 31 }, () => generateSessionKey());
        const outcomes = await Promise.allSettled([
          ...keys.map((key, i) => store.create(key, recordOf({ i }))),
          store.create(taken, recordOf({ second: true })),
        ]);
        assert.deepEqual(transactions, ['BEGIN IMMEDIATE', 'COMMIT']);
        assert.ok(outcomes.slice(0, 31).every((outcome) => outcome.status === 'fulfilled'));
        const last = outcomes.at(-1);
        assert.ok(last?.status === 'rejected' && last.reason instanceof CreateError);
        for (const [i, key] of keys.entries())
          assert.deepEqual((await store.load(key))?.data, { i });
        assert.deepEqual((await store.load(taken))?.data, { first: true });
      } finally {
        DatabaseSync.prototype.exec = exec;
      }
    });

    test('a group that cannot commit fails every write in it, and nothing of it is kept', async () => {
      const { store, path } = await openStore({ busyTimeout: 20 });
      const keys = [generateSessionKey(), generateSessionKey()];
      await store.exists(keys[0] ?? ''); // opens the database and makes the table
      const other = raw(path);
      other.exec('BEGIN IMMEDIATE');
      try {
        const outcomes = await Promise.allSettled(
          keys.map((key) => store.create(key, recordOf({ a: 1 }))),
        );
        for (const outcome of outcomes) {
          assert.ok(outcome.status === 'rejected' && outcome.reason instanceof StoreUnavailable);
        }
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      for (const key of keys) assert.equal(await store.exists(key), false);
    });
  });

  describe('faults', () => {
    test('a write lock held past busyTimeout gives StoreUnavailable with SQLite’s error, then works once released', async () => {
      const { store, path } = await openStore({ busyTimeout: 50 });
      const key = generateSessionKey();
      await store.create(key, recordOf({ a: 1 }));
      const other = raw(path);
      other.exec('BEGIN IMMEDIATE');
      try {
        await assert.rejects(
          async () => store.save(key, recordOf({ a: 2 }), { mustExist: true }),
          (error: unknown) => {
            assert.ok(error instanceof StoreUnavailable, String(error));
            assert.match(String((error.cause as Error).message), /locked|busy/i);
            return true;
          },
        );
        // Readers never wait for the writer in WAL mode.
        assert.deepEqual((await store.load(key))?.data, { a: 1 });
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      await store.save(key, recordOf({ a: 3 }), { mustExist: true });
      assert.deepEqual((await store.load(key))?.data, { a: 3 });
    });

    test('another process holding the write lock never stalls the event loop: a save waits for it asynchronously, then lands', async () => {
      const { store, path } = await openStore(); // the default busyTimeout, 5 s
      const key = generateSessionKey();
      await store.create(key, recordOf({ a: 1 }));
      const holder = await holdWriteLock(path, 1500);
      const loop = watchEventLoop();
      try {
        const started = performance.now();
        await store.save(key, recordOf({ a: 2 }), { mustExist: true });
        const waited = performance.now() - started;
        assert.ok(waited > 1000, `the save waited for the lock (${Math.round(waited)} ms)`);
      } finally {
        loop.stop();
        await holder.exited;
      }
      assert.ok(loop.worst < 100, `the event loop stalled for ${Math.round(loop.worst)} ms`);
      assert.deepEqual((await store.load(key))?.data, { a: 2 });
    });

    test('while another process holds the write lock, a route that never touches a session answers at once, and a saving one answers once the lock goes', async () => {
      const path = tempPath();
      const sessions = createSessions({ secretKey: SECRET, engine: sqliteStore({ path }) });
      const server = createServer(
        withSessions(sessions, async (request, response, ctx) => {
          if (request.url === '/save') (await ctx.session()).set('saved', true);
          response.end('ok');
        }),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        assert.equal((await fetch(`${base}/save`)).status, 200); // the database and table exist
        const holder = await holdWriteLock(path, 1500);
        const started = performance.now();
        const saving = fetch(`${base}/save`);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the save is waiting now
        const plain = await fetch(`${base}/plain`);
        // Measured from the save's start: the client shares this thread, so a thread asleep in
        // SQLite would delay the request itself, not only its answer.
        const plainMs = performance.now() - started;
        assert.equal(plain.status, 200);
        assert.ok(plainMs < 400, `the untouched route answered ${Math.round(plainMs)} ms in`);
        const saved = await saving;
        const savedMs = performance.now() - started;
        assert.equal(saved.status, 200);
        assert.match(saved.headers.get('set-cookie') ?? '', /^sessionid=/);
        assert.ok(savedMs > 1000, `the save waited for the lock (${Math.round(savedMs)} ms)`);
        await holder.exited;
      } finally {
        server.close();
        await sessions.close();
      }
    });

    test('a lock held past busyTimeout fails the save with StoreUnavailable after busyTimeout, while reads and timers carry on', async () => {
      const { store, path } = await openStore({ busyTimeout: 400 });
      const key = generateSessionKey();
      await store.create(key, recordOf({ a: 1 }));
      const holder = await holdWriteLock(path, 1500);
      const loop = watchEventLoop();
      try {
        const started = performance.now();
        const saving = store.save(key, recordOf({ a: 2 }), { mustExist: true });
        // Readers never wait for the writer in WAL mode, even while a save waits.
        assert.deepEqual((await store.load(key))?.data, { a: 1 });
        await assert.rejects(
          async () => saving,
          (error: unknown) => {
            assert.ok(error instanceof StoreUnavailable, String(error));
            assert.match(String((error.cause as Error).message), /locked|busy/i);
            return true;
          },
        );
        const waited = performance.now() - started;
        assert.ok(waited >= 380 && waited < 900, `failed after ${Math.round(waited)} ms`);
      } finally {
        loop.stop();
        await holder.exited;
      }
      assert.ok(loop.worst < 100, `the event loop stalled for ${Math.round(loop.worst)} ms`);
      await store.save(key, recordOf({ a: 3 }), { mustExist: true });
      assert.deepEqual((await store.load(key))?.data, { a: 3 });
    });

    test('a closed store refuses with StoreUnavailable', async () => {
      const { store } = await openStore();
      await store.close();
      await assert.rejects(async () => store.load(generateSessionKey()), StoreUnavailable);
    });

    test('a writer killed with SIGKILL mid-save leaves no torn session', async () => {
      const { store, path } = await openStore();
      const key = generateSessionKey();
      await store.create(key, recordOf({ version: 'before' }));
      for (let attempt = 0; attempt < 3; attempt++) {
        await killWriterMidSave(path, key);
        const check = raw(path);
        assert.equal(check.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok');
        check.close();
        const loaded = await store.load(key);
        assert.ok(loaded !== null, 'the session was lost');
        if (loaded.data.version === 'before') continue;
        const { payload, digest } = loaded.data as { payload: string; digest: string };
        assert.equal(
          createHash('sha256').update(payload).digest('hex'),
          digest,
          'a torn save loaded',
        );
      }
    });
  });

  describe('clearExpired, count, inspect and rows', () => {
    test('sweeps in batches of batchSize, reporting progress after each, and keeps live rows', async () => {
      const { store } = await openStore();
      const connection = (await seed(store, { live: 10, expired: 2500 })).live;
      const progress: number[] = [];
      const deleted = await store.clearExpired({
        batchSize: 1000,
        onProgress: ({ deleted: soFar }) => progress.push(soFar),
      });
      assert.equal(deleted, 2500);
      assert.deepEqual(progress, [1000, 2000, 2500]);
      assert.deepEqual(await store.count(), {
        total: 10,
        expired: 0,
        dataLength: (await store.count()).dataLength,
      });
      for (const key of connection) assert.ok(await store.load(key));
    });

    test('stops between batches when its signal aborts', async () => {
      const { store } = await openStore();
      await seed(store, { live: 0, expired: 30 });
      const controller = new AbortController();
      await assert.rejects(
        store.clearExpired({
          batchSize: 10,
          signal: controller.signal,
          onProgress: () => controller.abort(new Error('enough')),
        }),
        /enough/,
      );
      assert.equal((await store.count()).total, 20);
    });

    test('refuses a batchSize that is not a positive integer', async () => {
      const { store } = await openStore();
      for (const batchSize of [0, -1, 1.5, Number.NaN]) {
        await assert.rejects(store.clearExpired({ batchSize }), TypeError);
      }
    });

    test('count reports rows, expired rows and data lengths', async () => {
      const { store } = await openStore();
      assert.deepEqual(await store.count(), { total: 0, expired: 0, dataLength: null });
      await seed(store, { live: 3, expired: 2 });
      const counts = await store.count();
      assert.equal(counts.total, 5);
      assert.equal(counts.expired, 2);
      assert.ok(counts.dataLength !== null && counts.dataLength.min > 0);
      assert.ok(counts.dataLength.min <= counts.dataLength.mean);
      assert.ok(counts.dataLength.mean <= counts.dataLength.max);
    });

    test('inspect returns the stored row, expired or not; rows walks every row across batches', async () => {
      const { store } = await openStore();
      const { live, expired } = await seed(store, { live: 7, expired: 5 });
      const row = await store.inspect(expired[0] ?? '');
      assert.ok(row !== null);
      assert.equal(row.expired, true);
      assert.equal(storeContext().djangoCodec.decode(row.sessionData).expired, 0);
      assert.equal(await store.inspect(generateSessionKey()), null);
      const seen: string[] = [];
      for await (const each of store.rows({ batchSize: 5 })) seen.push(each.key);
      assert.deepEqual(seen, [...live, ...expired].sort());
    });
  });

  describe('options', () => {
    for (const [label, options] of [
      ['no path', {}],
      ['an empty path', { path: '' }],
      ['a table with SQL in it', { path: ':memory:', table: 'x; DROP TABLE y' }],
      ['a qualified table', { path: ':memory:', table: 'main.sessions' }],
      ['a negative busyTimeout', { path: ':memory:', busyTimeout: -1 }],
      ['an unknown synchronous', { path: ':memory:', synchronous: 'OFF' }],
      ['a fileMode that is not a mode', { path: ':memory:', fileMode: 0o1000 }],
      ['a fileMode the owner cannot use', { path: ':memory:', fileMode: 0o044 }],
    ] as const) {
      test(`refuses ${label} with a TypeError naming the option`, () => {
        assert.throws(
          () => sqliteStore(options as never),
          (error: unknown) => error instanceof TypeError && /sqliteStore/.test(error.message),
        );
      });
    }
  });
});

/** Creates `live` live and `expired` expired sessions; returns their keys, sorted. */
async function seed(
  store: SqlSessionStore,
  counts: { live: number; expired: number },
): Promise<{ live: string[]; expired: string[] }> {
  const live = Array.from({ length: counts.live }, () => generateSessionKey()).sort();
  const expired = Array.from({ length: counts.expired }, () => generateSessionKey()).sort();
  for (const [i, key] of live.entries()) await store.create(key, recordOf({ live: i }));
  for (const [i, key] of expired.entries()) await store.create(key, expiredRecord({ expired: i }));
  return { live, expired };
}

/**
 * Starts a Python process that takes the database's write lock (`BEGIN IMMEDIATE`), holds it
 * for `ms` and lets go; resolves once the lock is held.
 */
async function holdWriteLock(path: string, ms: number): Promise<{ exited: Promise<void> }> {
  const code = [
    'import sqlite3, sys, time',
    'db = sqlite3.connect(sys.argv[1], isolation_level=None)',
    "db.execute('BEGIN IMMEDIATE')",
    "print('locked', flush=True)",
    'time.sleep(float(sys.argv[2]) / 1000)',
    "db.execute('ROLLBACK')",
  ].join('\n');
  const child = spawn('/usr/bin/python3', ['-c', code, path, String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (exitCode) =>
      exitCode === 0 ? resolve() : reject(new Error(`the lock holder exited with ${exitCode}`)),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    exited.catch(reject);
  });
  return { exited };
}

/** Measures the longest gap between ticks of a 10 ms timer: how long the event loop stalled. */
function watchEventLoop(): { readonly worst: number; stop(): void } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  return {
    get worst() {
      return worst;
    },
    stop() {
      clearInterval(timer);
      worst = Math.max(worst, performance.now() - last);
    },
  };
}

const SQLITE_STORE = new URL('../../src/stores/sql/sqlite.ts', import.meta.url).href;
const ENCODING = new URL('../../src/session/encoding.ts', import.meta.url).href;

/**
 * Runs a child Node process that saves a large session under `key` over and over (each save
 * a different payload with its digest) and SIGKILLs it once it has been saving for a while.
 */
async function killWriterMidSave(path: string, key: string): Promise<void> {
  const code = `
    import { createHash, randomBytes } from 'node:crypto';
    import { sqliteStore } from ${JSON.stringify(SQLITE_STORE)};
    import { djangoSessionCodec } from ${JSON.stringify(ENCODING)};
    const [path, key, secret] = process.argv.slice(1);
    const logger = { warn() {}, error() {} };
    const store = sqliteStore({ path });
    await store.open({
      djangoCodec: djangoSessionCodec({ secretKey: secret, logger }),
      cookieName: 'sessionid',
      policy: { cookieAge: 1209600, expireAtBrowserClose: false },
      logger,
    });
    for (let saves = 1; ; saves++) {
      const payload = randomBytes(1_500_000).toString('base64');
      const digest = createHash('sha256').update(payload).digest('hex');
      const record = { data: { version: saves, payload, digest }, expiresAt: new Date(Date.now() + 1e9) };
      await store.save(key, record, { mustExist: true });
      if (saves === 3) process.stdout.write('saving\\n');
    }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, path, key, SECRET], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve());
    child.on('exit', (exitCode) => reject(new Error(`the writer exited early (${exitCode})`)));
  });
  await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}
