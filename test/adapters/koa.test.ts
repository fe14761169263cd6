import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import Koa from 'koa';
import { sessionMiddleware } from '../../src/adapters/koa.ts';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser } from '../helpers/browser.ts';
import { listen } from '../helpers/fetch-server.ts';
import { describeAdapter, routes, SECRET } from './scenarios.ts';

describeAdapter('koa', async (sessions) => {
  const app = new Koa();
  app.silent = true;
  app.use(sessionMiddleware(sessions));
  app.use(async (ctx) => {
    const route = routes[ctx.path];
    if (route === undefined) return;
    const reply = await route(ctx.coatcheck, new URLSearchParams(ctx.querystring));
    if (reply.kind === 'redirect') ctx.redirect(reply.location);
    else if (reply.kind === 'json') ctx.body = reply.body;
    else {
      ctx.status = reply.status ?? 200;
      ctx.body = reply.body;
    }
  });
  return listen(createServer(app.callback()));
});

const quiet = { warn() {}, error() {} };

describe('koa adapter, beyond the shared scenarios', () => {
  test("a store failure while saving reaches Koa's error handling with its status", async () => {
    const failing = memoryStore();
    failing.create = async () => {
      throw new StoreUnavailable('coatcheck: the store is down');
    };
    const sessions = createSessions({ secretKey: SECRET, engine: failing, logger: quiet });
    const app = new Koa();
    const seen: unknown[] = [];
    app.on('error', (error) => seen.push(error));
    app.use(sessionMiddleware(sessions));
    app.use(async (ctx) => {
      (await ctx.session()).set('a', 1);
      ctx.redirect('/elsewhere');
    });
    const served = await listen(createServer(app.callback()));
    after(() => served.close());
    const response = await new Browser(served.url).get('/');
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('location'), null);
    assert.deepEqual(response.setCookie, []);
    assert.ok(seen[0] instanceof StoreUnavailable);
  });

  test('an error thrown below is rethrown, its status deciding what is saved', async () => {
    const sessions = createSessions({ secretKey: SECRET, engine: memoryStore(), logger: quiet });
    const app = new Koa();
    app.silent = true;
    app.use(sessionMiddleware(sessions));
    app.use(async (ctx) => {
      (await ctx.session()).set('a', 1);
      ctx.throw(ctx.query.status === '404' ? 404 : 500);
    });
    const served = await listen(createServer(app.callback()));
    after(() => served.close());
    const failed = await new Browser(served.url).get('/?status=500');
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.setCookie, []);
    assert.equal(failed.headers.get('vary'), 'Cookie');
    // Django saves the session of a 404 and sends its cookie: so does Koa's error response.
    const missing = await new Browser(served.url).get('/?status=404');
    assert.equal(missing.status, 404);
    assert.equal(missing.setCookie.length, 1);
    assert.equal(missing.headers.get('vary'), 'Cookie');
  });
});

// Compile-time checks of the declaration merging (never run): tsc fails if they stop failing.
export async function typed(ctx: import('koa').Context): Promise<void> {
  const session = await ctx.session<{ visits: number }>();
  // @ts-expect-error: visits is a number
  session.set('visits', 'many');
  // @ts-expect-error: the cookie API has no such method
  ctx.coatcheck.setCookies('a', 'b');
}
