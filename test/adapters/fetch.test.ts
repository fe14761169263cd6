import { withSessions } from '../../src/adapters/fetch.ts';
import { serveFetch } from '../helpers/fetch-server.ts';
import { describeAdapter, routes } from './scenarios.ts';

describeAdapter('fetch', (sessions) =>
  serveFetch(
    withSessions(sessions, async (request, ctx) => {
      const url = new URL(request.url);
      const route = routes[url.pathname];
      if (route === undefined) return new Response(null, { status: 404 });
      const reply = await route(ctx, url.searchParams);
      // Response.redirect and Response.json make headers the adapter must copy to change.
      if (reply.kind === 'redirect') return Response.redirect(new URL(reply.location, url), 302);
      if (reply.kind === 'json') return Response.json(reply.body);
      return new Response(reply.body, { status: reply.status ?? 200 });
    }),
  ),
);
