/**
 * The demo site in a real browser: Debian's Chromium, driven by playwright-core, over every
 * page, on every engine this checkout has. Screenshots of each page at phone and desktop
 * width go to test-results/screenshots/<engine>/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Cookie, Locator, Page } from 'playwright-core';
import { availableEngines, defaultEngine, ENGINES } from '../../demo/engines.ts';
import { PAGES } from '../../demo/routes/index.ts';
import { DemoStartError, type RunningDemo, startDemo } from '../../demo/server.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import { skipWithoutMemcached, startMemcached } from '../helpers/memcached.ts';

// The memcached and cached-db engines get a Memcached of this file's own, unless one is named.
const memcached =
  process.env.MEMCACHED_SERVERS === undefined && skipWithoutMemcached === false
    ? await startMemcached()
    : undefined;
if (memcached !== undefined) process.env.MEMCACHED_SERVERS = memcached.address;
after(() => memcached?.stop());

import { uniqueName } from '../helpers/databases.ts';
import { connectClient, deleteKeys, skipWithoutRedis } from '../helpers/redis-servers.ts';

// The redis engine's sessions go under a key prefix of this file's own, removed at the end.
const REDIS_PREFIX = uniqueName('coatcheck_demo');
process.env.REDIS_KEY_PREFIX = REDIS_PREFIX;
after(async () => {
  if (skipWithoutRedis !== false) return;
  const redis = await connectClient();
  await deleteKeys(redis, `${REDIS_PREFIX}*`);
  redis.destroy();
});

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

const missing = chromiumMissing;

// On CI a missing browser is a failure, not a quiet skip.
if (missing !== undefined && process.env.CI === 'true') {
  test('Chromium is installed for the browser tests', () => assert.fail(missing));
}

/** Text of an element, whitespace collapsed. */
async function text(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Clicks something that loads a new page (a form post and its redirect), and waits for it. */
async function submit(page: Page, target: Locator): Promise<void> {
  const loaded = page.waitForEvent('load');
  await target.click();
  await loaded;
}

async function go(page: Page, base: string, path: string): Promise<void> {
  await page.goto(new URL(path, base).href);
}

async function cookie(context: BrowserContext, name: string): Promise<Cookie | undefined> {
  return (await context.cookies()).find((candidate) => candidate.name === name);
}

const button = (page: Page, name: string | RegExp) => page.getByRole('button', { name });

let browser: Browser | undefined;

// Engines side by side, each on its own server; one engine's tests in turn (a suite's
// concurrency is inherited, so each engine's is set back to 1).
describe('the demo in Chromium', { skip: missing, concurrency: 2 }, () => {
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const engine of availableEngines()) {
    describe(`on the ${engine} engine`, { concurrency: 1 }, () => {
      const dataDir = mkdtempSync(join(tmpdir(), `coatcheck-demo-${engine}-`));
      const warnings: string[] = [];
      let demo: RunningDemo | undefined;
      let skipped: string | undefined;
      let base = '';
      const contexts: BrowserContext[] = [];

      before(async () => {
        try {
          demo = await startDemo({
            port: 0,
            engine,
            dataDir,
            log: () => {},
            logger: { warn: (...args) => warnings.push(args.join(' ')), error() {} },
          });
          base = demo.url;
        } catch (error) {
          // A database server that is not running here: that engine's pages cannot be tried.
          if (!(error instanceof DemoStartError) || ENGINES[engine]?.available() !== true)
            throw error;
          skipped = error.message;
        }
      });
      after(async () => {
        for (const context of contexts) await context.close();
        await demo?.close();
        rmSync(dataDir, { recursive: true, force: true });
      });

      /** A fresh browser profile: no cookies. */
      async function fresh(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
        assert.ok(browser);
        const context = await browser.newContext({ viewport: DESKTOP, ...options });
        contexts.push(context);
        return context.newPage();
      }

      const it = (name: string, body: () => Promise<void>) =>
        test(name, async (t) => {
          if (skipped !== undefined) return t.skip(skipped);
          await body();
        });
      // The cookie pages, the navigation and the screenshots do not depend on where sessions
      // live: they run once, on the engine `npm start` uses.
      const once = engine === defaultEngine() ? it : () => {};

      once('the home page links to every page, each with its view source', async () => {
        const page = await fresh();
        await go(page, base, '/');
        for (const entry of PAGES.slice(1)) {
          const link = page
            .locator('main .toc')
            .getByRole('link', { name: entry.title, exact: true });
          await submit(page, link);
          assert.equal(new URL(page.url()).pathname, entry.path);
          assert.equal(await page.locator('h1').textContent(), entry.title);
          const source = (await page.locator('.source pre').allTextContents()).join('\n');
          for (const view of entry.views) assert.match(source, new RegExp(`function ${view}\\(`));
          await page.goBack();
        }
      });

      it('the visit counter counts per browser, and forgets on request', async () => {
        const page = await fresh();
        await go(page, base, '/visits');
        assert.equal(await text(page, 'visits'), 'You have visited this page 1 time.');
        await page.reload();
        await page.reload();
        assert.equal(await text(page, 'visits'), 'You have visited this page 3 times.');
        const session = await cookie(page.context(), 'sessionid');
        assert.ok(session);
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, 'Lax');
        assert.ok(
          session.expires > Date.now() / 1000 + 1209600 - 60,
          'two weeks, Django’s default',
        );

        const other = await fresh();
        await go(other, base, '/visits');
        assert.equal(await text(other, 'visits'), 'You have visited this page 1 time.');

        await submit(page, button(page, 'Forget my visits'));
        assert.equal(await text(page, 'visits'), 'You have visited this page 1 time.');
      });

      it('a colour saved by one view is read by another', async () => {
        const page = await fresh();
        await go(page, base, '/colour/show');
        assert.match(await text(page, 'colour'), /not told us/);
        await go(page, base, '/colour');
        await page.getByLabel('Your favourite colour').selectOption('seagreen');
        await submit(page, button(page, 'Save it in the session'));
        assert.equal(new URL(page.url()).pathname, '/colour/show');
        assert.equal(await text(page, 'colour'), 'Your favourite colour is seagreen.');
        await go(page, base, '/colour/show');
        assert.equal(await text(page, 'colour'), 'Your favourite colour is seagreen.');
        await submit(page, button(page, 'Forget it'));
        assert.equal(await text(page, 'flash'), 'Forgot seagreen.');
      });

      it('the language comes from the session, else from Accept-Language', async () => {
        const page = await fresh({ locale: 'fr-FR' });
        await go(page, base, '/language');
        assert.equal(await text(page, 'greeting'), 'Bonjour, et bienvenue !');
        await page.getByLabel('Preferred language').selectOption('de');
        await submit(page, button(page, 'Save'));
        assert.equal(await text(page, 'greeting'), 'Hallo und willkommen!');
        await go(page, base, '/visits');
        await go(page, base, '/language');
        assert.equal(await text(page, 'greeting'), 'Hallo und willkommen!');
        await page.getByLabel('Preferred language').selectOption('');
        await submit(page, button(page, 'Save'));
        assert.equal(await text(page, 'greeting'), 'Bonjour, et bienvenue !');
      });

      it('the cart keeps what set() and modified = true store, and loses an in-place change', async () => {
        const page = await fresh();
        await go(page, base, '/cart');
        assert.equal(await text(page, 'cart'), 'The cart is empty.');
        const add = async (item: string, how: string) => {
          await page.getByLabel('Product').selectOption(item);
          await submit(page, button(page, how));
        };
        await add('apple', 'Add with set()');
        await add('bread', 'Add with set()');
        assert.deepEqual(await page.locator('.cart li span').allTextContents(), ['apple', 'bread']);

        await add('cheese', 'Add in place only');
        assert.match(await text(page, 'flash'), /not saved/);
        assert.deepEqual(await page.locator('.cart li span').allTextContents(), ['apple', 'bread']);

        await add('coffee', 'Add in place + modified');
        assert.deepEqual(await page.locator('.cart li span').allTextContents(), [
          'apple',
          'bread',
          'coffee',
        ]);

        // The inspector: the previous response was the add's redirect, which saved the session.
        assert.match(await text(page, 'previous-set-cookie'), /Set-Cookie: sessionid=/);
        assert.match(
          (await page.locator('.inspector').textContent()) ?? '',
          /POST \/cart\/add → 302/,
        );
        assert.match(await text(page, 'session-data'), /"cart": \[ "apple", "bread", "coffee" \]/);
        const stored = await text(page, 'stored-record');
        // The memory store keeps JSON; Memcached a pickle, which the inspector shows decoded; Redis
        // the pickle itself, as Python writes bytes.
        if (engine === 'memory' || engine === 'memcached') {
          assert.match(stored, /"cart":\["apple","bread","coffee"\]/);
        } else if (engine === 'redis') assert.match(stored, /^b'\\x80\\x05.*cart/, 'a pickle');
        else assert.match(stored, /^[\w.-]+:[\w-]+:[\w-]+$/, 'Django’s signed, encoded form');

        await submit(page, button(page, 'Remove apple (item 1)'));
        assert.deepEqual(await page.locator('.cart li span').allTextContents(), [
          'bread',
          'coffee',
        ]);
        await submit(page, button(page, 'Clear the cart'));
        assert.equal(await text(page, 'cart'), 'The cart is empty.');
      });

      it('the last visit time is remembered', async () => {
        const page = await fresh();
        await go(page, base, '/last-visit');
        assert.match(await text(page, 'last-visit'), /first visit/);
        await page.reload();
        assert.match(
          await text(page, 'last-visit'),
          /^Your last visit was at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, \d+ seconds? ago\.$/,
        );
      });

      it('expiry: an hour, custom seconds, the default, and browser close ending with the browser', async () => {
        const page = await fresh();
        const context = page.context();
        await go(page, base, '/visits');
        await go(page, base, '/expiry');
        assert.equal(await text(page, 'expiry-age'), '1209600 seconds');

        await submit(page, button(page, 'In one hour'));
        assert.equal(await text(page, 'expiry-age'), '3600 seconds');
        const hour = await cookie(context, 'sessionid');
        assert.ok(hour && Math.abs(hour.expires - (Date.now() / 1000 + 3600)) < 60);
        assert.match(await text(page, 'previous-set-cookie'), /Max-Age=3600;/);

        await page.getByLabel('Seconds of inactivity').fill('90');
        await submit(page, button(page, 'Set'));
        assert.equal(await text(page, 'expiry-age'), '90 seconds');
        const expires = Date.parse(await text(page, 'expiry-date'));
        assert.ok(Math.abs(expires - (Date.now() + 90_000)) < 30_000);

        await submit(page, button(page, 'The default'));
        assert.equal(await text(page, 'expiry-age'), '1209600 seconds');

        await submit(page, button(page, 'When the browser closes'));
        assert.equal(await text(page, 'browser-close'), 'true');
        const ending = await cookie(context, 'sessionid');
        assert.equal(ending?.expires, -1, 'a session cookie: no Max-Age, no expires');
        await go(page, base, '/visits');
        assert.equal(await text(page, 'visits'), 'You have visited this page 2 times.');

        // "Closing the browser": a new profile gets the cookies that outlive the session.
        const state = await context.storageState();
        const kept = state.cookies.filter((each) => each.expires !== -1);
        assert.ok(kept.some((each) => each.name === 'demo_browser'));
        assert.ok(!kept.some((each) => each.name === 'sessionid'));
        const reopened = await fresh({ storageState: { ...state, cookies: kept } });
        await go(reopened, base, '/visits');
        assert.equal(await text(reopened, 'visits'), 'You have visited this page 1 time.');
      });

      it('the test cookie works in a browser that keeps cookies, and says so when it refuses them', async () => {
        const page = await fresh();
        await go(page, base, '/test-cookie');
        await submit(page, page.getByRole('link', { name: 'Check whether it came back' }));
        assert.equal(await text(page, 'test-cookie'), 'Your browser accepts cookies.');

        // A browser that refuses cookies: requests leave without Cookie, responses arrive
        // without Set-Cookie.
        const refusing = await fresh();
        await refusing.context().route(`${base}/**`, async (route) => {
          const request = route.request();
          const headers = { ...request.headers() };
          delete headers.cookie;
          const body = request.postDataBuffer();
          const response = await fetch(request.url(), {
            method: request.method(),
            headers,
            redirect: 'manual',
            ...(body === null ? {} : { body }),
          });
          const out: Record<string, string> = {};
          response.headers.forEach((value, name) => {
            if (name !== 'set-cookie') out[name] = value;
          });
          await route.fulfill({
            status: response.status,
            headers: out,
            body: Buffer.from(await response.arrayBuffer()),
          });
        });
        await go(refusing, base, '/test-cookie');
        await submit(refusing, refusing.getByRole('link', { name: 'Check whether it came back' }));
        assert.equal(await text(refusing, 'test-cookie'), 'Please enable cookies and try again.');
        assert.deepEqual(await refusing.context().cookies(), []);
      });

      it('login: the secret page redirects, bad credentials show an error, login cycles the key, logout flushes', async () => {
        const page = await fresh();
        const context = page.context();
        await go(page, base, '/secret');
        assert.equal(new URL(page.url()).pathname, '/login');
        assert.equal(new URL(page.url()).searchParams.get('next'), '/secret');

        await page.getByLabel('Username').fill('root');
        await page.getByLabel('Password').fill('wrong');
        await submit(page, button(page, 'Log in'));
        const error = page.getByTestId('login-error');
        assert.equal(
          await error.textContent(),
          "Your username and password didn't match. Please try again.",
        );
        const errorBox = await error.boundingBox();
        const formBox = await page.getByTestId('login-form').boundingBox();
        assert.ok(errorBox && formBox && errorBox.y < formBox.y, 'the error is above the form');
        assert.equal(await page.getByLabel('Username').inputValue(), 'root');

        const before = (await cookie(context, 'sessionid'))?.value;
        await page.getByLabel('Password').fill('pass');
        await submit(page, button(page, 'Log in'));
        assert.equal(new URL(page.url()).pathname, '/secret');
        assert.match(await text(page, 'secret'), /for root only/);
        const after = (await cookie(context, 'sessionid'))?.value;
        assert.ok(before && after && before !== after, 'a new session cookie at login');
        const welcome = (await text(page, 'flash')) ?? '';
        if (engine === 'signed-cookie') {
          assert.match(welcome, /no key to cycle/);
        } else {
          assert.match(
            welcome,
            new RegExp(`from key ${before.slice(0, 8)}…\\w{4} to ${after.slice(0, 8)}…`),
          );
          // The key from before login no longer names a session: a replay starts afresh.
          const replay = await fresh();
          const url = new URL(base);
          await replay
            .context()
            .addCookies([{ name: 'sessionid', value: before, domain: url.hostname, path: '/' }]);
          await go(replay, base, '/secret');
          assert.equal(new URL(replay.url()).pathname, '/login');
        }

        await go(page, base, '/login');
        assert.match(await text(page, 'login-state'), /logged in as root/);
        await submit(page, button(page, 'Log out'));
        assert.equal(await text(page, 'flash'), 'You are logged out: the session was flushed.');
        assert.match(
          await text(page, 'previous-set-cookie'),
          /sessionid=""; expires=Thu, 01 Jan 1970/,
        );
        await go(page, base, '/secret');
        assert.equal(new URL(page.url()).pathname, '/login');
      });

      once('the theme cookie switches every page between light and dark', async () => {
        const page = await fresh({ colorScheme: 'light' });
        await go(page, base, '/cookies/theme');
        const html = page.locator('html');
        assert.equal(await html.getAttribute('data-theme'), 'auto');
        await submit(page, button(page, 'Dark'));
        assert.equal(await html.getAttribute('data-theme'), 'dark');
        assert.equal(await text(page, 'theme'), 'The theme cookie says dark.');
        const theme = await cookie(page.context(), 'theme');
        assert.equal(theme?.value, 'dark');
        assert.ok(theme && theme.expires > Date.now() / 1000 + 364 * 24 * 3600);
        const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
        assert.equal(background, 'rgb(22, 21, 20)');
        await go(page, base, '/visits');
        assert.equal(await html.getAttribute('data-theme'), 'dark');

        await go(page, base, '/cookies/theme');
        await submit(page, button(page, 'Light'));
        assert.equal(await html.getAttribute('data-theme'), 'light');
        await submit(page, button(page, 'Delete the cookie'));
        assert.equal(await html.getAttribute('data-theme'), 'auto');
        assert.equal(await cookie(page.context(), 'theme'), undefined);
      });

      once(
        'the user_name cookie greets a guest, then the name, quoted as Django quotes it',
        async () => {
          const page = await fresh();
          await go(page, base, '/cookies/name');
          assert.equal(await text(page, 'hello'), 'Hello, Guest!');
          await page.getByLabel('Your name').fill('Ada Lovelace');
          await submit(page, button(page, 'Remember me'));
          assert.equal(await text(page, 'hello'), 'Hello, Ada Lovelace!');
          assert.equal((await cookie(page.context(), 'user_name'))?.value, '"Ada Lovelace"');

          await page.getByLabel('Your name').fill('Zoë');
          await submit(page, button(page, 'Remember me'));
          assert.equal(await text(page, 'hello'), 'Hello, Zoë!');
          assert.equal((await cookie(page.context(), 'user_name'))?.value, '"Zo\\353"');

          await page.getByLabel('Your name').fill('李');
          await submit(page, button(page, 'Remember me'));
          assert.match(await text(page, 'flash'), /Latin script/);
          assert.equal(await text(page, 'hello'), 'Hello, Zoë!');

          await submit(page, button(page, 'Forget my name'));
          assert.equal(await text(page, 'hello'), 'Hello, Guest!');
        },
      );

      once('the cookie visit counter welcomes a returning visitor', async () => {
        const page = await fresh();
        await go(page, base, '/cookies/visits');
        assert.equal(await text(page, 'cookie-visits'), 'Welcome! This is your first visit.');
        await page.reload();
        assert.equal(await text(page, 'cookie-visits'), 'Welcome back! This is visit number 2.');
        assert.equal((await cookie(page.context(), 'visits'))?.value, '2');
        // The visitor owns the number.
        const url = new URL(base);
        await page
          .context()
          .addCookies([{ name: 'visits', value: '41', domain: url.hostname, path: '/' }]);
        await page.reload();
        assert.equal(await text(page, 'cookie-visits'), 'Welcome back! This is visit number 42.');
        await submit(page, button(page, 'Delete the cookie'));
        assert.equal(await text(page, 'cookie-visits'), 'Welcome! This is your first visit.');
      });

      once('a tampered signed cookie reads as missing, and is logged', async () => {
        const page = await fresh();
        const context = page.context();
        await go(page, base, '/cookies/signed');
        assert.equal(await text(page, 'plan'), 'No plan cookie yet.');
        await submit(page, button(page, 'Give me the free plan'));
        assert.equal(await text(page, 'plan'), 'Your plan: free (signature checked).');
        const signed = await cookie(context, 'plan');
        assert.match(signed?.value ?? '', /^free:[0-9A-Za-z]+:[\w-]{43}$/);

        // Edited by hand, as in the developer tools.
        const url = new URL(base);
        const forged = (signed?.value ?? '').replace(/^free/, 'pro');
        await context.addCookies([
          { name: 'plan', value: forged, domain: url.hostname, path: '/' },
        ]);
        const warned = warnings.length;
        await page.reload();
        assert.match(await text(page, 'plan'), /tampered with: getSignedCookie\(\) gave undefined/);
        assert.equal(await text(page, 'plan-raw'), `plan=${forged}`);
        assert.ok(
          warnings.slice(warned).some((line) => line.includes('"plan"')),
          'coatcheck logged the rejected cookie',
        );

        // And with the page's own button, which edits document.cookie.
        await submit(page, button(page, 'Sign a fresh one'));
        assert.equal(await text(page, 'plan'), 'Your plan: free (signature checked).');
        await submit(page, button(page, 'Tamper: make it pro'));
        assert.match(await text(page, 'plan'), /tampered with/);
        assert.match((await cookie(context, 'plan'))?.value ?? '', /^pro:/);
        await submit(page, button(page, 'Delete it'));
        assert.equal(await cookie(context, 'plan'), undefined);
      });

      it('a forged post gets a 403 that says why, and changes nothing', async () => {
        const page = await fresh();
        const context = page.context();
        await go(page, base, '/cart');
        await page.getByLabel('Product').selectOption('lemon');
        await submit(page, button(page, 'Add with set()'));

        // The home page's button: the cart's form without its token.
        await go(page, base, '/');
        const response = page.waitForResponse((r) => r.url().endsWith('/cart/clear'));
        await submit(page, button(page, 'Post without the token'));
        assert.equal((await response).status(), 403);
        assert.equal(await text(page, 'reason'), 'CSRF token missing.');
        assert.match(
          (await page.locator('h1').textContent()) ?? '',
          /403 · CSRF verification failed/,
        );

        // A token that is not this session's.
        const wrong = await context.request.post(`${base}/cart/clear`, {
          form: { csrfmiddlewaretoken: 'a'.repeat(64) },
          maxRedirects: 0,
        });
        assert.equal(wrong.status(), 403);
        assert.match(await wrong.text(), /CSRF token from POST incorrect\./);

        // Another site's page that posts here on load.
        await context.route('http://evil.test/', (route) =>
          route.fulfill({
            contentType: 'text/html',
            body: `<form method="post" action="${base}/cart/clear"><input name="csrfmiddlewaretoken" value="${'b'.repeat(64)}"></form><script>document.forms[0].submit()</script>`,
          }),
        );
        const forged = page.waitForResponse((r) => r.url().endsWith('/cart/clear'));
        await page.goto('http://evil.test/');
        assert.equal((await forged).status(), 403);
        await page.waitForLoadState();
        assert.match(
          await text(page, 'reason'),
          /^Origin checking failed - http:\/\/evil\.test does not match/,
        );

        await go(page, base, '/cart');
        assert.deepEqual(await page.locator('.cart li span').allTextContents(), ['lemon']);
      });

      once('an unknown page is a 404 with the navigation', async () => {
        const page = await fresh();
        const response = await page.goto(`${base}/nowhere`);
        assert.equal(response?.status(), 404);
        assert.equal(await text(page, 'reason'), 'There is no page at /nowhere.');
        assert.ok(await page.locator('nav.sidebar a[href="/cart"]').isVisible());
      });

      once('every page, at phone and desktop width, screenshotted', async () => {
        const folder = SCREENSHOTS;
        rmSync(folder, { recursive: true, force: true });
        mkdirSync(folder, { recursive: true });
        // A visitor who has used the site a little, so the pages have something to show.
        const page = await fresh();
        await go(page, base, '/cart');
        for (const item of ['apple', 'cheese']) {
          await page.getByLabel('Product').selectOption(item);
          await submit(page, button(page, 'Add with set()'));
        }
        await go(page, base, '/colour');
        await submit(page, button(page, 'Save it in the session'));
        await go(page, base, '/cookies/name');
        await page.getByLabel('Your name').fill('Ada');
        await submit(page, button(page, 'Remember me'));
        await go(page, base, '/cookies/signed');
        await submit(page, button(page, 'Give me the free plan'));

        const shots: [string, string][] = PAGES.map((entry) => [
          entry.path === '/' ? 'home' : entry.path.slice(1).replaceAll('/', '-'),
          entry.path,
        ]);
        shots.push(['colour-show', '/colour/show'], ['not-found', '/nowhere']);
        for (const [size, viewport] of [
          ['phone', PHONE],
          ['desktop', DESKTOP],
        ] as const) {
          await page.setViewportSize(viewport);
          for (const [name, path] of shots) {
            await go(page, base, path);
            await page.screenshot({ path: join(folder, `${name}-${size}.png`), fullPage: true });
            // No visitor should have to scroll a whole page sideways (code blocks scroll alone).
            const overflow = await page.evaluate<number>(
              'document.documentElement.scrollWidth - document.documentElement.clientWidth',
            );
            assert.ok(
              overflow <= 0,
              `${path} at ${size} width is ${overflow}px wider than the screen`,
            );
          }
        }
        // Dark, once.
        await go(page, base, '/cookies/theme');
        await submit(page, button(page, 'Dark'));
        await go(page, base, '/cart');
        await page.screenshot({ path: join(folder, 'cart-dark-desktop.png'), fullPage: true });
        console.log(`screenshots: ${folder}`);
        assert.ok(existsSync(join(folder, 'cart-phone.png')));
      });
    });
  }
});
