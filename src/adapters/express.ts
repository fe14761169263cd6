/**
 * `coatcheck/express`: sessions for Express 5, as a middleware.
 *
 * The session is reached as `await req.session()`, not `req.session`: loading it is a store
 * round trip, and an awaited accessor lets a request that never touches its session (static
 * files, health checks, most API calls) cost none. Django's cookie API sits beside Express's
 * own `res.cookie` as `req.coatcheck` (`setCookie`, `setSignedCookie`, `getSignedCookie`, ...).
 *
 * @module
 */

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { RegisteredData, SessionAccessor } from '../session/register.ts';
import { expressContext } from './express-context.ts';

declare global {
  namespace Express {
    interface Request {
      /**
       * The session, loaded on the first call (once per request at most), typed with the data
       * registered in coatcheck's `Register`; without one, with the type argument given here.
       */
      session: SessionAccessor;
      /** This request's cookies and Django's cookie API: `setCookie`, `getSignedCookie`, ... */
      coatcheck: RequestContext<RegisteredData>;
    }
  }
}

/**
 * The Express middleware. The session is saved before the response's headers leave, whether
 * the route answers with `res.send`, `res.json`, `res.redirect`, `res.end` or a stream; a
 * store failure while saving goes to Express's error handling (`next(error)`), with the
 * status (400 or 503) on the error and none of the headers the route had set.
 *
 * Express types `req` for every application at once, so `req.session()` takes its data type
 * from coatcheck's `Register`; once registered, `sessions` must keep that type.
 *
 * @example
 * declare module 'coatcheck' {
 *   interface Register {
 *     data: { visits?: number };
 *   }
 * }
 * const app = express();
 * app.use(sessionMiddleware(sessions));
 * app.get('/', async (req, res) => {
 *   const session = await req.session(); // Session<{ visits?: number }>
 *   session.set('visits', (session.get('visits') ?? 0) + 1);
 *   res.send(`visit ${session.get('visits')}`);
 * });
 */
export function sessionMiddleware(sessions: Sessions<RegisteredData>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    req.coatcheck = expressContext(sessions, req, res, next);
    req.session = session as Request['session'];
    next();
  };
}

// One function for every request, reading the context from `this`. A closure made per request
// and kept on it costs more than it looks: measured on Express, V8 then promoted each request's
// objects out of the young generation, which grew to ~40 MB.
function session(this: Request | undefined): ReturnType<RequestContext['session']> {
  if (this?.coatcheck === undefined) {
    throw new TypeError('coatcheck: call req.session() on the request, not detached from it');
  }
  return this.coatcheck.session();
}
