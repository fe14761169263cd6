/**
 * Every path of the shared scenarios (test/adapters/scenarios.ts), one route handler: the
 * request's mount gives the sessions and the route; coatcheck/next runs it and saves.
 */
import { withRequestContext } from 'coatcheck/next';
import type { Reply } from '../../../scenarios.ts';
import { MOUNT_HEADER, mounts } from '../../mounts.ts';

function respond(reply: Reply): Response {
  if (reply.kind === 'redirect') {
    return new Response(null, { status: 302, headers: { location: reply.location } });
  }
  if (reply.kind === 'json') return Response.json(reply.body);
  return new Response(reply.body, { status: reply.status ?? 200 });
}

export async function GET(request: Request): Promise<Response> {
  const mount = mounts().get(request.headers.get(MOUNT_HEADER) ?? '');
  const url = new URL(request.url);
  const route = mount?.routes[url.pathname];
  if (mount === undefined || route === undefined) return new Response(null, { status: 404 });
  return withRequestContext(mount.sessions, async (context) =>
    respond(await route(context, url.searchParams)),
  );
}
