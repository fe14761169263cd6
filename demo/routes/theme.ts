/**
 * A plain cookie, set, read and deleted: the theme, which every page reads to pick its
 * colours (`request.COOKIES.theme` in the layout template).
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/cookies/theme',
  title: 'Theme cookie',
  group: 'Cookies',
  summary:
    'Set, read and delete a cookie that switches the site light or dark.',
  views: ['showTheme', 'setTheme', 'deleteTheme'],
  module: import.meta.url,
  templates: ['theme.njk'],
  mount(router) {
    router.get('/cookies/theme', showTheme);
    router.post('/cookies/theme', setTheme);
    router.post('/cookies/theme/delete', deleteTheme);
  },
};

// Django: request.COOKIES.get('theme')
async function showTheme(req: Request, res: Response) {
  await render(req, res, 'theme.njk', { theme: req.coatcheck.cookies.theme });
}

// Django: response.set_cookie('theme', theme, max_age=365 * 24 * 60 * 60)
async function setTheme(req: Request, res: Response) {
  const theme = req.body.theme === 'dark' ? 'dark' : 'light';
  req.coatcheck.setCookie('theme', theme, {
    maxAge: 365 * 24 * 60 * 60,
    sameSite: 'Lax',
  });
  res.redirect('/cookies/theme');
}

// Django: response.delete_cookie('theme')
async function deleteTheme(req: Request, res: Response) {
  req.coatcheck.deleteCookie('theme', { sameSite: 'Lax' });
  res.redirect('/cookies/theme');
}
