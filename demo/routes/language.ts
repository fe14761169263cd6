/**
 * The preferred language: a choice kept in the session, falling back to what the browser
 * asks for (its Accept-Language header), as Django's LocaleMiddleware does.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/language',
  title: 'Preferred language',
  group: 'Sessions',
  summary: 'A setting that follows the visitor from page to page.',
  views: ['showLanguage', 'chooseLanguage'],
  module: import.meta.url,
  templates: ['language.njk'],
  mount(router) {
    router.get('/language', showLanguage);
    router.post('/language', chooseLanguage);
  },
};

type Data = { language: string };

const LANGUAGES: Record<string, { name: string; hello: string }> = {
  en: { name: 'English', hello: 'Hello, and welcome!' },
  fr: { name: 'Français', hello: 'Bonjour, et bienvenue !' },
  de: { name: 'Deutsch', hello: 'Hallo und willkommen!' },
  es: { name: 'Español', hello: '¡Hola, y bienvenido!' },
  nl: { name: 'Nederlands', hello: 'Hallo, en welkom!' },
  it: { name: 'Italiano', hello: 'Ciao, e benvenuto!' },
};

async function showLanguage(req: Request, res: Response) {
  const session = await req.session<Data>();
  const browser = req.acceptsLanguages(...Object.keys(LANGUAGES)) || 'en';
  const chosen = session.get('language');
  const code = chosen !== undefined && chosen in LANGUAGES ? chosen : browser;
  await render(req, res, 'language.njk', {
    languages: LANGUAGES,
    code,
    chosen,
    browser,
  });
}

async function chooseLanguage(req: Request, res: Response) {
  const session = await req.session<Data>();
  const code = String(req.body.language);
  if (code in LANGUAGES) session.set('language', code);
  else session.delete('language'); // back to the browser's Accept-Language
  res.redirect('/language');
}
