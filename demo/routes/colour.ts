/**
 * A value set in one view and read in another: the favourite colour.
 *
 * @module
 */

import type { Request, Response } from 'express';
import { messages } from '../messages.ts';
import type { Page } from '../pages.ts';
import { render } from '../render.ts';

export const page: Page = {
  path: '/colour',
  title: 'Favourite colour',
  group: 'Sessions',
  summary: 'Set a value in one view, read it in another.',
  views: ['chooseColour', 'saveColour', 'showColour', 'forgetColour'],
  module: import.meta.url,
  templates: ['colour.njk', 'colour-show.njk'],
  mount(router) {
    router.get('/colour', chooseColour);
    router.post('/colour', saveColour);
    router.get('/colour/show', showColour);
    router.post('/colour/forget', forgetColour);
  },
};

type Data = { favourite_colour: string };

const COLOURS = [
  'crimson',
  'darkorange',
  'gold',
  'seagreen',
  'steelblue',
  'rebeccapurple',
];

async function chooseColour(req: Request, res: Response) {
  await render(req, res, 'colour.njk', { colours: COLOURS });
}

// The view that writes...
async function saveColour(req: Request, res: Response) {
  const colour = String(req.body.colour);
  if (!COLOURS.includes(colour)) {
    await messages.error(req, 'Pick one of the colours in the list.');
    return res.redirect('/colour');
  }
  const session = await req.session<Data>();
  session.set('favourite_colour', colour);
  res.redirect('/colour/show');
}

// ...and another view that reads, on a later request.
async function showColour(req: Request, res: Response) {
  const session = await req.session<Data>();
  await render(req, res, 'colour-show.njk', {
    colour: session.get('favourite_colour'),
  });
}

// Django: request.session.pop('favourite_colour', None)
async function forgetColour(req: Request, res: Response) {
  const session = await req.session<Data>();
  const old = session.pop('favourite_colour', undefined);
  await messages.info(
    req,
    old === undefined ? 'There was no colour to forget.' : `Forgot ${old}.`,
  );
  res.redirect('/colour');
}
