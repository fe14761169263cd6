/**
 * The last visit time: read the previous value, then store the new one.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/last-visit',
  title: 'Last visit',
  group: 'Sessions',
  summary: 'When did you last come by? Read the old value, store the new one.',
  views: ['lastVisit'],
  module: import.meta.url,
  templates: ['last-visit.njk'],
  mount(router) {
    router.get('/last-visit', lastVisit);
  },
};

// An ISO 8601 string: session values must be JSON, and a Date is not.
type Data = { last_visit: string };

async function lastVisit(req: Request, res: Response) {
  const session = await req.session<Data>();
  const last = session.get('last_visit');
  const now = new Date();
  session.set('last_visit', now.toISOString());
  await render(req, res, 'last-visit.njk', {
    last: last?.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    secondsAgo:
      last === undefined
        ? undefined
        : Math.round((now.getTime() - Date.parse(last)) / 1000),
  });
}
