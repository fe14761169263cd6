import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { inspect } from 'node:util';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type ExpressSession, sessionMiddleware } from '../../src/adapters/express-session.ts';
import { ImproperlyConfigured } from '../../src/errors.ts';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser } from '../helpers/browser.ts';
import { listen, type Served } from '../helpers/fetch-server.ts';
import { serveScenarios } from './express-scenarios.ts';
import { describeAdapter, SECRET } from './scenarios.ts';

// The same routes as coatcheck/express serves, on Django's API through req.coatcheck: the
// compat mode is the same lifecycle with express-session's object in front of it.
describeAdapter(
  'express-session compat',
  async (sessions) => serveScenarios(sessionMiddleware(sessions)),
  { savesInPlaceChanges: true },
);

type Data = Record<string, unknown> & {
  list?: unknown[];
  user?: { name: string; roles: string[] };
};

// In this program `req.session` is coatcheck/express's method (both adapters are compiled
// together); an application on the compat entry alone has express-session's type instead.
const sessionOf = (req: Request) =>
  (req as unknown as { session: (ExpressSession & Data) | null | undefined }).session;

const quiet = { warn() {}, error() {} };

// A key that would be an object's prototype if the session object were a plain object.
const PROTO = '__proto__';

interface App {
  served: Served;
  sessions: Sessions;
  browser(): Browser;
  /** The stored data of the session a browser holds, read outside any request. */
  stored(browser: Browser): Promise<Record<string, unknown> | null>;
}

async function start(configure: (app: express.Express) => void, unset?: 'keep' | 'destroy') {
  const sessions = createSessions({ secretKey: SECRET, engine: memoryStore(), logger: quiet });
  const app = express();
  app.use(express.json());
  app.use(sessionMiddleware(sessions, unset === undefined ? {} : { unset }));
  app.post('/set', (req, res) => {
    Object.assign(sessionOf(req) ?? {}, req.body);
    res.send('ok');
  });
  app.get('/read', (req, res) => res.json({ ...sessionOf(req) }));
  configure(app);
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(`${error.name}: ${error.message}`);
  });
  const served = await listen(createServer(app));
  const result: App = {
    served,
    sessions,
    browser: () => new Browser(served.url),
    async stored(browser) {
      const session = await sessions.open(browser.cookies.get('sessionid') ?? null);
      return session.sessionKey === null ? null : session.toJSON();
    },
  };
  return result;
}

const post = (browser: Browser, path: string, body: unknown) =>
  browser.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('express-session compat: the data as properties', () => {
  let app: App;
  after(() => app?.served.close());
  before(async () => {
    app = await start((server) => {
      server.get('/views', (req, res) => {
        const session = sessionOf(req) as Data;
        session.views = ((session.views as number | undefined) ?? 0) + 1;
        res.send(String(session.views));
      });
      server.get('/shape', async (req, res) => {
        const session = sessionOf(req) as ExpressSession & Data;
        const native = await req.coatcheck.session();
        res.json({
          keys: Object.keys(session),
          spread: { ...session },
          json: JSON.parse(JSON.stringify(session)),
          has: 'views' in session,
          own: Object.hasOwn(session, 'views'),
          forIn: Object.entries(session).length,
          native: native.get('views'),
          regenerateIsAMethod: typeof session.regenerate,
          inspected: inspect(session),
        });
      });
      server.get('/delete', (req, res) => {
        delete (sessionOf(req) as Data).views;
        res.send('deleted');
      });
      server.get('/nothing', (_req, res) => res.send('nothing'));
      server.get('/api-names', async (req, res) => {
        (await req.coatcheck.session()).update({ save: 'data', cookie: 'data', kept: 1 });
        const session = sessionOf(req) as ExpressSession & Data;
        res.json({
          save: typeof session.save,
          cookie: typeof session.cookie,
          keys: Object.keys(session),
        });
      });
    });
  });

  test('a property set in one request is there in the next, under the same cookie', async () => {
    const browser = app.browser();
    assert.equal((await browser.get('/views')).body, '1');
    const cookie = browser.cookies.get('sessionid');
    assert.equal((await browser.get('/views')).body, '2');
    assert.equal(browser.cookies.get('sessionid'), cookie);
    assert.deepEqual(await app.stored(browser), { views: 2 });
  });

  test('the object enumerates, spreads and serializes as its data, and Django’s API sees it', async () => {
    const browser = app.browser();
    await post(browser, '/set', { views: 5, theme: 'dark' });
    assert.deepEqual(JSON.parse((await browser.get('/shape')).body), {
      keys: ['views', 'theme'],
      spread: { views: 5, theme: 'dark' },
      json: { views: 5, theme: 'dark' },
      has: true,
      own: true,
      forIn: 2,
      native: 5,
      regenerateIsAMethod: 'function',
      inspected: "{ views: 5, theme: 'dark' }",
    });
  });

  test('a deleted property is deleted from the store', async () => {
    const browser = app.browser();
    await post(browser, '/set', { views: 1, keep: true });
    await browser.get('/delete');
    assert.deepEqual(await app.stored(browser), { keep: true });
  });

  test('express-session’s names win over data keys of the same name, which stay in the store', async () => {
    const browser = app.browser();
    assert.deepEqual(JSON.parse((await browser.get('/api-names')).body), {
      save: 'function',
      cookie: 'object',
      keys: ['kept'],
    });
    assert.deepEqual(await app.stored(browser), { save: 'data', cookie: 'data', kept: 1 });
  });

  test('a route that never reads the session sends no cookie and no Vary', async () => {
    const browser = app.browser();
    await browser.get('/views');
    const response = await browser.get('/nothing');
    assert.deepEqual(response.setCookie, []);
    assert.equal(response.headers.get('vary'), null);
  });

  test('a route that only reads varies on Cookie and stores nothing', async () => {
    const browser = app.browser();
    await post(browser, '/set', { views: 1 });
    const response = await browser.get('/read');
    assert.deepEqual(response.setCookie, []);
    assert.equal(response.headers.get('vary'), 'Cookie');
  });
});

describe('express-session compat: changes in place, and values that cannot be stored', () => {
  let app: App;
  after(() => app?.served.close());
  before(async () => {
    app = await start((server) => {
      server.get('/push', (req, res) => {
        const session = sessionOf(req) as Data;
        session.list ??= [];
        session.list.push(session.list.length);
        res.json(session.list);
      });
      server.get('/rename', (req, res) => {
        const user = (sessionOf(req) as Data).user;
        if (user !== undefined) {
          user.name = 'bob';
          user.roles.pop();
        }
        res.send('renamed');
      });
      server.get('/date', (req, res) => {
        try {
          (sessionOf(req) as Data).when = new Date(0);
          res.send('stored');
        } catch (error) {
          res.status(400).send((error as Error).message);
        }
      });
      server.get('/date-in-place', (req, res) => {
        (sessionOf(req)?.user as unknown as Record<string, unknown>).since = new Date(0);
        res.send('sent anyway?');
      });
      server.get('/date-in-place-save', (req, res) => {
        (sessionOf(req)?.user as unknown as Record<string, unknown>).since = new Date(0);
        sessionOf(req)?.save((error) => {
          (sessionOf(req)?.user as unknown as Record<string, unknown>).since = '1970';
          res.send(error instanceof TypeError ? error.message : 'saved');
        });
      });
      server.get('/proto', (req, res) => {
        const session = sessionOf(req) as Data;
        session[PROTO] = { admin: true };
        res.json({ admin: (session as { admin?: unknown }).admin ?? null });
      });
      server.get('/proto/read', (req, res) => {
        const session = sessionOf(req) as Data;
        res.json({
          value: session[PROTO],
          keys: Object.keys(session),
          save: typeof session.save,
          polluted: ({} as { admin?: unknown }).admin ?? null,
        });
      });
    });
  });

  test('an array pushed to in place is saved, request after request', async () => {
    const browser = app.browser();
    await browser.get('/push');
    await browser.get('/push');
    assert.deepEqual(JSON.parse((await browser.get('/push')).body), [0, 1, 2]);
    assert.deepEqual(await app.stored(browser), { list: [0, 1, 2] });
  });

  test('a nested object changed in place is saved', async () => {
    const browser = app.browser();
    await post(browser, '/set', { user: { name: 'alice', roles: ['admin', 'staff'] } });
    const response = await browser.get('/rename');
    assert.equal(response.setCookie.length, 1);
    assert.deepEqual(await app.stored(browser), { user: { name: 'bob', roles: ['admin'] } });
  });

  test('a Date is refused when it is assigned, naming the key, and nothing is stored', async () => {
    const browser = app.browser();
    const response = await browser.get('/date');
    assert.equal(response.status, 400);
    assert.match(response.body, /session\["when"\].*a Date/);
    assert.deepEqual(response.setCookie, []);
  });

  test('a Date put in place fails the request through Express’s error handling', async () => {
    const browser = app.browser();
    await post(browser, '/set', { user: { name: 'alice', roles: [] } });
    const response = await browser.get('/date-in-place');
    assert.equal(response.status, 500);
    assert.match(
      response.body,
      /^TypeError: .*session\["user"\]: the value at \["since"\] is a Date/,
    );
    assert.deepEqual(await app.stored(browser), { user: { name: 'alice', roles: [] } });
  });

  test('save() hands a Date put in place to its callback', async () => {
    const browser = app.browser();
    await post(browser, '/set', { user: { name: 'alice', roles: [] } });
    const response = await browser.get('/date-in-place-save');
    assert.match(response.body, /session\["user"\]: the value at \["since"\] is a Date/);
    assert.deepEqual(await app.stored(browser), {
      user: { name: 'alice', roles: [], since: '1970' },
    });
  });

  test('a __proto__ key is data: stored and read back, the object and Object.prototype untouched', async () => {
    const browser = app.browser();
    assert.deepEqual(JSON.parse((await browser.get('/proto')).body), { admin: null });
    assert.deepEqual(JSON.parse((await browser.get('/proto/read')).body), {
      value: { admin: true },
      keys: ['__proto__'],
      save: 'function',
      polluted: null,
    });
  });
});

describe('express-session compat: regenerate, destroy, reload, save, touch', () => {
  let app: App;
  after(() => app?.served.close());
  let seen: Record<string, unknown> = {};
  beforeEach(() => {
    seen = {};
  });
  before(async () => {
    app = await start((server) => {
      server.get('/regenerate', (req, res) => {
        const old = sessionOf(req) as ExpressSession & Data;
        const oldId = req.sessionID;
        old.regenerate((error) => {
          const session = sessionOf(req) as ExpressSession & Data;
          session.fresh = true;
          Object.assign(seen, {
            error,
            replaced: session !== old,
            oldKeepsItsData: old.cart,
            sessionIdUntilRead: req.sessionID,
            newId: session.id !== oldId && req.sessionID === session.id,
          });
          res.send('regenerated');
        });
      });
      server.get('/destroy', (req, res) => {
        sessionOf(req)?.destroy((error) => {
          Object.assign(seen, { error, gone: sessionOf(req) === undefined });
          res.send('destroyed');
        });
      });
      server.get('/reload', (req, res) => {
        const session = sessionOf(req) as ExpressSession & Data;
        session.cart = ['changed, not saved'];
        session.reload((error) => {
          res.json({
            error: (error as Error | undefined)?.message ?? null,
            cart: sessionOf(req)?.cart,
          });
        });
      });
      server.get('/touch', (req, res) => {
        sessionOf(req)?.touch();
        res.send('touched');
      });
      server.get('/id', (req, res) => {
        const before = req.sessionID;
        res.json({ before, id: sessionOf(req)?.id, after: req.sessionID });
      });
    });
  });

  test('regenerate puts an empty session under a new key and deletes the old one', async () => {
    const browser = app.browser();
    await post(browser, '/set', { cart: ['apple'] });
    const before = browser.cookies.get('sessionid');
    const response = await browser.get('/regenerate');
    assert.equal(response.body, 'regenerated');
    assert.deepEqual(seen, {
      error: undefined,
      replaced: true,
      oldKeepsItsData: ['apple'],
      sessionIdUntilRead: '',
      newId: true,
    });
    assert.notEqual(browser.cookies.get('sessionid'), before);
    assert.deepEqual(await app.stored(browser), { fresh: true });
    const replay = await app.sessions.open(before ?? null);
    assert.equal(replay.sessionKey, null);
  });

  test('destroy deletes the session and the cookie; req.session is gone', async () => {
    const browser = app.browser();
    await post(browser, '/set', { cart: ['apple'] });
    const before = browser.cookies.get('sessionid') ?? null;
    const response = await browser.get('/destroy');
    assert.deepEqual(seen, { error: undefined, gone: true });
    assert.match(response.setCookie[0] ?? '', /^sessionid=""; .*Max-Age=0/);
    assert.equal((await app.sessions.open(before)).sessionKey, null);
  });

  test('reload drops the request’s unsaved changes for what the store has', async () => {
    const browser = app.browser();
    await post(browser, '/set', { cart: ['apple'] });
    const response = await browser.get('/reload');
    assert.deepEqual(JSON.parse(response.body), { error: null, cart: ['apple'] });
    assert.deepEqual(await app.stored(browser), { cart: ['apple'] });
  });

  test('reload of a session that was never stored reports it to the callback', async () => {
    const response = await app.browser().get('/reload');
    assert.match(JSON.parse(response.body).error, /not in the store/);
  });

  test('touch saves an unchanged session, so its expiry starts again', async () => {
    const browser = app.browser();
    await post(browser, '/set', { cart: ['apple'] });
    assert.deepEqual((await browser.get('/read')).setCookie, []);
    assert.match((await browser.get('/touch')).setCookie[0] ?? '', /Max-Age=1209600/);
  });

  test('req.session.id gives a new session its key, stored even empty; req.sessionID follows', async () => {
    const browser = app.browser();
    const first = JSON.parse((await browser.get('/id')).body);
    assert.equal(first.before, '');
    assert.match(first.id, /^[a-z0-9]{32}$/);
    assert.equal(first.after, first.id);
    assert.equal(browser.cookies.get('sessionid'), first.id);
    assert.deepEqual(await app.stored(browser), {});
    const again = JSON.parse((await browser.get('/id')).body);
    assert.deepEqual(again, { before: first.id, id: first.id, after: first.id });
  });
});

describe('express-session compat: the cookie', () => {
  let app: App;
  after(() => app?.served.close());
  before(async () => {
    app = await start((server) => {
      server.get('/cookie', (req, res) => res.json(sessionOf(req)?.cookie));
      server.get('/max-age', (req, res) => {
        const cookie = (sessionOf(req) as ExpressSession).cookie;
        cookie.maxAge = req.query.ms === 'null' ? null : Number(req.query.ms);
        res.json({ maxAge: cookie.maxAge ?? null, originalMaxAge: cookie.originalMaxAge });
      });
      server.get('/expires', (req, res) => {
        const cookie = (sessionOf(req) as ExpressSession).cookie;
        cookie.expires = new Date(Date.now() + 90_000);
        res.send('ok');
      });
      server.get('/path', (req, res) => {
        try {
          (sessionOf(req) as ExpressSession).cookie.path = '/admin';
          res.send('set');
        } catch (error) {
          res.send((error as Error).message);
        }
      });
    });
  });

  test('reads the settings and the expiry in express-session’s units', async () => {
    const body = JSON.parse((await app.browser().get('/cookie')).body);
    assert.equal(body.originalMaxAge, 1209600 * 1000);
    assert.ok(Math.abs(Date.parse(body.expires) - (Date.now() + 1209600 * 1000)) < 5000);
    assert.deepEqual(
      { ...body, expires: undefined },
      {
        originalMaxAge: 1209600000,
        expires: undefined,
        httpOnly: true,
        path: '/',
        secure: false,
        sameSite: 'lax',
      },
    );
  });

  test('maxAge in milliseconds becomes Django’s expiry in seconds, and the cookie’s Max-Age', async () => {
    const browser = app.browser();
    const response = await browser.get('/max-age?ms=60000');
    assert.deepEqual(JSON.parse(response.body), { maxAge: 60000, originalMaxAge: 60000 });
    assert.match(response.setCookie[0] ?? '', /; Max-Age=60;/);
    assert.deepEqual(await app.stored(browser), { _session_expiry: 60 });
  });

  test('maxAge null makes a cookie that ends with the browser', async () => {
    const response = await app.browser().get('/max-age?ms=null');
    assert.deepEqual(JSON.parse(response.body), { maxAge: null, originalMaxAge: null });
    assert.doesNotMatch(response.setCookie[0] ?? '', /Max-Age|expires/);
  });

  test('expires as a Date is Django’s expiry at that instant', async () => {
    const response = await app.browser().get('/expires');
    const maxAge = Number(/Max-Age=(\d+)/.exec(response.setCookie[0] ?? '')?.[1]);
    assert.ok(maxAge >= 88 && maxAge <= 90, String(maxAge));
  });

  test('an attribute that is a setting says so when assigned', async () => {
    assert.match((await app.browser().get('/path')).body, /cookiePath setting/);
  });
});

describe('express-session compat: unsetting req.session', () => {
  for (const [unset, expected] of [
    ['keep', { cart: ['apple'] }],
    ['destroy', null],
  ] as const) {
    test(`unset: '${unset}'`, async () => {
      const app = await start((server) => {
        server.get('/unset', (req, res) => {
          (sessionOf(req) as Data).cart = ['changed'];
          (req as unknown as { session: null }).session = null;
          res.send('unset');
        });
      }, unset);
      after(() => app.served.close());
      const browser = app.browser();
      await post(browser, '/set', { cart: ['apple'] });
      await browser.get('/unset');
      assert.deepEqual(await app.stored(browser), expected);
    });
  }
});

describe('express-session compat: setup', () => {
  const sessions = createSessions({ secretKey: SECRET, engine: memoryStore(), logger: quiet });

  test('express-session’s options are refused at startup with where they went', () => {
    assert.throws(
      () => sessionMiddleware(sessions, { secret: 'x' } as never),
      (error) => error instanceof ImproperlyConfigured && /secretKey setting/.test(error.message),
    );
    assert.throws(
      () => sessionMiddleware(sessions, { cookie: { maxAge: 1000 } } as never),
      /cookieAge \(in seconds, not milliseconds\)/,
    );
    assert.throws(() => sessionMiddleware(sessions, { unset: 'drop' as never }), /'keep'/);
  });

  test('a second middleware on the same request leaves the first in charge', async () => {
    const app = express();
    app.use(sessionMiddleware(sessions));
    const router = express.Router();
    router.use(sessionMiddleware(sessions));
    router.get('/views', (req, res) => {
      const session = sessionOf(req) as Data;
      session.views = ((session.views as number | undefined) ?? 0) + 1;
      res.send(String(session.views));
    });
    app.use(router);
    const served = await listen(createServer(app));
    after(() => served.close());
    const browser = new Browser(served.url);
    await browser.get('/views');
    const response = await browser.get('/views');
    assert.equal(response.body, '2');
    assert.equal(response.setCookie.length, 1);
  });
});
