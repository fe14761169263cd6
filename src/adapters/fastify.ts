/**
 * `coatcheck/fastify`: sessions for Fastify 5, as a plugin.
 *
 * As in `coatcheck/express`, the session is `await request.session()`, loaded on the first
 * call only, and Django's cookie API is `request.coatcheck` (`setCookie`, `getSignedCookie`,
 * ...): the name `request.cookies` is left to `@fastify/cookie`, whose declaration it would
 * clash with.
 *
 * @module
 */

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { StorableData } from '../session/data.ts';
import type { RegisteredData, SessionAccessor } from '../session/register.ts';
import { varyWithCookie } from './response-headers.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The session, loaded on the first call (once per request at most), typed with the data
     * registered in coatcheck's `Register`; without one, with the type argument given here.
     */
    session: SessionAccessor;
    /** This request's cookies and Django's cookie API: `setCookie`, `getSignedCookie`, ... */
    coatcheck: RequestContext<RegisteredData>;
  }
}

/**
 * Options of {@link sessionPlugin}.
 * @typeParam Data - the sessions' data type: the one registered in coatcheck's `Register`, which
 *   `request.session()` gives, so the plugin takes sessions of that type.
 */
export interface SessionPluginOptions<Data extends StorableData<Data> = RegisteredData> {
  /** The application's sessions, from `createSessions`. */
  sessions: Sessions<Data>;
}

// Fastify 5 refuses reference values as request decorations: the context is set per request
// by the onRequest hook, and `session` is a method reading it.
function session(this: FastifyRequest): ReturnType<RequestContext<RegisteredData>['session']> {
  return this.coatcheck.session();
}

const plugin: FastifyPluginAsync<SessionPluginOptions> = async (fastify, { sessions }) => {
  // Fastify sends an error reply through onSend again: finish only on the first pass.
  const finished = new WeakSet<FastifyRequest>();
  fastify.decorateRequest('coatcheck', null as unknown as RequestContext<RegisteredData>);
  fastify.decorateRequest('session', session as FastifyRequest['session']);
  fastify.addHook('onRequest', async (request) => {
    request.coatcheck = sessions.begin(request.headers.cookie);
  });
  // onSend runs after serialization, before the status line and headers are written: the
  // last moment the session can be saved and its cookie still reach this response.
  fastify.addHook('onSend', async (request, reply) => {
    if (finished.has(request)) return;
    finished.add(request);
    let result: Awaited<ReturnType<RequestContext<RegisteredData>['finish']>>;
    try {
      result = await request.coatcheck.finish({ status: reply.statusCode });
    } catch (error) {
      // The reply becomes an error: none of the route's headers (Location, cookies) belong to it.
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      throw error;
    }
    for (const cookie of result.setCookie) reply.header('set-cookie', cookie);
    if (result.vary) {
      const vary = reply.getHeader('vary');
      reply.header(
        'vary',
        varyWithCookie(Array.isArray(vary) ? vary.join(', ') : vary?.toString()),
      );
    }
  });
};

/**
 * The Fastify plugin. Wrapped with `fastify-plugin`, so the hooks and decorations apply to
 * the scope it is registered in and every route and plugin inside it, and to nothing
 * outside: register it in a child scope to give only that scope sessions. The session is
 * saved in `onSend`, before the reply's headers leave, whatever the route sends (redirects,
 * streams, errors); a store failure while saving goes to Fastify's error handling, whose
 * default answers with the error's status (503, or 400 for a session deleted by a concurrent
 * request). A hijacked reply (`reply.hijack()`) skips onSend and saves nothing.
 *
 * Fastify types `request` for every application at once, so `request.session()` takes its
 * data type from coatcheck's `Register`, as in `coatcheck/express`.
 *
 * @example
 * declare module 'coatcheck' {
 *   interface Register {
 *     data: { visits?: number };
 *   }
 * }
 * const app = Fastify();
 * await app.register(sessionPlugin, { sessions });
 * app.get('/', async (request) => {
 *   const session = await request.session(); // Session<{ visits?: number }>
 *   session.set('visits', (session.get('visits') ?? 0) + 1);
 *   return `visit ${session.get('visits')}`;
 * });
 */
export const sessionPlugin: FastifyPluginAsync<SessionPluginOptions> = fastifyPlugin(plugin, {
  fastify: '5.x',
  name: 'coatcheck',
});
