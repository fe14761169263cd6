/**
 * Passport 0.7 with passport-local, and connect-flash, on coatcheck/express-session: the
 * libraries as published, unchanged, over real HTTP, on every engine the scenarios use.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import flash from 'connect-flash';
import express, { type NextFunction, type Request, type Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { sessionMiddleware } from '../../src/adapters/express-session.ts';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { Browser } from '../helpers/browser.ts';
import { listen, type Served } from '../helpers/fetch-server.ts';
import { engines, SECRET } from './scenarios.ts';

interface Account {
  id: string;
  username: string;
  password: string;
}

type Session = Record<string, unknown> | null | undefined;
// In this program req.session is coatcheck/express's method; see express-session.test.ts.
const sessionOf = (req: Request) => (req as unknown as { session: Session }).session;

function application(sessions: Sessions, accounts: Map<string, Account>): express.Express {
  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) => {
      const account = [...accounts.values()].find((candidate) => candidate.username === username);
      if (account === undefined || account.password !== password) {
        done(null, false, { message: 'Wrong username or password.' });
      } else done(null, account);
    }),
  );
  auth.serializeUser((user, done) => done(null, (user as Account).id));
  auth.deserializeUser((id: string, done) => done(null, accounts.get(id) ?? false));

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(sessionMiddleware(sessions));
  app.use(auth.session());
  app.use(flash());
  app.get('/login', (req, res) => res.json(req.flash('error')));
  app.post(
    '/login',
    auth.authenticate('local', {
      successRedirect: '/me',
      failureRedirect: '/login',
      failureFlash: true,
    }),
  );
  app.post(
    '/login-keeping',
    auth.authenticate('local', { successRedirect: '/me', keepSessionInfo: true }),
  );
  app.get('/me', (req, res) => {
    if (!req.isAuthenticated()) res.redirect('/login');
    else res.send(`Hello, ${(req.user as Account).username}.`);
  });
  app.get('/cart/add', (req, res) => {
    const session = sessionOf(req) ?? {};
    session.cart = [...((session.cart as string[] | undefined) ?? []), String(req.query.item)];
    res.json(session.cart);
  });
  app.post('/logout', (req, res, next) => {
    req.logout((error) => (error ? next(error) : res.redirect('/login')));
  });
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(error.message);
  });
  return app;
}

for (const engine of engines) {
  describe(`Passport and connect-flash on coatcheck/express-session, ${engine.name} engine`, () => {
    const accounts = new Map<string, Account>();
    let sessions: Sessions;
    let served: Served;
    const serverSide = engine.name !== 'signed-cookie';

    before(async () => {
      accounts.set('7', { id: '7', username: 'alice', password: 'wonderland' });
      sessions = createSessions({
        secretKey: SECRET,
        engine: engine.make(),
        logger: { warn() {}, error() {} },
      });
      served = await listen(createServer(application(sessions, accounts)));
    });
    after(() => served?.close());

    const logIn = (browser: Browser, password: string, path = '/login') =>
      browser.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `username=alice&password=${password}`,
      });
    const stored = async (key: string | undefined) => (await sessions.open(key ?? null)).toJSON();

    test('the protected page sends a visitor who is not logged in to the login page', async () => {
      const response = await new Browser(served.url).get('/me');
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), '/login');
    });

    test('a wrong password comes back to the login page with a message shown once', async () => {
      const browser = new Browser(served.url);
      const failed = await logIn(browser, 'guess');
      assert.equal(failed.headers.get('location'), '/login');
      assert.equal(failed.setCookie.length, 1);
      assert.deepEqual(JSON.parse((await browser.get('/login')).body), [
        'Wrong username or password.',
      ]);
      assert.deepEqual(JSON.parse((await browser.get('/login')).body), []);
      assert.equal((await browser.get('/me')).status, 302);
    });

    test('logging in moves the session to a new key holding only the user, in Django’s API', async () => {
      const browser = new Browser(served.url);
      await browser.get('/cart/add?item=apple');
      const planted = browser.cookies.get('sessionid');
      const login = await logIn(browser, 'wonderland');
      assert.equal(login.headers.get('location'), '/me');
      const key = browser.cookies.get('sessionid');
      assert.notEqual(key, planted);
      assert.equal((await browser.get('/me')).body, 'Hello, alice.');
      // Passport 0.7 regenerates at login: what the session held before is gone with its key.
      assert.deepEqual(await stored(key), { passport: { user: '7' } });
      if (serverSide) assert.deepEqual(await stored(planted), {});
    });

    test('keepSessionInfo carries the session’s data across the login', async () => {
      const browser = new Browser(served.url);
      await browser.get('/cart/add?item=pear');
      const planted = browser.cookies.get('sessionid');
      await logIn(browser, 'wonderland', '/login-keeping');
      assert.notEqual(browser.cookies.get('sessionid'), planted);
      assert.deepEqual(await stored(browser.cookies.get('sessionid')), {
        cart: ['pear'],
        passport: { user: '7' },
      });
    });

    test('logging out deletes the session and its cookie; the old cookie logs no one in', async () => {
      const browser = new Browser(served.url);
      await logIn(browser, 'wonderland');
      const key = browser.cookies.get('sessionid');
      const logout = await browser.post('/logout');
      assert.equal(logout.headers.get('location'), '/login');
      assert.match(logout.setCookie[0] ?? '', /^sessionid=""; .*Max-Age=0/);
      assert.equal(browser.cookies.size, 0);
      assert.equal((await browser.get('/me')).status, 302);
      if (serverSide) {
        const replay = await new Browser(served.url).get('/me', { cookie: `sessionid=${key}` });
        assert.equal(replay.headers.get('location'), '/login');
      }
    });

    test('a user deleted meanwhile is logged out: Passport’s in-place delete is saved', async () => {
      accounts.set('8', { id: '8', username: 'bob', password: 'builder' });
      const browser = new Browser(served.url);
      await browser.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=bob&password=builder',
      });
      assert.equal((await browser.get('/me')).body, 'Hello, bob.');
      accounts.delete('8');
      assert.equal((await browser.get('/me')).status, 302);
      assert.deepEqual(await stored(browser.cookies.get('sessionid')), { passport: {} });
    });
  });
}
