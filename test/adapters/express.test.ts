import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sessionMiddleware } from '../../src/adapters/express.ts';
import { StoreUnavailable } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { Browser } from '../helpers/browser.ts';
import { listen } from '../helpers/fetch-server.ts';
import { serveScenarios } from './express-scenarios.ts';
import { describeAdapter, SECRET } from './scenarios.ts';

describeAdapter('express', async (sessions) => serveScenarios(sessionMiddleware(sessions)));

describe('express adapter, beyond the shared scenarios', () => {
  test("a store failure while saving reaches Express's error handler with its status", async () => {
    const failing = memoryStore();
    failing.create = async () => {
      throw new StoreUnavailable('coatcheck: the store is down');
    };
    const sessions = createSessions({
      secretKey: SECRET,
      engine: failing,
      logger: { warn() {}, error() {} },
    });
    const app = express();
    app.use(sessionMiddleware(sessions));
    app.get('/', async (req, res) => {
      (await req.session()).set('a', 1);
      res.send('never seen');
    });
    const seen: unknown[] = [];
    app.use(
      (error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        seen.push(error);
        res.status(error.status ?? 500).send(`handled: ${error.name}`);
      },
    );
    const served = await listen(createServer(app));
    after(() => served.close());
    const response = await new Browser(served.url).get('/');
    assert.equal(response.status, 503);
    assert.equal(response.body, 'handled: StoreUnavailable');
    assert.equal(seen.length, 1);
  });

  test('raw header arrays given to writeHead keep the session headers too', async () => {
    const sessions = createSessions({
      secretKey: SECRET,
      engine: memoryStore(),
      logger: { warn() {}, error() {} },
    });
    const app = express();
    app.use(sessionMiddleware(sessions));
    app.get('/', async (req, res) => {
      (await req.session()).set('a', 1);
      res.writeHead(200, ['Content-Type', 'text/plain', 'Vary', 'Origin']);
      res.end('raw');
    });
    const served = await listen(createServer(app));
    after(() => served.close());
    const response = await new Browser(served.url).get('/');
    assert.equal(response.headers.get('vary'), 'Origin, Cookie');
    assert.equal(response.setCookie.length, 1);
  });

  test('req.session detached from the request says how to call it', async () => {
    const sessions = createSessions({ secretKey: SECRET, engine: memoryStore() });
    const app = express();
    app.use(sessionMiddleware(sessions));
    app.get('/', (req, res) => {
      const { session } = req;
      assert.throws(() => session(), /call req\.session\(\) on the request/);
      res.send('ok');
    });
    const served = await listen(createServer(app));
    after(() => served.close());
    assert.equal((await new Browser(served.url).get('/')).body, 'ok');
  });
});
