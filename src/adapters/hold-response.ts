/**
 * Holds a node:http response back until the session is saved.
 *
 * Whatever the handler does first (`writeHead`, `write`, `end`, `flushHeaders`) starts the
 * lifecycle's `finish`; that call and the ones after it are queued, and replayed in order once
 * the session is saved and its headers are set. So the browser never sees a response (a
 * redirect, say) before the session it depends on is in the store.
 *
 * @module
 */

import type { ServerResponse } from 'node:http';
import type { FinishResult } from '../middleware/lifecycle.ts';
import { varyWithCookie } from './response-headers.ts';

type Held = 'writeHead' | 'write' | 'end' | 'flushHeaders';
const HELD: readonly Held[] = ['writeHead', 'write', 'end', 'flushHeaders'];

/**
 * Holds `response` until `finish(status)` resolves, then adds the session's headers and lets
 * it go. When `finish` rejects, nothing of the held response is sent: `onError` gets the
 * error with the response released, free to send an error page instead.
 */
export function holdResponse(
  response: ServerResponse,
  finish: (status: number) => Promise<FinishResult>,
  onError: (error: unknown) => void,
): void {
  const original = {
    writeHead: response.writeHead,
    write: response.write,
    end: response.end,
    flushHeaders: response.flushHeaders,
  };
  const queue: [Held, unknown[]][] = [];
  let started = false;
  let refusedWrite = false;

  const release = () => {
    for (const name of HELD) (response as unknown as Record<Held, unknown>)[name] = original[name];
  };

  const replay = (result: FinishResult) => {
    for (const cookie of result.setCookie) response.appendHeader('Set-Cookie', cookie);
    if (result.vary)
      response.setHeader('Vary', varyWithCookie(response.getHeader('Vary')?.toString()));
    release();
    for (const [name, args] of queue)
      (original[name] as (...a: unknown[]) => unknown).apply(response, args);
    // A writer told to wait (write returned false) resumes on 'drain'.
    if (refusedWrite && !response.writableEnded) response.emit('drain');
  };

  const intercept = (name: Held) =>
    function held(this: ServerResponse, ...args: unknown[]) {
      queue.push([name, args]);
      if (!started) {
        started = true;
        const status =
          name === 'writeHead' && typeof args[0] === 'number' ? args[0] : response.statusCode;
        finish(status).then(replay, (error: unknown) => {
          release();
          queue.length = 0;
          onError(error);
        });
      }
      if (name === 'write') {
        refusedWrite = true;
        return false;
      }
      return name === 'writeHead' || name === 'end' ? response : undefined;
    };

  for (const name of HELD) (response as unknown as Record<Held, unknown>)[name] = intercept(name);
}
