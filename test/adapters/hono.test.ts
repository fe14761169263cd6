import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { type SessionVariables, sessionMiddleware } from '../../src/adapters/hono.ts';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser } from '../helpers/browser.ts';
import { listen, serveFetch } from '../helpers/fetch-server.ts';
import { describeAdapter, routes, SECRET } from './scenarios.ts';

function app(sessions: Sessions) {
  const hono = new Hono<{ Variables: SessionVariables }>();
  hono.use(sessionMiddleware(sessions));
  for (const [path, route] of Object.entries(routes)) {
    hono.get(path, async (c) => {
      const reply = await route(c.var.coatcheck, new URL(c.req.url).searchParams);
      if (reply.kind === 'redirect') return c.redirect(reply.location, 302);
      // Response.json makes headers the adapter must copy to change.
      if (reply.kind === 'json') return Response.json(reply.body);
      return c.text(reply.body, (reply.status ?? 200) as 200);
    });
  }
  return hono;
}

// On Node through Hono's own server, and as a bare Fetch handler as other runtimes call it.
describeAdapter('hono on @hono/node-server', async (sessions) =>
  listen(createAdaptorServer({ fetch: app(sessions).fetch }) as never),
);
describeAdapter('hono as a Fetch handler', async (sessions) =>
  serveFetch(async (request) => app(sessions).fetch(request)),
);

const quiet = { warn() {}, error() {} };

describe('hono adapter, beyond the shared scenarios', () => {
  test('a store failure while saving answers a bare 503, without the app’s headers', async () => {
    const failing = memoryStore();
    failing.create = async () => {
      throw new StoreUnavailable('coatcheck: the store is down');
    };
    const logged: string[] = [];
    const sessions = createSessions({
      secretKey: SECRET,
      engine: failing,
      logger: { warn() {}, error: (message: string) => void logged.push(message) },
    });
    const hono = new Hono<{ Variables: SessionVariables }>();
    hono.use(sessionMiddleware(sessions));
    hono.get('/', async (c) => {
      (await c.var.session()).set('a', 1);
      return c.redirect('/elsewhere');
    });
    const response = await hono.fetch(new Request('http://example.test/'));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('location'), null);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.deepEqual(logged, ['request failed with 503']);
  });

  test('a response whose headers are immutable (Response.redirect) still carries the cookie', async () => {
    const sessions = createSessions({ secretKey: SECRET, engine: memoryStore(), logger: quiet });
    const hono = new Hono<{ Variables: SessionVariables }>();
    hono.use(sessionMiddleware(sessions));
    hono.get('/', async (c) => {
      (await c.var.session()).set('a', 1);
      c.res = Response.redirect('http://example.test/elsewhere', 302);
      return c.res;
    });
    const response = await hono.fetch(new Request('http://example.test/'));
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), 'http://example.test/elsewhere');
    assert.match(response.headers.getSetCookie()[0] ?? '', /^sessionid=[a-z0-9]{32};/);
    assert.equal(response.headers.get('vary'), 'Cookie');
  });

  test('a handler that throws gets Hono’s 500, varied on Cookie, nothing saved', async () => {
    const sessions = createSessions({ secretKey: SECRET, engine: memoryStore(), logger: quiet });
    const hono = new Hono<{ Variables: SessionVariables }>();
    hono.use(sessionMiddleware(sessions));
    hono.get('/', async (c) => {
      (await c.var.session()).set('a', 1);
      throw new Error('boom');
    });
    hono.onError((_error, c) => c.text('handled', 500));
    const served = await serveFetch(async (request) => hono.fetch(request));
    after(() => served.close());
    const response = await new Browser(served.url).get('/');
    assert.equal(response.status, 500);
    assert.equal(response.body, 'handled');
    assert.deepEqual(response.setCookie, []);
    assert.equal(response.headers.get('vary'), 'Cookie');
  });
});

// Compile-time checks of the Variables typing (never run): tsc fails if they stop failing.
export function typed(): void {
  const hono = new Hono<{ Variables: SessionVariables<{ visits: number }> }>();
  hono.get('/', async (c) => {
    const session = await c.var.session();
    // @ts-expect-error: visits is a number
    session.set('visits', 'many');
    // @ts-expect-error: the cookie API has no such method
    c.var.coatcheck.setCookies('a', 'b');
    return c.text('');
  });
}
