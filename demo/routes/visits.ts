/**
 * The visit counter: the first example of every sessions tutorial.
 *
 * @module
 */

import type { Request, Response } from 'express';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/visits',
  title: 'Visit counter',
  group: 'Sessions',
  summary: 'A number in the session, one more on every visit.',
  views: ['visitCounter', 'forgetVisits'],
  module: import.meta.url,
  templates: ['visits.njk'],
  mount(router) {
    router.get('/visits', visitCounter);
    router.post('/visits/forget', forgetVisits);
  },
};

type Data = { visits: number };

// Django: request.session['visits'] = request.session.get('visits', 0) + 1
async function visitCounter(req: Request, res: Response) {
  const session = await req.session<Data>();
  const visits = session.get('visits', 0) + 1;
  session.set('visits', visits);
  await render(req, res, 'visits.njk', { visits });
}

// Django: del request.session['visits']
async function forgetVisits(req: Request, res: Response) {
  const session = await req.session<Data>();
  session.delete('visits');
  res.redirect('/visits');
}
