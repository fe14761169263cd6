/**
 * The shared scenario routes on an Express app, behind whichever session middleware: the
 * routes reach the lifecycle through `req.coatcheck`, which both Express entries set.
 */
import { createServer } from 'node:http';
import express, { type RequestHandler } from 'express';
import { listen, type Served } from '../helpers/fetch-server.ts';
import { routes } from './scenarios.ts';

export function serveScenarios(middleware: RequestHandler): Promise<Served> {
  const app = express();
  app.use(middleware);
  for (const [path, route] of Object.entries(routes)) {
    app.get(path, async (req, res) => {
      const query = new URLSearchParams(req.url.split('?')[1] ?? '');
      const reply = await route(req.coatcheck, query);
      if (reply.kind === 'redirect') res.redirect(302, reply.location);
      else if (reply.kind === 'json') res.json(reply.body);
      else res.status(reply.status ?? 200).send(reply.body);
    });
  }
  return listen(createServer(app));
}
