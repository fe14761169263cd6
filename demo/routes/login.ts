/**
 * The lousy login of Django's sessions tutorial, with what a real login adds: a new session
 * key at login (so a key planted beforehand is worthless), a new CSRF secret, and a flush at
 * logout. The username is root and the password is pass.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Session } from '../../src/index.ts';
import { rotateCsrfToken } from '../csrf.ts';
import { abbreviate } from '../inspector.ts';
import { messages, type Notice } from '../messages.ts';
import type { Page } from '../pages.ts';
import { demoLocals, render } from '../render.ts';

export const page: Page = {
  path: '/login',
  title: 'Log in and out',
  group: 'Logging in',
  summary:
    'The lousy login: cycleKey at login, flush at logout, a secret page between.',
  views: ['loginForm', 'login', 'secretPage', 'logout'],
  module: import.meta.url,
  templates: ['login.njk', 'secret.njk'],
  mount(router) {
    router.get('/login', loginForm);
    router.post('/login', login);
    router.get('/secret', secretPage);
    router.post('/logout', logout);
  },
};

type Data = { username: string };

const MISMATCH = "Your username and password didn't match. Please try again.";

// Only a path on this site: a `next` of https://evil.example would make the
// login page an open redirect.
function nextPage(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value)
    ? value
    : '/secret';
}

// With signed cookies a session has no key: the cookie changes with the data.
function keyChange(
  req: Request,
  before: string | null,
  session: Session,
): string {
  if (demoLocals(req).engine.name === 'signed-cookie') {
    return 'With signed cookies there is no key to cycle: the whole cookie was replaced.';
  }
  const from = abbreviate(before);
  const to = abbreviate(session.sessionKey);
  return `cycleKey() moved your session from key ${from} to ${to}.`;
}

// After a logout the notice comes in the URL: a message would live in the
// session, and so make a new one right after flush() ended the old one.
const LOGGED_OUT: Notice = {
  level: 'info',
  text: 'You are logged out: the session was flushed.',
};

async function loginForm(req: Request, res: Response) {
  const notice = req.query.out === '1' ? LOGGED_OUT : undefined;
  await render(req, res, 'login.njk', {
    next: nextPage(req.query.next),
    notice,
  });
}

async function login(req: Request, res: Response) {
  const { username, password } = req.body;
  const next = nextPage(req.body.next);
  // Lousy on purpose, as in the tutorial: real sites check a password hash.
  if (username !== 'root' || password !== 'pass') {
    const error = MISMATCH;
    return render(req, res, 'login.njk', { error, username, next });
  }
  const session = await req.session<Data>();
  const before = session.sessionKey;
  session.cycleKey(); // Django's login(): a new key for the same data
  rotateCsrfToken(session);
  session.set('username', username);
  await messages.success(
    req,
    `Welcome, ${username}. ${keyChange(req, before, session)}`,
  );
  res.redirect(next);
}

async function secretPage(req: Request, res: Response) {
  const session = await req.session<Data>();
  if (!session.has('username')) {
    const next = encodeURIComponent(req.originalUrl);
    return res.redirect(`/login?next=${next}`);
  }
  await render(req, res, 'secret.njk');
}

// Django's logout(): flush() deletes the stored record, and the response
// deletes the cookie.
async function logout(req: Request, res: Response) {
  const session = await req.session<Data>();
  session.flush();
  res.redirect('/login?out=1');
}
