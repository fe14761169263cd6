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
  // A failed save goes to Express's error handling as it is, with none of the headers the
  // route had set (the hold removes them): `next` itself, nothing made per request.
  return attachSessions(sessions, req, res, next);
}
