/**
 * The `user_name` cookie: "Hello, Guest!" until the visitor tells us their name.
 *
 * @module
 */

import type { Request, Response } from 'express';
import { messages } from '../messages.ts';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/cookies/name',
  title: 'Your name',
  group: 'Cookies',
  summary: 'A user_name cookie: "Hello, Guest!" until you say who you are.',
  views: ['greet', 'rememberName', 'forgetName'],
  module: import.meta.url,
  templates: ['name.njk'],
  mount(router) {
    router.get('/cookies/name', greet);
    router.post('/cookies/name', rememberName);
    router.post('/cookies/name/forget', forgetName);
  },
};

// The template reads the cookie: {{ request.COOKIES.user_name or "Guest" }}
async function greet(req: Request, res: Response) {
  await render(req, res, 'name.njk');
}

async function rememberName(req: Request, res: Response) {
  const name = String(req.body.user_name).trim();
  // Cookies travel in HTTP headers, Latin-1 at most: refuse the rest.
  if (
    name === '' ||
    name.length > 40 ||
    /[^\x20-\x7e\u00a0-\u00ff]/.test(name)
  ) {
    await messages.error(
      req,
      'Give a name of 1 to 40 letters, in Latin script.',
    );
  } else {
    req.coatcheck.setCookie('user_name', name, {
      maxAge: 30 * 24 * 60 * 60,
      sameSite: 'Lax',
    });
  }
  res.redirect('/cookies/name');
}

async function forgetName(req: Request, res: Response) {
  req.coatcheck.deleteCookie('user_name', { sameSite: 'Lax' });
  res.redirect('/cookies/name');
}
