/**
 * `coatcheck/koa`: sessions for Koa 3, as a middleware.
 *
 * As in `coatcheck/express`, the session is `await ctx.session()`, loaded on the first call
 * only, and Django's cookie API is `ctx.coatcheck` (`setCookie`, `getSignedCookie`, ...):
 * Koa's own `ctx.cookies` keeps its meaning.
 *
 * @module
 */

import type { Context, Middleware } from 'koa';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { RegisteredData, SessionAccessor } from '../session/register.ts';
import { varyWithCookie } from './response-headers.ts';

declare module 'koa' {
  interface DefaultContext {
    /**
     * The session, loaded on the first call (once per request at most), typed with the data
     * registered in coatcheck's `Register`; without one, with the type argument given here.
     */
    session: SessionAccessor;
    /** This request's cookies and Django's cookie API: `setCookie`, `getSignedCookie`, ... */
    coatcheck: RequestContext<RegisteredData>;
  }
}

/** The status Koa answers a thrown error with: its own `status` when it has one, else 500. */
function statusOfThrown(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

/**
 * The Koa middleware; mount it first, so every middleware below it is inside it. The session
 * is saved once they are done, before Koa writes the response, and its `Set-Cookie` and
 * `Vary` headers go on `ctx`. An error thrown below is rethrown after the session logic ran
 * for the status Koa will answer with (nothing saved for a 5xx), the headers added to the
 * error's `headers`, which Koa's error response carries. A store failure while saving
 * is thrown to Koa's error handling, with its status (503, or 400 for a session deleted by a
 * concurrent request) on the error.
 *
 * Koa types `ctx` for every application at once (`DefaultContext`), so `ctx.session()` takes
 * its data type from coatcheck's `Register`, as in `coatcheck/express`.
 *
 * @example
 * declare module 'coatcheck' {
 *   interface Register {
 *     data: { visits?: number };
 *   }
 * }
 * const app = new Koa();
 * app.use(sessionMiddleware(sessions));
 * app.use(async (ctx) => {
 *   const session = await ctx.session(); // Session<{ visits?: number }>
 *   session.set('visits', (session.get('visits') ?? 0) + 1);
 *   ctx.body = `visit ${session.get('visits')}`;
 * });
 */
// One function for every request, reading the context from `this`: a closure made per request
// and kept on it makes V8 promote each request's objects (see coatcheck/express).
function session(this: Context | undefined): ReturnType<RequestContext['session']> {
  if (this?.coatcheck === undefined) {
    throw new TypeError('coatcheck: call ctx.session() on the context, not detached from it');
  }
  return this.coatcheck.session();
}

export function sessionMiddleware(sessions: Sessions<RegisteredData>): Middleware {
  return async (ctx, next) => {
    const context = sessions.begin(ctx.get('Cookie'));
    ctx.coatcheck = context;
    ctx.session = session as typeof ctx.session;
    try {
      await next();
    } catch (error) {
      const result = await context.finish({ status: statusOfThrown(error) }).catch(() => undefined);
      // Koa's error response drops the headers set so far and sets the error's own `headers`.
      if (result !== undefined && typeof error === 'object' && error !== null) {
        const { headers = {} } = error as { headers?: Record<string, unknown> };
        const setCookie = result.setCookie.length > 0 ? { 'Set-Cookie': result.setCookie } : {};
        const vary = result.vary
          ? { Vary: varyWithCookie(headers.Vary as string | undefined) }
          : {};
        Object.assign(error, { headers: { ...headers, ...setCookie, ...vary } });
      }
      throw error;
    }
    const result = await context.finish({ status: ctx.status });
    for (const cookie of result.setCookie) ctx.append('Set-Cookie', cookie);
    if (result.vary) ctx.set('Vary', varyWithCookie(ctx.response.get('Vary')));
  };
}
