/**
 * A signed cookie: readable by the visitor, but not changeable. The site gives everyone the
 * `free` plan in a signed `plan` cookie; edit it to `pro` in the browser and the signature no
 * longer matches, so `getSignedCookie` answers `undefined`, as Django's
 * `get_signed_cookie(..., default=None)` does.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/cookies/signed',
  title: 'Signed cookie',
  group: 'Cookies',
  summary:
    'A cookie the visitor can read but not forge, and what tampering does.',
  views: ['showPlan', 'givePlan', 'deletePlan'],
  module: import.meta.url,
  templates: ['signed.njk'],
  mount(router) {
    router.get('/cookies/signed', showPlan);
    router.post('/cookies/signed', givePlan);
    router.post('/cookies/signed/delete', deletePlan);
  },
};

// The salt keeps this signature valid for this use of the secret only.
const SALT = 'plans';

// Django: request.get_signed_cookie('plan', default=None, salt='plans')
async function showPlan(req: Request, res: Response) {
  const plan = req.coatcheck.getSignedCookie('plan', { salt: SALT });
  const raw = req.coatcheck.cookies.plan;
  await render(req, res, 'signed.njk', {
    plan,
    raw,
    tampered: raw !== undefined && !plan,
  });
}

// Django: response.set_signed_cookie('plan', 'free', salt='plans')
async function givePlan(req: Request, res: Response) {
  req.coatcheck.setSignedCookie('plan', 'free', {
    salt: SALT,
    sameSite: 'Lax',
  });
  res.redirect('/cookies/signed');
}

async function deletePlan(req: Request, res: Response) {
  req.coatcheck.deleteCookie('plan', { sameSite: 'Lax' });
  res.redirect('/cookies/signed');
}
