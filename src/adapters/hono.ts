/**
 * `coatcheck/hono`: sessions for Hono 4, as a middleware, on Node (`@hono/node-server`) and
 * on any Fetch runtime (Bun, Deno, workers).
 *
 * The session is `await c.var.session()` and Django's cookie API is `c.var.coatcheck`, typed
 * with the sessions' data when the app is made with the middleware
 * (`new Hono().use(sessionMiddleware(sessions))`). Only Hono's types are imported: the middleware
 * works on Fetch's own `Response`, so it runs wherever Hono runs.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from 'hono';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { StorableData } from '../session/data.ts';
import type { SessionLogger } from '../session/logger.ts';
import type { RegisteredData } from '../session/register.ts';
import type { Session } from '../session/session.ts';
import { statusOfError, varyWithCookie } from './response-headers.ts';

/**
 * The variables the middleware sets. An app that mounts the middleware where it is made
 * (`new Hono().use(sessionMiddleware(sessions))`) gets them typed from the sessions; one made
 * first names them: `new Hono<{ Variables: SessionVariables }>()`.
 * @typeParam Data - the keys and value types kept in sessions. @default the data registered in
 *   coatcheck's `Register`, else any keys with unknown values
 */
export type SessionVariables<Data extends StorableData<Data> = RegisteredData> = {
  /** The session, loaded on the first call (once per request at most). */
  session: () => Promise<Session<Data>>;
  /** This request's cookies and Django's cookie API: `setCookie`, `getSignedCookie`, ... */
  coatcheck: RequestContext<Data>;
};

/** Replaces the response by a bare `status`, the error going to the logger. */
function answer(c: Context, status: number, error: unknown, logger: SessionLogger): void {
  logger.error(`request failed with ${status}`, error);
  // Unset first: Hono copies the old response's headers (Location, cookies) onto a new one.
  c.res = undefined;
  c.res = new Response(null, { status });
}

/**
 * The Hono middleware. The session is saved once the handlers below it have answered (a
 * thrown error counts as the 500 Hono's error handler made of it), and its `Set-Cookie` and
 * `Vary` headers are added to `c.res`. A store failure while loading (unless `onError` made
 * something else than a 500 of it) or saving replaces the response by a bare 503 (or 400 for
 * a session deleted by a concurrent request), logged, as `coatcheck/fetch` does.
 *
 * @example
 * const app = new Hono().use(sessionMiddleware(sessions)); // Hono carries the variables' types
 * app.get('/', async (c) => {
 *   const session = await c.var.session(); // Session<Data> of createSessions<Data>
 *   session.set('visits', (session.get('visits') ?? 0) + 1);
 *   return c.text(`visit ${session.get('visits')}`);
 * });
 */
export function sessionMiddleware<Data extends StorableData<Data> = RegisteredData>(
  sessions: Sessions<Data>,
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  return async (c, next) => {
    const context = sessions.begin(c.req.header('cookie'));
    c.set('coatcheck', context);
    c.set('session', () => context.session());
    await next();
    // A session that could not be loaded: Hono's default onError answers any error it does
    // not know with 500, where the error carries its own status (503, or 400).
    const failed = statusOfError(c.error);
    if (failed !== undefined && c.res.status === 500)
      return answer(c, failed, c.error, context.logger);
    let result: Awaited<ReturnType<typeof context.finish>>;
    try {
      result = await context.finish({ status: c.res.status });
    } catch (error) {
      const status = statusOfError(error);
      if (status === undefined) throw error;
      return answer(c, status, error, context.logger);
    }
    if (result.setCookie.length === 0 && !result.vary) return;
    const addTo = (headers: Headers) => {
      for (const cookie of result.setCookie) headers.append('Set-Cookie', cookie);
      if (result.vary) headers.set('Vary', varyWithCookie(headers.get('Vary')));
    };
    try {
      // In place, as Hono's own middleware do: a copy would cost a new Response, and on Node a
      // body read back through a stream.
      addTo(c.res.headers);
    } catch (error) {
      // Some responses' headers are immutable (Response.redirect, fetch results), and refuse
      // the first change: those are copied into a Response whose headers can change.
      if (!(error instanceof TypeError)) throw error;
      c.res = new Response(c.res.body, c.res);
      addTo(c.res.headers);
    }
  };
}
