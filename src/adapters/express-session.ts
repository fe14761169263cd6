/**
 * `coatcheck/express-session`: coatcheck sessions behind express-session's `req.session`, so
 * code written for express-session (Passport 0.7, connect-flash, an application's own routes)
 * runs unchanged on coatcheck's stores, in Django's format, under Django's cookie.
 *
 * As express-session does, the middleware loads the session before the route runs: a request
 * that brings a session cookie costs a store read whether or not the route looks at the
 * session (`coatcheck/express` loads only when asked). Mount it where sessions are used.
 *
 * `req.session` is typed by `@types/express-session`, which an application moving from
 * express-session already has; this entry declares only `req.sessionID` and `req.coatcheck`,
 * in the same types, so the two declarations merge. (`coatcheck/express` declares
 * `req.session` as a method, which no program can merge with express-session's object.)
 *
 * @module
 */

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { RegisteredData } from '../session/register.ts';
import type { Session } from '../session/session.ts';
import { expressContext } from './express-context.ts';
import { SessionBinding, type SessionHolder } from './express-session-binding.ts';
import { checkOptions, type ExpressSessionOptions } from './express-session-options.ts';

export type { UnsetAction } from './express-session-binding.ts';
export type { ExpressSessionCookie } from './express-session-cookie.ts';
export type { ExpressSession } from './express-session-object.ts';
export type { ExpressSessionOptions } from './express-session-options.ts';

declare global {
  namespace Express {
    interface Request {
      /**
       * This request's cookies and Django's cookie API, and `session()` for the same session
       * through Django's API, typed with the data registered in coatcheck's `Register`.
       */
      coatcheck: RequestContext<RegisteredData>;
      /**
       * The session key, express-session's name for it; `''` while the session has none (a new
       * one, or one just regenerated) until `req.session.id` is read, which gives it one.
       */
      sessionID: string;
    }
  }
}

/**
 * The Express middleware. `req.session` is the session's data as properties plus
 * express-session's methods; `await req.coatcheck.session()` is the same session through
 * Django's API. Changes, nested ones included, are saved before the response's headers leave;
 * a store failure while loading or saving goes to Express's error handling with its status.
 *
 * @example
 * app.use(sessionMiddleware(sessions));
 * app.use(passport.session());
 * app.get('/', (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1;
 *   res.send(`visit ${req.session.views}`);
 * });
 */
export function sessionMiddleware(
  sessions: Sessions<RegisteredData>,
  options: ExpressSessionOptions = {},
): RequestHandler {
  const { unset } = checkOptions(options);
  return (req: Request, res: Response, next: NextFunction) => {
    const holder: SessionHolder = req;
    // A second session middleware on one request (an app's and a router's) leaves the first in
    // charge, as express-session does.
    if (holder.session !== undefined) {
      next();
      return;
    }
    const context = expressContext(sessions, req, res, next);
    req.coatcheck = context;
    let binding: SessionBinding | undefined;
    context.onFinish(() => binding?.finish());
    context.session().then((session) => {
      binding = new SessionBinding(
        holder,
        session as unknown as Session,
        sessions as unknown as Sessions,
        unset,
      );
      next();
    }, next);
  };
}
