/**
 * The test cookie: does this browser keep cookies? Set one on a request, look for it on the
 * next. Django's login view used to do this before showing the form.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/test-cookie',
  title: 'Test cookie',
  group: 'Sessions',
  summary: 'Find out whether the browser accepts cookies at all.',
  views: ['setTestCookie', 'checkTestCookie'],
  module: import.meta.url,
  templates: ['test-cookie.njk'],
  mount(router) {
    router.get('/test-cookie', setTestCookie);
    router.get('/test-cookie/check', checkTestCookie);
  },
};

// Request one: a marker in the session (the response sends its cookie).
async function setTestCookie(req: Request, res: Response) {
  const session = await req.session();
  session.setTestCookie();
  await render(req, res, 'test-cookie.njk', { step: 'set' });
}

// Request two: it is there only if the browser sent the cookie back.
async function checkTestCookie(req: Request, res: Response) {
  const session = await req.session();
  const worked = session.testCookieWorked();
  if (worked) session.deleteTestCookie();
  await render(req, res, 'test-cookie.njk', { step: 'check', worked });
}
