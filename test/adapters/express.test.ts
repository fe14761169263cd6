import { createServer } from 'node:http';
import express from 'express';
import { sessionMiddleware } from '../../src/adapters/express.ts';
import { listen } from '../helpers/fetch-server.ts';
import { describeAdapter, routes } from './scenarios.ts';

describeAdapter('express', async (sessions) => {
  const app = express();
  app.use(sessionMiddleware(sessions));
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
});
