/**
 * `coatcheck/node`: sessions for plain node:http servers, as a handler wrapper or a
 * connect-style middleware.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext, Sessions } from '../middleware/lifecycle.ts';
import { isPending } from '../session/awaitable.ts';
import type { SessionData, StorableData } from '../session/data.ts';
import type { IsRegistered, RegisteredData } from '../session/register.ts';
import { holdResponse } from './hold-response.ts';
import { sendError } from './send-error.ts';

/** A node:http handler that also receives the request's session context. */
export type SessionHandler<Data extends StorableData<Data>> = (
  request: IncomingMessage,
  response: ServerResponse,
  context: RequestContext<Data>,
) => void | Promise<void>;

// The context rides on the request itself, under a symbol. A WeakMap keyed by requests would
// cost far more than it looks: V8's young-generation collections keep every entry's value alive
// until a full collection clears it, so each request's session state survived into the old
// generation, the young one grew to tens of megabytes, and its collections took milliseconds.
const CONTEXT = Symbol('coatcheck.context');
type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext<SessionData> };

/**
 * The type of {@link requestContext}: with a data type registered in coatcheck's `Register`, it
 * gives contexts of that type and takes no type argument; without one, the type argument says
 * what the session holds.
 */
export type RequestContextAccessor = IsRegistered extends true
  ? (request: IncomingMessage) => RequestContext<RegisteredData>
  : <Data extends StorableData<Data> = SessionData>(
      request: IncomingMessage,
    ) => RequestContext<Data>;

function contextOf(request: IncomingMessage): RequestContext<SessionData> {
  const context = (request as WithContext)[CONTEXT];
  if (context === undefined) {
    throw new Error(
      'coatcheck: no session context on this request; is sessionMiddleware installed?',
    );
  }
  return context;
}

/**
 * The session context `sessionMiddleware` attached to a request. A connect-style middleware
 * cannot hand a type to the handlers after it, so the context's data type is the one
 * registered in coatcheck's `Register` (`withSessions` needs none: its handler gets the
 * context typed with the sessions' own).
 */
export const requestContext: RequestContextAccessor = contextOf as RequestContextAccessor;

/**
 * Starts a request's session context and holds the response until the session is saved.
 * `onError` receives store failures (SessionInterrupted, StoreUnavailable) from the save, the
 * response stripped of the headers the handler had set; without it, the response answers with
 * the failure's status (503, or 400).
 */
export function attachSessions<Data extends StorableData<Data>>(
  sessions: Sessions<Data>,
  request: IncomingMessage,
  response: ServerResponse,
  onError?: (error: unknown) => void,
): RequestContext<Data> {
  const context = sessions.begin(request.headers.cookie);
  const untyped = context as unknown as RequestContext<SessionData>;
  (request as WithContext)[CONTEXT] = untyped;
  holdResponse(response, untyped, onError);
  return context;
}

/**
 * Wraps a node:http handler: the handler gets the session context as its third argument.
 * A handler that throws answers 500; a store failure while saving answers 503 (or 400 for
 * a session deleted by a concurrent request).
 *
 * @example
 * http.createServer(withSessions(sessions, async (req, res, ctx) => {
 *   const session = await ctx.session();
 *   session.set('visits', (session.get('visits') ?? 0) + 1);
 *   res.end(`visit ${session.get('visits')}`);
 * }));
 */
export function withSessions<Data extends StorableData<Data>>(
  sessions: Sessions<Data>,
  handler: SessionHandler<Data>,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { logger } = sessions.settings;
  return (request, response) => {
    const context = attachSessions(sessions, request, response);
    let handled: void | Promise<void>;
    try {
      handled = handler(request, response, context);
    } catch (error) {
      sendError(response, error, logger);
      return;
    }
    if (isPending(handled)) handled.then(undefined, (error) => sendError(response, error, logger));
  };
}

/**
 * A connect-style middleware (`(req, res, next)`); handlers reach the context with
 * {@link requestContext}. Save failures go to `next(error)`. Once a data type is registered in
 * coatcheck's `Register`, `sessions` must keep that type.
 */
export function sessionMiddleware(
  sessions: Sessions<RegisteredData>,
): (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void {
  return (request, response, next) => {
    attachSessions(sessions, request, response, next);
    next();
  };
}
