/**
 * One end-to-end scenario list, run through every adapter over real HTTP (h3's
 * describeMatrix idea): the same application logic, written once against the framework-free
 * request context, mounted by each adapter in its own idiom. Each adapter's test file is one
 * `describeAdapter` call plus the few checks only its framework needs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { StoreUnavailable } from '../../src/errors.ts';
import {
  createSessions,
  type RequestContext,
  type Sessions,
} from '../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../src/session/engine.ts';
import { fileStore } from '../../src/stores/file.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { Browser } from '../helpers/browser.ts';
import type { Served } from '../helpers/fetch-server.ts';
import { capturingLogger } from '../stores/contract.ts';

export const SECRET = 'adapter-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';

/** What a route asks its adapter to send. Each adapter writes it in its own idiom. */
export type Reply =
  | { kind: 'text'; status?: number; body: string }
  | { kind: 'json'; body: unknown }
  | { kind: 'redirect'; location: string };

export type Route = (ctx: RequestContext, query: URLSearchParams) => Promise<Reply>;

const text = (body: string, status = 200): Reply => ({ kind: 'text', body, status });

/** The application every adapter serves. */
export const routes: Record<string, Route> = {
  '/': async () => text('no session touched'),
  '/count': async (ctx) => {
    const session = await ctx.session();
    const visits = ((session.get('visits') as number | undefined) ?? 0) + 1;
    session.set('visits', visits);
    return text(String(visits));
  },
  '/read': async (ctx) => {
    const session = await ctx.session();
    return { kind: 'json', body: session.toJSON() };
  },
  '/cart/add': async (ctx, query) => {
    const session = await ctx.session();
    const cart = (session.get('cart') as string[] | undefined) ?? [];
    cart.push(query.get('item') ?? '?');
    session.set('cart', cart);
    return { kind: 'json', body: cart };
  },
  '/cart/add-in-place': async (ctx, query) => {
    const session = await ctx.session();
    (session.get('cart') as string[] | undefined)?.push(query.get('item') ?? '?');
    if (query.has('modified')) session.modified = true;
    return { kind: 'json', body: session.get('cart') };
  },
  '/login': async (ctx) => {
    const session = await ctx.session();
    session.cycleKey();
    session.set('user', 'root');
    return text(session.sessionKey ?? '');
  },
  '/logout': async (ctx) => {
    (await ctx.session()).flush();
    return text('bye');
  },
  '/expiry': async (ctx, query) => {
    const session = await ctx.session();
    session.setExpiry(Number(query.get('seconds')));
    return text('ok');
  },
  '/test-cookie/set': async (ctx) => {
    (await ctx.session()).setTestCookie();
    return text('set');
  },
  '/test-cookie/check': async (ctx) => {
    const session = await ctx.session();
    const worked = session.testCookieWorked();
    if (worked) session.deleteTestCookie();
    return text(worked ? 'cookies work' : 'cookies blocked');
  },
  '/write-then-redirect': async (ctx, query) => {
    (await ctx.session()).set('color', query.get('color') ?? 'none');
    return { kind: 'redirect', location: '/read' };
  },
  '/error': async (ctx) => {
    (await ctx.session()).set('lost', true);
    return text('boom', 500);
  },
  '/signed/set': async (ctx) => {
    ctx.setSignedCookie('fav', 'blue', { salt: 'colors' });
    return text('ok');
  },
  '/signed/set-with-session': async (ctx) => {
    ctx.setSignedCookie('fav', 'green', { salt: 'colors' });
    (await ctx.session()).set('color', 'green');
    return { kind: 'redirect', location: '/signed/get' };
  },
  '/signed/get': async (ctx) => text(ctx.getSignedCookie('fav', { salt: 'colors' }) ?? 'none'),
};

export interface Engines {
  name: string;
  make(): SessionStore | EngineProvider;
}

const directory = mkdtempSync(join(tmpdir(), 'coatcheck-adapters-'));
after(() => rmSync(directory, { recursive: true, force: true }));

export const engines: Engines[] = [
  { name: 'memory', make: () => memoryStore() },
  { name: 'signed-cookie', make: () => signedCookies() },
  { name: 'file', make: () => fileStore({ directory }) },
];

/** Starts an adapter's server over `routes` for the given sessions. */
export type Mount = (sessions: Sessions) => Promise<Served>;

const quietLogger = { warn() {}, error() {} };

/** A memory store that fails as a store that is down does. */
function failingStore(): SessionStore {
  const store = memoryStore();
  const down = async () => {
    throw new StoreUnavailable('coatcheck: the store is down (a test)');
  };
  store.load = down;
  store.create = down;
  store.save = down;
  return store;
}

/** Where an adapter's sessions differ from Django's, by design. */
export interface AdapterTraits {
  /**
   * A nested value changed in place is saved without `set` (coatcheck/express-session, as
   * express-session does); in Django, and every other adapter, it is not.
   */
  savesInPlaceChanges?: boolean;
  /**
   * Who writes the `Set-Cookie` lines: coatcheck, in Django's attribute order, or Next, which
   * takes a cookie's fields through `cookies().set` and writes them in its own order and case,
   * a deleted cookie's value empty (decision 0016). @default 'django'
   */
  cookieLines?: keyof typeof cookieLines;
  /**
   * The status of a request whose store is down. Next answers an error a route handler throws
   * with 500 and gives a library no way to choose another. @default 503
   */
  storeDownStatus?: number;
  /**
   * The framework adds `Vary` tokens of its own to every response (Next: its router headers and
   * Accept-Encoding), so Cookie is looked for among them; elsewhere `Vary` must be exactly
   * `Cookie`, or absent. @default false
   */
  addsVaryTokens?: boolean;
}

/** The session cookie as each writer sends it: a two-week one, and the deleting one. */
const cookieLines = {
  django: {
    session: /^sessionid=[^;]+; expires=.+; HttpOnly; Max-Age=1209600; Path=\/; SameSite=Lax$/,
    deleted: 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax',
  },
  next: {
    session: /^sessionid=[^;]+; Path=\/; Expires=.+; Max-Age=1209600; HttpOnly; SameSite=lax$/,
    deleted: 'sessionid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=lax',
  },
};

/**
 * Whether the response varies on Cookie, asserting it is said at most once. With `among`, other
 * tokens are the framework's own; without, `Vary` is `Cookie` or absent.
 */
function variesOnCookie(response: { headers: Headers }, among: boolean): boolean {
  const vary = response.headers.get('vary');
  if (!among) {
    assert.ok(vary === null || vary === 'Cookie', `Vary is ${vary}`);
    return vary === 'Cookie';
  }
  const tokens = (vary ?? '').split(',').map((token) => token.trim());
  const cookie = tokens.filter((token) => token.toLowerCase() === 'cookie');
  assert.ok(cookie.length <= 1, `Vary names Cookie more than once: ${tokens.join(', ')}`);
  if (cookie.length === 1) assert.equal(cookie[0], 'Cookie');
  return cookie.length === 1;
}

/** Runs every scenario through one adapter, for every engine. */
export function describeAdapter(adapter: string, mount: Mount, traits: AdapterTraits = {}): void {
  const lines = cookieLines[traits.cookieLines ?? 'django'];
  const storeDown = traits.storeDownStatus ?? 503;
  const varies = (response: { headers: Headers }) =>
    variesOnCookie(response, traits.addsVaryTokens ?? false);
  describe(`${adapter} adapter with a store that is down`, () => {
    let served: Served;
    test('starts', async () => {
      const sessions = createSessions({
        secretKey: SECRET,
        engine: failingStore(),
        logger: quietLogger,
      });
      served = await mount(sessions);
    });
    after(() => served?.close());

    test(`a request that writes its session answers ${storeDown}, with no session cookie and none of the route’s headers`, async () => {
      for (const path of ['/count', '/write-then-redirect?color=red']) {
        const response = await new Browser(served.url).get(path);
        assert.equal(response.status, storeDown, path);
        assert.deepEqual(response.setCookie, [], path);
        // The redirect the route meant is not what happened: an error that sends the browser on
        // would hide the failure.
        assert.equal(response.headers.get('location'), null, path);
      }
    });

    test(`a request whose session cannot be loaded answers ${storeDown}`, async () => {
      const cookie = 'sessionid=abcdefghijklmnopqrstuvwxyz012345';
      for (const path of ['/count', '/read']) {
        const response = await new Browser(served.url).get(path, { cookie });
        assert.equal(response.status, storeDown, path);
        assert.deepEqual(response.setCookie, [], path);
      }
    });

    test('a request that never touches the session is served as usual', async () => {
      const response = await new Browser(served.url).get('/');
      assert.equal(response.status, 200);
      assert.equal(response.body, 'no session touched');
    });
  });

  describe(`${adapter} adapter with settings.schema`, () => {
    // The application before a deploy kept `visits` as text; after it, a number.
    const store = memoryStore();
    const before = createSessions({ secretKey: SECRET, engine: store, logger: quietLogger });
    const logger = capturingLogger();
    const schema = z.object({
      visits: z.number().optional(),
      cart: z.array(z.string()).optional(),
    });
    let served: Served;
    test('starts', async () => {
      served = await mount(createSessions({ secretKey: SECRET, engine: store, logger, schema }));
    });
    after(() => served?.close());

    test('a session stored in an older shape is a fresh one in the route, never a failure', async () => {
      const old = await before.open();
      old.set('visits', 'many');
      const oldKey = await old.save();
      const client = new Browser(served.url);
      const response = await client.get('/count', { cookie: `sessionid=${oldKey}` });
      assert.equal(response.status, 200);
      assert.equal(response.body, '1');
      assert.notEqual(client.cookies.get('sessionid'), oldKey);
      assert.equal(logger.warnings.length, 1);
      assert.match(logger.warnings[0] ?? '', / at visits;/);
      assert.equal((await client.get('/count')).body, '2');
      assert.deepEqual((await before.open(oldKey)).toJSON(), { visits: 'many' });
    });

    test('a session of the current shape is served as it is', async () => {
      const client = new Browser(served.url);
      await client.get('/cart/add?item=apple');
      assert.deepEqual(JSON.parse((await client.get('/cart/add?item=pear')).body), [
        'apple',
        'pear',
      ]);
      assert.equal(logger.warnings.length, 1, 'no warning beyond the old session’s');
    });
  });

  for (const engine of engines) {
    describe(`${adapter} adapter with the ${engine.name} engine`, () => {
      let served: Served;
      const browser = () => new Browser(served.url);

      test('starts', async () => {
        const sessions = createSessions({
          secretKey: SECRET,
          engine: engine.make(),
          logger: quietLogger,
        });
        served = await mount(sessions);
      });
      after(() => served?.close());

      test('a request that never touches the session sets no cookie and no Vary', async () => {
        const response = await browser().get('/');
        assert.equal(response.body, 'no session touched');
        assert.deepEqual(response.setCookie, []);
        assert.equal(varies(response), false);
      });

      test('the visit counter counts, with the cookie and Vary: Cookie', async () => {
        const client = browser();
        for (const expected of ['1', '2', '3']) {
          const response = await client.get('/count');
          assert.equal(response.body, expected);
          assert.equal(varies(response), true);
          assert.match(response.setCookie[0] ?? '', lines.session);
        }
      });

      test('reading the session varies on Cookie without re-sending it', async () => {
        const client = browser();
        await client.get('/count');
        const response = await client.get('/read');
        assert.deepEqual(JSON.parse(response.body), { visits: 1 });
        assert.deepEqual(response.setCookie, []);
        assert.equal(varies(response), true);
      });

      const inPlace = traits.savesInPlaceChanges
        ? 'a cart changed in place is saved, as express-session saves it'
        : 'a cart changed with set is saved; changed in place it is not, unless marked modified';
      test(inPlace, async () => {
        const client = browser();
        await client.get('/cart/add?item=apple');
        await client.get('/cart/add-in-place?item=pear');
        const kept = traits.savesInPlaceChanges ? ['apple', 'pear'] : ['apple'];
        assert.deepEqual(JSON.parse((await client.get('/read')).body), { cart: kept });
        await client.get('/cart/add-in-place?item=plum&modified');
        assert.deepEqual(JSON.parse((await client.get('/read')).body), {
          cart: [...kept, 'plum'],
        });
      });

      test('flush deletes the cookie and the data', async () => {
        const client = browser();
        await client.get('/count');
        const response = await client.get('/logout');
        assert.deepEqual(response.setCookie, [lines.deleted]);
        assert.equal(varies(response), true);
        assert.equal(client.cookies.size, 0);
        assert.equal((await client.get('/count')).body, '1');
      });

      test('cycleKey keeps the data under a new key', async () => {
        const client = browser();
        await client.get('/count');
        const before = client.cookies.get('sessionid');
        await client.get('/login');
        const afterLogin = client.cookies.get('sessionid');
        assert.notEqual(afterLogin, before);
        assert.deepEqual(JSON.parse((await client.get('/read')).body), { visits: 1, user: 'root' });
        if (engine.name !== 'signed-cookie') {
          // The old key no longer names a session: a replayed old cookie starts afresh.
          const replay = await browser().get('/read', { cookie: `sessionid=${before}` });
          assert.deepEqual(JSON.parse(replay.body), {});
        }
      });

      test('a custom expiry sets Max-Age, and 0 makes a browser-session cookie', async () => {
        const client = browser();
        const hour = await client.get('/expiry?seconds=3600');
        assert.match(hour.setCookie[0] ?? '', /; Max-Age=3600;/);
        const browserClose = await client.get('/expiry?seconds=0');
        assert.doesNotMatch(browserClose.setCookie[0] ?? '', /Max-Age|expires/i);
      });

      test('the test cookie comes back on the next request', async () => {
        const client = browser();
        await client.get('/test-cookie/set');
        assert.equal((await client.get('/test-cookie/check')).body, 'cookies work');
        assert.equal((await browser().get('/test-cookie/check')).body, 'cookies blocked');
      });

      test('a redirect right after a write is followed by a request that sees the write', async () => {
        const client = browser();
        const response = await client.get('/write-then-redirect?color=teal');
        assert.equal(response.status, 302);
        assert.equal(new URL(response.headers.get('location') ?? '', served.url).pathname, '/read');
        assert.equal(response.setCookie.length, 1);
        assert.deepEqual(JSON.parse((await client.get('/read')).body), { color: 'teal' });
      });

      test('a 500 response saves nothing but still varies on Cookie', async () => {
        const client = browser();
        await client.get('/count');
        const response = await client.get('/error');
        assert.equal(response.status, 500);
        assert.deepEqual(response.setCookie, []);
        assert.equal(varies(response), true);
        assert.deepEqual(JSON.parse((await client.get('/read')).body), { visits: 1 });
      });

      test('tampered and garbage session cookies start a fresh session and never fail', async () => {
        const client = browser();
        await client.get('/count');
        const cookie = client.cookies.get('sessionid') ?? '';
        const tampered = `${cookie.slice(0, -2)}${cookie.endsWith('a') ? 'bb' : 'aa'}`;
        const garbage = [
          'x',
          'not a key at all',
          '../../etc/passwd',
          'é'.repeat(50),
          'a'.repeat(8000),
        ];
        for (const value of [tampered, ...garbage]) {
          const response = await browser().get('/count', { cookie: `sessionid=${value}` });
          assert.equal(response.status, 200, value.slice(0, 40));
          assert.equal(response.body, '1', value.slice(0, 40));
          assert.notEqual(browser().cookies.get('sessionid'), value);
        }
      });

      test("the app's own cookie and the session cookie both reach the browser", async () => {
        const client = browser();
        const response = await client.get('/signed/set-with-session');
        assert.deepEqual(response.setCookie.map((line) => line.split('=')[0]).sort(), [
          'fav',
          'sessionid',
        ]);
        assert.equal((await client.get('/signed/get')).body, 'green');
        assert.deepEqual(JSON.parse((await client.get('/read')).body), { color: 'green' });
      });

      test('signed cookies round-trip, and a tampered one reads as missing', async () => {
        const client = browser();
        await client.get('/signed/set');
        assert.equal((await client.get('/signed/get')).body, 'blue');
        client.cookies.set('fav', `red${(client.cookies.get('fav') ?? '').slice(4)}`);
        assert.equal((await client.get('/signed/get')).body, 'none');
      });
    });
  }
}
