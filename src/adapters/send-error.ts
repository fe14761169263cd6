/**
 * The node:http adapters' answer to a request that failed: the error's status, a generic
 * body, and none of the headers the handler had set.
 *
 * @module
 */

import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { SessionLogger } from '../session/logger.ts';
import { statusOfError } from './response-headers.ts';

/** Takes every header the handler set off a response whose headers have not left yet. */
export function removeHeaders(response: ServerResponse): void {
  for (const name of response.getHeaderNames()) response.removeHeader(name);
}

/**
 * Answers a failed request with the error's status (503, 400) or 500, and only the status's
 * generic reason phrase: a driver's message may name hosts or paths. The error goes to the
 * logger. A response whose headers left already can only be cut off.
 */
export function sendError(response: ServerResponse, error: unknown, logger: SessionLogger): void {
  const status = statusOfError(error) ?? 500;
  logger.error(`request failed with ${status}`, error);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  removeHeaders(response);
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(STATUS_CODES[status]);
}
