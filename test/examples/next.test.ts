/**
 * examples/next/, the Next.js App Router example, as a user runs it: `next build`, then
 * `next start` on a loopback port, over real HTTP (forms posted the way a browser without
 * JavaScript posts them) and in Chromium (server actions called the way Next's client calls
 * them). The app imports `coatcheck` by its package name, so this exercises the built package
 * (`npm test` builds before it tests). The build goes to examples/next/.next-test/, once per run.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Browser } from '../helpers/browser.ts';
import { freePort, killChild } from '../helpers/child-servers.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const app = join(root, 'examples/next');
const distDir = '.next-test';
const nextBin = join(root, 'node_modules/next/dist/bin/next');
const dataDir = mkdtempSync(join(tmpdir(), 'coatcheck-next-'));
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  NEXT_DIST_DIR: distDir,
  SECRET_KEY: 'next-example-tests-secret-key-0123456789-abcdefghijklmnop',
  SESSION_DB: join(dataDir, 'sessions.sqlite3'),
};

/** Runs `next <args>` in the repository; resolves with its output once it exits with 0. */
function next(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], { cwd: root, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`next ${args[0]} exited ${code}:\n${output}`)),
    );
  });
}

/** Starts `next start` and resolves once it answers. */
async function start(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [nextBin, 'start', app, '-p', `${port}`, '-H', '127.0.0.1'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  for (let tries = 0; tries < 100; tries++) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
    const answered = await fetch(`http://127.0.0.1:${port}/api/visits`).catch(() => undefined);
    if (answered?.ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await killChild(child);
  throw new Error(`next start did not answer:\n${output}`);
}

/**
 * The fields a browser without JavaScript posts for the form whose submit button says `label`:
 * Next renders each server action's form with a hidden `$ACTION_ID_<id>` input.
 */
function formFor(html: string, label: string): FormData {
  for (const [form = ''] of html.matchAll(/<form\b.*?<\/form>/gs)) {
    if (!form.includes(`>${label}</button>`)) continue;
    const id = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(form)?.[1];
    assert.ok(id, `no action id in the form of ${label}`);
    const data = new FormData();
    data.set(id, '');
    return data;
  }
  throw new Error(`no form with a ${label} button`);
}

/** The text of the element with this test id, tags and React's comment markers removed. */
function textOf(html: string, testId: string): string {
  const inner = new RegExp(`data-testid="${testId}"[^>]*>(.*?)</p>`, 's').exec(html)?.[1] ?? '';
  return inner.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, '');
}

let server: ChildProcess | undefined;
let base = '';

before(async () => {
  assert.ok(existsSync(join(root, 'dist/adapters/next.js')), 'run `npm run build` first');
  rmSync(join(app, distDir), { recursive: true, force: true });
  await next(['build', app]);
  const port = await freePort();
  server = await start(port);
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await killChild(server);
  rmSync(join(app, distDir), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** Posts a page's form as a browser without JavaScript does (Next checks the Origin). */
async function submit(browser: Browser, path: string, label: string, fields = {}) {
  const form = formFor((await browser.get(path)).body, label);
  for (const [name, value] of Object.entries(fields)) form.set(name, String(value));
  return browser.request(path, { method: 'POST', body: form, headers: { origin: base } });
}

describe('examples/next over HTTP', () => {
  test('a page that reads no session yet sets no cookie', async () => {
    const response = await new Browser(base).get('/');
    assert.equal(response.status, 200);
    assert.equal(textOf(response.body, 'visits'), 'You have been here 0 times.');
    assert.deepEqual(response.setCookie, []);
    // Next marks a page that reads cookies() dynamic and uncacheable: no Vary: Cookie needed.
    assert.match(response.headers.get('cache-control') ?? '', /private, no-cache, no-store/);
  });

  test('a server action counts a visit: its cookie reaches the browser, the page sees it', async () => {
    const browser = new Browser(base);
    const first = await submit(browser, '/', 'Count a visit');
    assert.equal(first.status, 200);
    assert.match(
      first.setCookie[0] ?? '',
      /^sessionid=[a-z0-9]{32}; Path=\/; Expires=.+; Max-Age=1209600; HttpOnly; SameSite=lax$/,
    );
    // The page rendered after the action, in the same response, reads the new session.
    assert.equal(textOf(first.body, 'visits'), 'You have been here 1 time.');
    await submit(browser, '/', 'Count a visit');
    assert.equal(textOf((await browser.get('/')).body, 'visits'), 'You have been here 2 times.');
    assert.equal(
      textOf((await new Browser(base).get('/')).body, 'visits'),
      'You have been here 0 times.',
    );
  });

  test('a route handler reads and writes the session, with Vary: Cookie', async () => {
    const browser = new Browser(base);
    await submit(browser, '/', 'Count a visit');
    const read = await browser.get('/api/visits');
    assert.deepEqual(JSON.parse(read.body), { visits: 1 });
    assert.deepEqual(read.setCookie, []);
    assert.match(read.headers.get('vary') ?? '', /\bCookie\b/);
    const written = await browser.post('/api/visits');
    assert.deepEqual(JSON.parse(written.body), { visits: 2 });
    assert.equal(written.setCookie.length, 1);
    assert.equal(textOf((await browser.get('/')).body, 'visits'), 'You have been here 2 times.');
  });

  test('a signed cookie set by an action reads back; a forged one reads as missing', async () => {
    const browser = new Browser(base);
    const response = await submit(browser, '/', 'Dark', { theme: 'dark' });
    // Next percent-encodes the value it sends (Django's `:` separators); the adapter reads it
    // back decoded, as Next does.
    assert.match(response.setCookie[0] ?? '', /^theme=dark%3A[\w-]+%3A[\w-]+; Path=\/$/);
    assert.equal(textOf((await browser.get('/')).body, 'theme'), 'Theme: dark');
    browser.cookies.set('theme', `light${(browser.cookies.get('theme') ?? '').slice(4)}`);
    assert.equal(textOf((await browser.get('/')).body, 'theme'), 'Theme: none chosen');
  });

  test('the proxy keeps /account for a logged-in session; login cycles the key, logout flushes', async () => {
    const browser = new Browser(base);
    const kept = await browser.get('/account');
    assert.equal(kept.status, 307);
    assert.equal(new URL(kept.headers.get('location') ?? '', base).pathname, '/');
    await submit(browser, '/', 'Count a visit');
    const before = browser.cookies.get('sessionid');
    const login = await submit(browser, '/', 'Log in', { user: 'bob' });
    // redirect() inside withSession: the session is saved and its cookie sent with the 303.
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/account');
    assert.notEqual(browser.cookies.get('sessionid'), before);
    const account = await browser.get('/account');
    assert.equal(account.status, 200);
    assert.equal(textOf(account.body, 'user'), 'Signed in as bob.');
    const replayed = await new Browser(base).get('/account', { cookie: `sessionid=${before}` });
    assert.equal(replayed.status, 307, 'the key from before the login is worthless');
    const logout = await submit(browser, '/account', 'Log out');
    assert.equal(logout.status, 303);
    assert.match(
      logout.setCookie[0] ?? '',
      /^sessionid=; Path=\/; Expires=Thu, 01 Jan 1970 .*Max-Age=0/,
    );
    assert.equal(browser.cookies.size, 0);
    assert.equal((await browser.get('/account')).status, 307);
  });
});

const noChromium = chromiumMissing ?? false;
if (noChromium !== false && process.env.CI === 'true') {
  test('Chromium is installed for the browser tests', () => assert.fail(noChromium));
}

describe('examples/next in Chromium', { skip: noChromium }, () => {
  test('server actions called by Next’s client count, log in and log out', async () => {
    const chrome = await launchChromium();
    after(() => chrome.close());
    const context = await chrome.newContext();
    const page = await context.newPage();
    await page.goto(base);
    const visits = page.getByTestId('visits');
    await visits.getByText('0 times').waitFor();
    await page.getByRole('button', { name: 'Count a visit' }).click();
    await visits.getByText('1 time.').waitFor();
    await page.getByRole('button', { name: 'Count a visit' }).click();
    await visits.getByText('2 times').waitFor();
    await page.reload();
    assert.equal(await visits.textContent(), 'You have been here 2 times.');
    const cookie = (await context.cookies()).find((c) => c.name === 'sessionid');
    assert.equal(cookie?.httpOnly, true);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/account`);
    assert.equal(await page.getByTestId('user').textContent(), 'Signed in as alice.');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/`);
    await visits.getByText('0 times').waitFor();
    assert.equal(
      (await context.cookies()).find((c) => c.name === 'sessionid'),
      undefined,
    );
  });
});
