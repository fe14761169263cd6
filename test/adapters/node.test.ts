import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, test } from 'node:test';
import { type SessionHandler, withSessions } from '../../src/adapters/node.ts';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import type { SessionData } from '../../src/session/data.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser } from '../helpers/browser.ts';
import { listen } from '../helpers/fetch-server.ts';
import { describeAdapter, type Reply, routes, SECRET } from './scenarios.ts';

function send(res: ServerResponse, reply: Reply): void {
  if (reply.kind === 'redirect') {
    // Headers passed to writeHead, then end at once: the save must still come first.
    res.writeHead(302, { Location: reply.location }).end();
  } else if (reply.kind === 'json') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(reply.body));
  } else {
    // Streamed in two writes, so the hold has to queue writes as well as the end.
    res.statusCode = reply.status ?? 200;
    res.write(reply.body.slice(0, 1));
    res.end(reply.body.slice(1));
  }
}

describeAdapter('node', (sessions) =>
  listen(
    createServer(
      withSessions(sessions, async (req, res, ctx) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const route = routes[url.pathname];
        if (route === undefined) {
          res.writeHead(404).end();
          return;
        }
        send(res, await route(ctx, url.searchParams));
      }),
    ),
  ),
);

describe('node adapter, beyond the shared scenarios', () => {
  const quiet = { warn() {}, error() {} };

  async function serve(handler: SessionHandler<SessionData>, engine = memoryStore()) {
    const sessions = createSessions({ secretKey: SECRET, engine, logger: quiet });
    const served = await listen(createServer(withSessions(sessions, handler)));
    after(() => served.close());
    return served;
  }

  test('a piped stream waits for the save, then arrives whole and in order', async () => {
    const served = await serve(async (_req, res, ctx) => {
      (await ctx.session()).set('streamed', true);
      const chunks = Array.from({ length: 200 }, (_, i) => `${i},`);
      await pipeline(Readable.from(chunks), res);
    });
    const response = await new Browser(served.url).get('/');
    assert.equal(response.body, Array.from({ length: 200 }, (_, i) => `${i},`).join(''));
    assert.equal(response.setCookie.length, 1);
  });

  test('headers given to writeHead are kept beside the session cookie', async () => {
    const served = await serve(async (_req, res, ctx) => {
      (await ctx.session()).set('a', 1);
      res.writeHead(201, { 'X-Custom': 'yes', Vary: 'Accept-Encoding' });
      res.end('made');
    });
    const response = await new Browser(served.url).get('/');
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-custom'), 'yes');
    assert.equal(response.headers.get('vary'), 'Accept-Encoding, Cookie');
    assert.equal(response.setCookie.length, 1);
  });

  test('a handler that throws answers 500 and saves nothing', async () => {
    const served = await serve(async (_req, _res, ctx) => {
      (await ctx.session()).set('lost', true);
      throw new Error('boom');
    });
    const response = await new Browser(served.url).get('/');
    assert.equal(response.status, 500);
    assert.equal(response.body, 'Internal Server Error');
    assert.deepEqual(response.setCookie, []);
  });

  test('a store that fails while saving answers 503 without its message', async () => {
    const failing = memoryStore();
    failing.create = async () => {
      throw new StoreUnavailable('coatcheck: secret-host:5432 refused', {
        cause: new Error('ECONNREFUSED'),
      });
    };
    const served = await serve(async (_req, res, ctx) => {
      (await ctx.session()).set('a', 1);
      res.end('never seen');
    }, failing);
    const response = await new Browser(served.url).get('/');
    assert.equal(response.status, 503);
    assert.equal(response.body, 'Service Unavailable');
    assert.doesNotMatch(response.body, /secret-host/);
  });

  test('a session deleted by a concurrent request answers 400 instead of coming back', async () => {
    const store = memoryStore();
    const served = await serve(async (req, res, ctx) => {
      const session = await ctx.session();
      if (req.url === '/logout-meanwhile' && session.sessionKey !== null) {
        await store.delete(session.sessionKey);
      }
      session.set('touched', true);
      res.end('ok');
    }, store);
    const browser = new Browser(served.url);
    await browser.get('/');
    const response = await browser.get('/logout-meanwhile');
    assert.equal(response.status, 400);
  });
});

describe('node adapter and the bytes of a Cookie header', () => {
  test('a browser sending UTF-8 cookie bytes reads them as text, as Django does', async () => {
    const sessions = createSessions({
      secretKey: SECRET,
      engine: memoryStore(),
      logger: { warn() {}, error() {} },
    });
    const served = await listen(
      createServer(
        withSessions(sessions, (_req, res, ctx) => void res.end(JSON.stringify(ctx.cookies))),
      ),
    );
    after(() => served.close());
    const { request } = await import('node:http');
    const body = await new Promise<string>((resolve, reject) => {
      // Node sends a header string as latin-1 bytes: this is how UTF-8 bytes go out raw.
      const cookie = Buffer.from('name=Zoë; city=Zürich', 'utf8').toString('latin1');
      request(served.url, { headers: { cookie } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    assert.deepEqual(JSON.parse(body), { name: 'Zoë', city: 'Zürich' });
  });
});
