/**
 * The examples of examples/ (and the README) run as written: they import `coatcheck` by its
 * package name, so this exercises the built package (`npm test` builds before it tests).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Express } from 'express';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { postgresStore } from '../../src/stores/sql/postgres.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { Browser } from '../helpers/browser.ts';
import {
  assertReachable,
  MYSQL_URL,
  mysqlTables,
  POSTGRES_URL,
  postgresSchema,
  skipWithoutMysql,
  skipWithoutPostgres,
  uniqueName,
} from '../helpers/databases.ts';
import { listen } from '../helpers/fetch-server.ts';
import { memcachedStats, skipWithoutMemcached, startMemcached } from '../helpers/memcached.ts';
import {
  connectClient,
  deleteKeys,
  REDIS_URL,
  skipWithoutRedis,
} from '../helpers/redis-servers.ts';

describe('examples/node-memory.ts', () => {
  test('counts visits per browser', async () => {
    const { server, sessions } = await import('../../examples/node-memory.ts');
    const served = await listen(server);
    after(async () => {
      await served.close();
      await sessions.close();
    });
    const browser = new Browser(served.url);
    assert.equal((await browser.get('/')).body, 'You have been here 1 time.\n');
    assert.equal((await browser.get('/')).body, 'You have been here 2 times.\n');
    assert.equal((await new Browser(served.url).get('/')).body, 'You have been here 1 time.\n');
  });
});

describe('examples/express-file.ts', () => {
  test('logs in, shows the secret page, logs out', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-example-'));
    process.env.SESSION_FILE_PATH = directory;
    const { app } = await import('../../examples/express-file.ts');
    const served = await listen(createServer(app));
    after(async () => {
      await served.close();
      rmSync(directory, { recursive: true, force: true });
    });
    const browser = new Browser(served.url);
    assert.equal((await browser.get('/secret')).headers.get('location'), '/login');
    const login = await browser.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=alice',
    });
    assert.equal(login.status, 302);
    assert.equal((await browser.get('/secret')).body, 'Hello, alice.');
    await browser.post('/logout');
    assert.equal(browser.cookies.size, 0);
    assert.equal((await browser.get('/secret')).status, 302);
  });
});

describe('examples/express-passport.ts', () => {
  test('Passport logs in by form, flashes a failure once, guards a page and logs out', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-example-'));
    process.env.SESSION_DB = join(directory, 'sessions.sqlite3');
    // Through a variable, so this program's tsc does not compile the example: it is typed with
    // express-session's req.session, in test/types/express-session/'s program.
    const example = '../../examples/express-passport.ts';
    const { app, sessions } = (await import(example)) as {
      app: Parameters<typeof createServer>[1];
      sessions: { close(): Promise<void> };
    };
    const served = await listen(createServer(app));
    after(async () => {
      await served.close();
      await sessions.close();
      rmSync(directory, { recursive: true, force: true });
    });
    const browser = new Browser(served.url);
    const logIn = (body: string) =>
      browser.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    assert.equal((await browser.get('/')).headers.get('location'), '/login');

    assert.equal((await logIn('username=alice&password=guess')).headers.get('location'), '/login');
    assert.match((await browser.get('/login')).body, /<p role="alert">Wrong username or password/);
    assert.doesNotMatch((await browser.get('/login')).body, /role="alert"/);

    const before = browser.cookies.get('sessionid');
    assert.equal((await logIn('username=alice&password=wonderland')).headers.get('location'), '/');
    const loggedIn = browser.cookies.get('sessionid');
    assert.notEqual(loggedIn, before);
    assert.match((await browser.get('/')).body, /^Hello, alice: visit 1\./);
    assert.match((await browser.get('/')).body, /^Hello, alice: visit 2\./);

    assert.equal((await browser.post('/logout')).headers.get('location'), '/login');
    assert.equal(browser.cookies.size, 0);
    const replay = await new Browser(served.url).get('/', { cookie: `sessionid=${loggedIn}` });
    assert.equal(replay.headers.get('location'), '/login');
  });
});

describe('examples/fetch-signed-cookie.ts', () => {
  test('keeps a cart in a signed cookie', async () => {
    const { handler } = await import('../../examples/fetch-signed-cookie.ts');
    const first = await handler(new Request('http://example.test/?add=apple'));
    assert.deepEqual(await first.json(), { cart: ['apple'] });
    const cookie = first.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const second = await handler(
      new Request('http://example.test/?add=pear', { headers: { cookie } }),
    );
    assert.deepEqual(await second.json(), { cart: ['apple', 'pear'] });
  });
});

/** Runs an example's visit-counter server for three visits by one browser. */
async function countVisits(server: Server): Promise<string[]> {
  const served = await listen(server);
  try {
    const browser = new Browser(served.url);
    const bodies: string[] = [];
    for (let i = 0; i < 3; i++) bodies.push((await browser.get('/')).body);
    return bodies;
  } finally {
    await served.close();
  }
}

describe('examples/typed-express.ts', () => {
  test('types the session from its schema, and starts afresh on data of an older shape', async (t) => {
    // Imported by a computed path, so the root type check leaves the example out: the type it
    // registers in coatcheck's Register would hold for the whole program (test/types/registered/
    // checks it in a program of its own).
    const example = 'typed-express';
    const { app, sessions, store } = (await import(`../../examples/${example}.ts`)) as {
      app: Express;
      sessions: Sessions;
      store: SessionStore;
    };
    const served = await listen(createServer(app));
    after(() => served.close());
    const browser = new Browser(served.url);
    assert.equal((await browser.get('/')).body, 'You have been here 1 time.\n');
    assert.equal((await browser.get('/')).body, 'You have been here 2 times.\n');
    assert.equal((await browser.post('/login?name=ann')).status, 303);
    assert.deepEqual(JSON.parse((await browser.get('/me')).body), { name: 'ann', admin: false });

    // Sessions the application stored before its schema: one whose user lacks `admin` (the
    // schema's default fills it in), one whose visits were text.
    const legacy = createSessions({ secretKey: sessions.settings.secretKey, engine: store });
    const older = await legacy.open();
    older.set('user', { name: 'bob' });
    const olderKey = await older.save();
    const me = await new Browser(served.url).get('/me', { cookie: `sessionid=${olderKey}` });
    assert.deepEqual(JSON.parse(me.body), { name: 'bob', admin: false });

    const warn = t.mock.method(console, 'warn', () => {});
    const broken = await legacy.open();
    broken.set('visits', 'lots');
    const brokenKey = await broken.save();
    const visit = await new Browser(served.url).get('/', { cookie: `sessionid=${brokenKey}` });
    assert.equal(visit.status, 200);
    assert.equal(visit.body, 'You have been here 1 time.\n');
    assert.equal(warn.mock.callCount(), 1);
    const [message = ''] = warn.mock.calls[0]?.arguments ?? [];
    assert.match(String(message), /does not match settings\.schema \(zod\) at visits;/);
    assert.equal(String(message).includes('lots'), false);
  });
});

describe('examples/outside-a-request.ts', () => {
  test('changes and ends a session by key, outside any request', async () => {
    const { sessions, changePlan, endSession } = await import(
      '../../examples/outside-a-request.ts'
    );
    const created = await sessions.open();
    created.set('visits', 3);
    const key = await created.save();
    assert.equal(await changePlan(key, 'pro'), true);
    assert.deepEqual((await sessions.open(key)).toJSON(), { visits: 3, plan: 'pro' });
    await endSession(key);
    assert.equal((await sessions.open(key)).sessionKey, null);
    assert.equal(await changePlan(key, 'pro'), false);
  });
});

describe('examples/sqlite-default.ts', () => {
  test('keeps sessions in SQLite under .coatcheck/ with no engine given', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-example-'));
    const previous = process.cwd();
    process.chdir(directory);
    after(() => rmSync(directory, { recursive: true, force: true }));
    try {
      const { server, sessions } = await import('../../examples/sqlite-default.ts');
      assert.deepEqual(await countVisits(server), ['visit 1\n', 'visit 2\n', 'visit 3\n']);
      await sessions.close();
      assert.ok(existsSync(join(directory, '.coatcheck', 'sessions.sqlite3')));
    } finally {
      process.chdir(previous);
    }
  });
});

describe('examples/postgres.ts', { skip: skipWithoutPostgres }, () => {
  test('keeps sessions in PostgreSQL on the application pool', async () => {
    assertReachable('postgres');
    const place = await postgresSchema('coatcheck_example');
    after(() => place.drop());
    const table = `${place.schema}.django_session`;
    await postgresStore({ pool: place.pool }, { table }).migrate();
    process.env.DATABASE_URL = POSTGRES_URL;
    process.env.SESSION_TABLE = table;
    const { server, pool } = await import('../../examples/postgres.ts');
    after(() => pool.end());
    assert.deepEqual(await countVisits(server), ['visit 1\n', 'visit 2\n', 'visit 3\n']);
    const { rows } = await place.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
    assert.equal(rows[0].n, 1);
  });
});

describe('examples/mysql.ts', { skip: skipWithoutMysql }, () => {
  test('keeps sessions in MariaDB, creating the table on first use', async () => {
    assertReachable('mysql');
    const tables = mysqlTables('coatcheck_example');
    after(() => tables.drop());
    process.env.DATABASE_URL = MYSQL_URL;
    process.env.SESSION_TABLE = tables.table();
    const { server, sessions } = await import('../../examples/mysql.ts');
    after(() => sessions.close());
    assert.deepEqual(await countVisits(server), ['visit 1\n', 'visit 2\n', 'visit 3\n']);
  });
});

describe('examples/messages.ts', () => {
  test('a message added by a POST shows on the next page, once', async () => {
    const { server, sessions } = await import('../../examples/messages.ts');
    const served = await listen(server);
    after(async () => {
      await served.close();
      await sessions.close();
    });
    const browser = new Browser(served.url);
    assert.equal((await browser.post('/')).status, 303);
    assert.equal((await browser.get('/')).body, '[newsletter success] Subscribed.\n');
    assert.equal((await browser.get('/')).body, 'No messages.\n');
  });
});

describe('examples/memcached.ts', { skip: skipWithoutMemcached }, () => {
  test('keeps sessions in Memcached under Django’s cache key', async () => {
    const memcached = await startMemcached();
    after(() => memcached.stop());
    process.env.MEMCACHED_SERVERS = memcached.address;
    const { server, sessions } = await import('../../examples/memcached.ts');
    after(() => sessions.close());
    assert.deepEqual(await countVisits(server), ['visit 1\n', 'visit 2\n', 'visit 3\n']);
    const stats = await memcachedStats(memcached.port);
    assert.equal(stats.curr_items, 1);
  });
});

describe('examples/cached-db.ts', { skip: skipWithoutMemcached }, () => {
  test('keeps sessions in SQLite with Memcached in front', async () => {
    const memcached = await startMemcached();
    after(() => memcached.stop());
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-example-'));
    after(() => rmSync(directory, { recursive: true, force: true }));
    process.env.MEMCACHED_SERVERS = memcached.address;
    process.env.SESSION_DB = join(directory, 'db.sqlite3');
    const { server, sessions } = await import('../../examples/cached-db.ts');
    after(() => sessions.close());
    assert.deepEqual(await countVisits(server), ['visit 1\n', 'visit 2\n', 'visit 3\n']);
    assert.equal((await memcachedStats(memcached.port)).curr_items, 1);
    assert.ok(existsSync(join(directory, 'db.sqlite3')));
  });
});

describe('examples/redis.ts', { skip: skipWithoutRedis }, () => {
  test('keeps sessions in Redis under Django’s cache key, with Django’s TTL', async () => {
    const prefix = uniqueName('coatcheck_example');
    process.env.REDIS_URL = REDIS_URL;
    process.env.CACHE_KEY_PREFIX = prefix;
    const redis = await connectClient();
    after(async () => {
      await deleteKeys(redis, `${prefix}*`);
      redis.destroy();
    });
    const { server, sessions } = await import('../../examples/redis.ts');
    after(() => sessions.close());
    assert.deepEqual(await countVisits(server), ['visit 1\n', 'visit 2\n', 'visit 3\n']);
    const keys = await redis.keys(`${prefix}:1:django.contrib.sessions.cache*`);
    assert.equal(keys.length, 1);
    assert.ok((await redis.pTTL(keys[0] ?? '')) > 1_209_000_000);
  });
});

describe('examples/fastify.ts', () => {
  test('keeps a cart per browser', async () => {
    const { app, sessions } = await import('../../examples/fastify.ts');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    after(async () => {
      await app.close();
      await sessions.close();
    });
    const browser = new Browser(url);
    await browser.get('/cart/add?item=apple');
    assert.deepEqual(JSON.parse((await browser.get('/cart/add?item=pear')).body), {
      cart: ['apple', 'pear'],
    });
    assert.deepEqual(JSON.parse((await new Browser(url).get('/cart')).body), { cart: [] });
  });
});

describe('examples/hono.ts', () => {
  test('counts visits in a signed cookie and keeps a signed theme, on Node', async () => {
    const { createAdaptorServer } = await import('@hono/node-server');
    const { app } = await import('../../examples/hono.ts');
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    assert.deepEqual(await countVisits(server), [
      'You have been here 1 time.\n',
      'You have been here 2 times.\n',
      'You have been here 3 times.\n',
    ]);
    const served = await listen(createAdaptorServer({ fetch: app.fetch }) as Server);
    after(() => served.close());
    const browser = new Browser(served.url);
    assert.equal((await browser.get('/theme/dark')).status, 302);
    assert.equal((await browser.get('/theme')).body, 'dark');
    browser.cookies.set('theme', `light${(browser.cookies.get('theme') ?? '').slice(4)}`);
    assert.equal((await browser.get('/theme')).body, 'light');
  });
});

describe('examples/koa.ts', () => {
  test('logs in, shows the secret page, logs out', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'coatcheck-example-'));
    process.env.SESSION_FILE_PATH = directory;
    const { app } = await import('../../examples/koa.ts');
    const served = await listen(createServer(app.callback()));
    after(async () => {
      await served.close();
      rmSync(directory, { recursive: true, force: true });
    });
    const browser = new Browser(served.url);
    assert.equal((await browser.get('/secret')).status, 403);
    const login = await browser.post('/login?user=alice');
    assert.equal(login.status, 302);
    assert.equal((await browser.get('/secret')).body, 'Hello, alice.');
    await browser.post('/logout');
    assert.equal(browser.cookies.size, 0);
    assert.equal((await browser.get('/secret')).status, 403);
  });
});
