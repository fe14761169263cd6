import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { sessionPlugin } from '../../src/adapters/fastify.ts';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser } from '../helpers/browser.ts';
import { describeAdapter, routes, SECRET } from './scenarios.ts';

async function serve(app: ReturnType<typeof Fastify>) {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

describeAdapter('fastify', async (sessions) => {
  const app = Fastify();
  await app.register(sessionPlugin, { sessions });
  for (const [path, route] of Object.entries(routes)) {
    app.get(path, async (request, reply) => {
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      const answer = await route(request.coatcheck, query);
      if (answer.kind === 'redirect') return reply.redirect(answer.location, 302);
      if (answer.kind === 'json') return answer.body;
      return reply.code(answer.status ?? 200).send(answer.body);
    });
  }
  return serve(app);
});

const quiet = { warn() {}, error() {} };

describe('fastify adapter, beyond the shared scenarios', () => {
  test('a store failure while saving answers 503 through the error handler', async () => {
    const failing = memoryStore();
    failing.create = async () => {
      throw new StoreUnavailable('coatcheck: the store is down');
    };
    const sessions = createSessions({ secretKey: SECRET, engine: failing, logger: quiet });
    const app = Fastify();
    await app.register(sessionPlugin, { sessions });
    const seen: unknown[] = [];
    app.setErrorHandler((error: Error & { status?: number }, _request, reply) => {
      seen.push(error);
      return reply.code(error.status ?? 500).send(`handled: ${error.name}`);
    });
    app.get('/', async (request, reply) => {
      (await request.session()).set('a', 1);
      return reply.redirect('/elsewhere');
    });
    const served = await serve(app);
    after(() => served.close());
    const response = await new Browser(served.url).get('/');
    assert.equal(response.status, 503);
    assert.equal(response.body, 'handled: StoreUnavailable');
    assert.deepEqual(response.setCookie, []);
    assert.equal(response.headers.get('location'), null);
    assert.equal(seen.length, 1);
  });

  test('encapsulation: registered in a child scope, sibling scopes have no sessions', async () => {
    const sessions = createSessions({ secretKey: SECRET, engine: memoryStore(), logger: quiet });
    const app = Fastify();
    await app.register(async (child) => {
      await child.register(sessionPlugin, { sessions });
      child.get('/inside', async (request) => {
        (await request.session()).set('a', 1);
        return 'inside';
      });
    });
    app.get('/outside', async (request) => String(typeof request.session));
    const served = await serve(app);
    after(() => served.close());
    const browser = new Browser(served.url);
    assert.equal((await browser.get('/inside')).setCookie.length, 1);
    const outside = await browser.get('/outside');
    assert.equal(outside.body, 'undefined');
    assert.deepEqual(outside.setCookie, []);
    assert.equal(outside.headers.get('vary'), null);
  });

  test('an existing Vary header keeps its fields, with Cookie added', async () => {
    const sessions = createSessions({ secretKey: SECRET, engine: memoryStore(), logger: quiet });
    const app = Fastify();
    await app.register(sessionPlugin, { sessions });
    app.get('/', async (request, reply) => {
      (await request.session()).set('a', 1);
      return reply.header('vary', 'Origin').send('ok');
    });
    const served = await serve(app);
    after(() => served.close());
    assert.equal((await new Browser(served.url).get('/')).headers.get('vary'), 'Origin, Cookie');
  });
});

// Compile-time checks of the declaration merging (never run): tsc fails if they stop failing.
export async function typed(request: import('fastify').FastifyRequest): Promise<void> {
  const session = await request.session<{ visits: number }>();
  // @ts-expect-error: visits is a number
  session.set('visits', 'many');
  // @ts-expect-error: the cookie API has no such method
  request.coatcheck.setCookies('a', 'b');
}
