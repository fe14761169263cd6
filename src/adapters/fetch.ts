/**
 * `coatcheck/fetch`: sessions for any Fetch-API server (Hono, Bun, Deno, Cloudflare-style
 * workers, Node's own `Request`/`Response`).
 *
 * @module
 */

import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { StorableData } from '../session/data.ts';
import { statusOfError, varyWithCookie } from './response-headers.ts';

/** A Fetch handler that also receives the request's session context. */
export type FetchSessionHandler<Data extends StorableData<Data>> = (
  request: Request,
  context: RequestContext<Data>,
) => Response | Promise<Response>;

/**
 * Wraps a Fetch handler. The session is saved before the response is returned, and its
 * `Set-Cookie` and `Vary` headers are added to it. A store failure while loading or saving
 * answers 503 (or 400 for a session deleted by a concurrent request); a handler that throws
 * anything else still throws, after the session logic ran as it does for a 500.
 *
 * @example
 * export default {
 *   fetch: withSessions(sessions, async (request, ctx) => {
 *     const session = await ctx.session();
 *     session.set('visits', (session.get('visits') ?? 0) + 1);
 *     return new Response(`visit ${session.get('visits')}`);
 *   }),
 * };
 */
export function withSessions<Data extends StorableData<Data>>(
  sessions: Sessions<Data>,
  handler: FetchSessionHandler<Data>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const context = sessions.begin(request.headers.get('cookie'));
    let response: Response;
    try {
      response = await handler(request, context);
    } catch (error) {
      await context.finish({ status: 500 }).catch(() => undefined);
      // The session could not be loaded: answer the error's status, as for a failed save.
      const status = statusOfError(error);
      if (status === undefined) throw error;
      sessions.settings.logger.error(`request failed with ${status}`, error);
      return new Response(null, { status });
    }
    let result: Awaited<ReturnType<typeof context.finish>>;
    try {
      result = await context.finish({ status: response.status });
    } catch (error) {
      const status = statusOfError(error);
      if (status === undefined) throw error;
      sessions.settings.logger.error(`request failed with ${status}`, error);
      return new Response(null, { status });
    }
    if (result.setCookie.length === 0 && !result.vary) return response;
    // Headers of some responses (Response.redirect, fetch results) are immutable: copy them.
    const headers = new Headers(response.headers);
    for (const cookie of result.setCookie) headers.append('Set-Cookie', cookie);
    if (result.vary) headers.set('Vary', varyWithCookie(headers.get('Vary')));
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}
