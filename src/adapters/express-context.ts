/**
 * What both Express middlewares (`coatcheck/express` and `coatcheck/express-session`) do to
 * start a request: the lifecycle's context, the response held until the session is saved, and
 * a failed save handed to Express's error handling.
 *
 * @module
 */

import type { NextFunction, Request, Response } from 'express';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import type { StorableData } from '../session/data.ts';
import { attachSessions } from './node.ts';

/** Hands a failed save to Express's error handling, on a response with none of its headers. */
export function failToExpress(res: Response, next: NextFunction): (error: unknown) => void {
  return (error) => {
    // The response the route meant (a redirect's Location, its cookies) did not happen:
    // Express's error handling answers on a clean slate, as the node adapter's own does.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    next(error);
  };
}

/**
 * Starts the session lifecycle for one Express request, registered for `requestContext(req)`
 * (`coatcheck/node`) as well.
 */
export function expressContext<Data extends StorableData<Data>>(
  sessions: Sessions<Data>,
  req: Request,
  res: Response,
  next: NextFunction,
): RequestContext<Data> {
  return attachSessions(sessions, req, res, failToExpress(res, next));
}
