import { createServer, type ServerResponse } from 'node:http';
import { withSessions } from '../../src/adapters/node.ts';
import { listen } from '../helpers/fetch-server.ts';
import { describeAdapter, type Reply, routes } from './scenarios.ts';

function send(res: ServerResponse, reply: Reply): void {
  if (reply.kind === 'redirect') {
    // Headers passed to writeHead, then end at once: the save must still come first.
    res.writeHead(302, { Location: reply.location }).end();
  } else if (reply.kind === 'json') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(reply.body));
  } else {
    // Streamed in two writes, so the hold has to queue writes as well as the end.
    res.statusCode = reply.status ?? 200;
    res.write(reply.body.slice(0, 1));
    res.end(reply.body.slice(1));
  }
}

describeAdapter('node', (sessions) =>
  listen(
    createServer(
      withSessions(sessions, async (req, res, ctx) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const route = routes[url.pathname];
        if (route === undefined) {
          res.writeHead(404).end();
          return;
        }
        send(res, await route(ctx, url.searchParams));
      }),
    ),
  ),
);
