/**
 * The examples of examples/ (and the README) run as written: they import `coatcheck` by its
 * package name, so this exercises the built package (`npm test` builds before it tests).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Browser } from '../helpers/browser.ts';
import { listen } from '../helpers/fetch-server.ts';

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
