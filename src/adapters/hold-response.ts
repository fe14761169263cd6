/**
 * Holds a node:http response back until the session is saved.
 *
 * Whatever the handler does first (`writeHead`, `write`, `end`, `flushHeaders`) starts the
 * lifecycle's `finish`. When the store answers at once, the session's headers are added and
 * the call goes through. When the store has to be waited for, that call and the ones after it
 * are queued, and replayed in order once the session is saved and its headers are set. Either
 * way the browser never sees a response (a redirect, say) before the session it depends on is
 * in the store.
 *
 * @module
 */

import type { ServerResponse } from 'node:http';
import type { FinishResult } from '../middleware/lifecycle.ts';
import { type Awaitable, isPending } from '../session/awaitable.ts';
import { varyWithCookie } from './response-headers.ts';

type Held = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type HeaderObject = Record<string, string | number | string[] | undefined>;

function addToResponse(response: ServerResponse, result: FinishResult): void {
  for (const cookie of result.setCookie) response.appendHeader('Set-Cookie', cookie);
  if (result.vary)
    response.setHeader('Vary', varyWithCookie(response.getHeader('Vary')?.toString()));
}

function addToHeaderObject(headers: HeaderObject, result: FinishResult): void {
  const name = (wanted: string) =>
    Object.keys(headers).find((key) => key.toLowerCase() === wanted) ?? wanted;
  if (result.setCookie.length > 0) {
    const key = name('set-cookie');
    const existing = headers[key];
    const list =
      existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    headers[key] = [...list, ...result.setCookie];
  }
  if (result.vary) {
    const key = name('vary');
    const existing = headers[key];
    headers[key] = varyWithCookie(
      Array.isArray(existing) ? existing.join(', ') : existing?.toString(),
    );
  }
}

// writeHead also takes a flat [name, value, name, value, ...] array.
function addToRawHeaders(headers: unknown[], result: FinishResult): void {
  for (const cookie of result.setCookie) headers.push('Set-Cookie', cookie);
  if (!result.vary) return;
  const at = headers.findIndex((item, i) => i % 2 === 0 && String(item).toLowerCase() === 'vary');
  if (at === -1) headers.push('Vary', 'Cookie');
  else headers[at + 1] = varyWithCookie(String(headers[at + 1]));
}
const HELD: readonly Held[] = ['writeHead', 'write', 'end', 'flushHeaders'];

/**
 * Holds `response` until `finish(status)` has given the session's headers, then adds them and
 * lets it go. When `finish` answers synchronously (the memory store, signed cookies), the
 * response goes out in the same call that started it, with nothing queued. When it fails,
 * nothing of the held response is sent: `onError` gets the error with the response released,
 * free to send an error page instead.
 */
export function holdResponse(
  response: ServerResponse,
  finish: (status: number) => Awaitable<FinishResult>,
  onError: (error: unknown) => void,
): void {
  const original = {
    writeHead: response.writeHead,
    write: response.write,
    end: response.end,
    flushHeaders: response.flushHeaders,
  };
  let queue: [Held, unknown[]][] | undefined;
  let refusedWrite = false;

  const release = () => {
    for (const name of HELD) (response as unknown as Record<Held, unknown>)[name] = original[name];
  };

  // Headers handed to writeHead take precedence over setHeader's, so ours go in with them.
  const addHeaders = (first: Held, args: unknown[], result: FinishResult) => {
    const given = first === 'writeHead' ? args.at(-1) : undefined;
    if (Array.isArray(given)) addToRawHeaders(given, result);
    else if (typeof given === 'object' && given !== null) {
      addToHeaderObject(given as HeaderObject, result);
    } else addToResponse(response, result);
  };

  const fail = (error: unknown) => {
    release();
    queue = undefined;
    onError(error);
  };

  const replay = (result: FinishResult) => {
    const calls = queue ?? [];
    const [first] = calls;
    if (first !== undefined) addHeaders(first[0], first[1], result);
    release();
    queue = undefined;
    for (const [name, args] of calls) {
      (original[name] as (...a: unknown[]) => unknown).apply(response, args);
    }
    // A writer told to wait (write returned false) resumes on 'drain'.
    if (refusedWrite && !response.writableEnded) response.emit('drain');
  };

  const intercept = (name: Held) =>
    function held(this: ServerResponse, ...args: unknown[]) {
      if (queue === undefined) {
        // The first call: the session is saved now, before any byte leaves.
        const status =
          name === 'writeHead' && typeof args[0] === 'number' ? args[0] : response.statusCode;
        let result: Awaitable<FinishResult>;
        try {
          result = finish(status);
        } catch (error) {
          // Reported after the handler's call returns, as an asynchronous failure would be;
          // whatever it sends meanwhile is held, then dropped.
          result = Promise.reject(error);
        }
        if (!isPending(result)) {
          addHeaders(name, args, result);
          release();
          return (original[name] as (...a: unknown[]) => unknown).apply(response, args);
        }
        queue = [];
        result.then(replay, fail);
      }
      queue.push([name, args]);
      if (name === 'write') {
        refusedWrite = true;
        return false;
      }
      return name === 'writeHead' || name === 'end' ? response : undefined;
    };

  for (const name of HELD) (response as unknown as Record<Held, unknown>)[name] = intercept(name);
}
