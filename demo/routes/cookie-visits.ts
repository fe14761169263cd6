/**
 * A visit counter kept in a cookie instead of the session: "Welcome back" from the second
 * visit on. The browser holds the number, so the visitor can change it at will.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/cookies/visits',
  title: 'Cookie visit counter',
  group: 'Cookies',
  summary: 'The visit counter again, in a cookie: "Welcome back".',
  views: ['cookieVisits', 'resetCookieVisits'],
  module: import.meta.url,
  templates: ['cookie-visits.njk'],
  mount(router) {
    router.get('/cookies/visits', cookieVisits);
    router.post('/cookies/visits/reset', resetCookieVisits);
  },
};

async function cookieVisits(req: Request, res: Response) {
  // Text from the browser, which may say anything: read it warily.
  const before = Number.parseInt(req.coatcheck.cookies.visits ?? '0', 10);
  const visits = (Number.isSafeInteger(before) && before > 0 ? before : 0) + 1;
  req.coatcheck.setCookie('visits', String(visits), {
    maxAge: 365 * 24 * 60 * 60,
    sameSite: 'Lax',
  });
  await render(req, res, 'cookie-visits.njk', {
    visits,
    returning: visits > 1,
  });
}

async function resetCookieVisits(req: Request, res: Response) {
  req.coatcheck.deleteCookie('visits', { sameSite: 'Lax' });
  res.redirect('/cookies/visits');
}
