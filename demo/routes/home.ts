/**
 * The home page: what coatcheck is, how this site is wired, and where each example lives.
 *
 * @module
 */

import type { Request, Response } from 'express';
import { availableEngines } from '../engines.ts';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/',
  title: 'coatcheck, live',
  group: 'Start',
  summary: 'What coatcheck is and how this site is wired.',
  views: ['home'],
  also: {
    module: new URL('../sessions.ts', import.meta.url).href,
    views: ['openSessions', 'installSessions'],
  },
  module: import.meta.url,
  templates: [],
  mount(router) {
    router.get('/', home);
  },
};

async function home(req: Request, res: Response) {
  await render(req, res, 'home.njk', { engines: availableEngines() });
}
