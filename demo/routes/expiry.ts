/**
 * Session expiry: the global policy (`cookieAge`, `expireAtBrowserClose`) and a session's
 * own expiry, set with `setExpiry` and read back with `getExpiryAge` and `getExpiryDate`.
 *
 * @module
 */

import type { Request, Response } from 'express';
import { messages } from '../messages.ts';
import type { Page } from '../pages.ts';
import { demoLocals, render } from '../render.ts';

export const page: Page = {
  path: '/expiry',
  title: 'Session expiry',
  group: 'Sessions',
  summary:
    'Until the browser closes, an hour, the default, or any number of seconds.',
  views: ['showExpiry', 'setExpiry'],
  module: import.meta.url,
  templates: ['expiry.njk'],
  mount(router) {
    router.get('/expiry', showExpiry);
    router.post('/expiry', setExpiry);
  },
};

async function showExpiry(req: Request, res: Response) {
  const session = await req.session();
  const { settings } = demoLocals(req);
  await render(req, res, 'expiry.njk', {
    age: session.getExpiryAge(),
    date: session.getExpiryDate().toISOString(),
    atBrowserClose: session.getExpireAtBrowserClose(),
    own: session.get('_session_expiry'),
    cookieAge: settings.cookieAge,
    saveEveryRequest: settings.saveEveryRequest,
  });
}

async function setExpiry(req: Request, res: Response) {
  const session = await req.session();
  const choice = req.body.choice;
  if (choice === 'browser')
    session.setExpiry(0); // a cookie without Max-Age
  else if (choice === 'hour') session.setExpiry(3600);
  else if (choice === 'default')
    session.setExpiry(null); // back to settings.cookieAge
  else {
    const seconds = Number(req.body.seconds);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 31_536_000) {
      await messages.error(
        req,
        'Give a whole number of seconds, from 1 to 31536000 (a year).',
      );
      return res.redirect('/expiry');
    }
    session.setExpiry(seconds);
  }
  // A change like any other: the response saves the session and re-sends
  // its cookie with the new Max-Age (see the inspector on the next page).
  res.redirect('/expiry');
}
