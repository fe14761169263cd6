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

import { ServerResponse } from 'node:http';
import { type FinishResult, type RequestContext, settle } from '../middleware/lifecycle.ts';
import { type Awaitable, isPending } from '../session/awaitable.ts';
import type { SessionData } from '../session/data.ts';
import { varyWithCookie } from './response-headers.ts';
import { removeHeaders, sendError } from './send-error.ts';

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

/**
 * Holds `response` until the context's `finish` has given the session's headers, then adds
 * them and lets it go. When `finish` answers synchronously (the memory store, signed cookies),
 * the response goes out in the same call that started it, with nothing queued. When it fails,
 * nothing of the held response is sent: its headers are removed, and `onError` gets the error
 * with the response released, free to send an error page instead (without one, the response
 * answers with the error's status, see {@link sendError}).
 *
 * Nothing here is made per request but the hold itself: the context and `onError` (Express's
 * own `next`, say) are kept as given, not wrapped.
 */
export function holdResponse(
  response: ServerResponse,
  context: RequestContext<SessionData>,
  onError?: (error: unknown) => void,
): void {
  const holding = response as Holding;
  holding[HOLD] = new Hold(response, context, onError);
  holding.writeHead = heldWriteHead as ServerResponse['writeHead'];
  holding.write = heldWrite as ServerResponse['write'];
  holding.end = heldEnd as ServerResponse['end'];
  holding.flushHeaders = heldFlushHeaders;
}

type Method = (...args: unknown[]) => unknown;

// A response's hold rides on it under a symbol; the four methods put in its place are the same
// functions for every response and find their hold through `this`. (Closures made per response
// would do the same work and allocate a dozen objects a request.)
const HOLD = Symbol('coatcheck.hold');
type Holding = ServerResponse & { [HOLD]?: Hold };

type Originals = Record<Held, Method>;

// The methods a response has before it is held: nearly always ServerResponse's own, shared by
// every hold; a response whose methods something else replaced first gets a record of its own.
const PROTOTYPE_METHODS: Originals = {
  writeHead: ServerResponse.prototype.writeHead as Method,
  write: ServerResponse.prototype.write as Method,
  end: ServerResponse.prototype.end as Method,
  flushHeaders: ServerResponse.prototype.flushHeaders as Method,
};

function originalsOf(response: ServerResponse): Originals {
  const own = PROTOTYPE_METHODS;
  if (
    response.writeHead === own.writeHead &&
    response.write === own.write &&
    response.end === own.end &&
    response.flushHeaders === own.flushHeaders
  ) {
    return own;
  }
  return {
    writeHead: response.writeHead as Method,
    write: response.write as Method,
    end: response.end as Method,
    flushHeaders: response.flushHeaders as Method,
  };
}

/** One held response: its own methods, and what it was asked to do while held. */
class Hold {
  readonly #response: ServerResponse;
  readonly #context: RequestContext<SessionData>;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #original: Originals;
  #queue: [Held, unknown[]][] | undefined;
  #refusedWrite = false;
  #released = false;

  constructor(
    response: ServerResponse,
    context: RequestContext<SessionData>,
    onError: ((error: unknown) => void) | undefined,
  ) {
    this.#response = response;
    this.#context = context;
    this.#onError = onError;
    this.#original = originalsOf(response);
  }

  /** What the response's `name` method does while held. */
  call(name: Held, args: unknown[]): unknown {
    // Through a reference to a held method kept from before the release: the response's own.
    if (this.#released) return this.#original[name].apply(this.#response, args);
    if (this.#queue === undefined) {
      // The first call: the session is saved now, before any byte leaves.
      const status =
        name === 'writeHead' && typeof args[0] === 'number' ? args[0] : this.#response.statusCode;
      let result: Awaitable<FinishResult>;
      try {
        result = settle(this.#context, status);
      } catch (error) {
        // Reported after the handler's call returns, as an asynchronous failure would be;
        // whatever it sends meanwhile is held, then dropped.
        result = Promise.reject(error);
      }
      if (!isPending(result)) {
        this.#addHeaders(name, args, result);
        this.#release();
        return this.#original[name].apply(this.#response, args);
      }
      this.#queue = [];
      result.then(
        (settled) => this.#replay(settled),
        (error: unknown) => this.#fail(error),
      );
    }
    this.#queue.push([name, args]);
    if (name === 'write') {
      this.#refusedWrite = true;
      return false;
    }
    return name === 'writeHead' || name === 'end' ? this.#response : undefined;
  }

  #release(): void {
    const response = this.#response as Holding;
    const original = this.#original;
    response.writeHead = original.writeHead as ServerResponse['writeHead'];
    response.write = original.write as ServerResponse['write'];
    response.end = original.end as ServerResponse['end'];
    response.flushHeaders = original.flushHeaders as ServerResponse['flushHeaders'];
    this.#released = true;
  }

  // Headers handed to writeHead take precedence over setHeader's, so ours go in with them.
  #addHeaders(first: Held, args: unknown[], result: FinishResult): void {
    const given = first === 'writeHead' ? args.at(-1) : undefined;
    if (Array.isArray(given)) addToRawHeaders(given, result);
    else if (typeof given === 'object' && given !== null) {
      addToHeaderObject(given as HeaderObject, result);
    } else addToResponse(this.#response, result);
  }

  #fail(error: unknown): void {
    this.#release();
    this.#queue = undefined;
    const response = this.#response;
    if (this.#onError === undefined) {
      sendError(response, error, this.#context.logger);
      return;
    }
    // The response the handler meant (a redirect's Location, its cookies) did not happen: the
    // error handling answers on a clean slate.
    if (!response.headersSent) removeHeaders(response);
    this.#onError(error);
  }

  #replay(result: FinishResult): void {
    const calls = this.#queue ?? [];
    const [first] = calls;
    if (first !== undefined) this.#addHeaders(first[0], first[1], result);
    this.#release();
    this.#queue = undefined;
    for (const [name, args] of calls) this.#original[name].apply(this.#response, args);
    // A writer told to wait (write returned false) resumes on 'drain'.
    const response = this.#response;
    if (this.#refusedWrite && !response.writableEnded) response.emit('drain');
  }
}

/** Calls `name` as the hold of `response` says, or as the response itself would once released. */
function heldCall(response: Holding, name: Held, args: unknown[]): unknown {
  const hold = response[HOLD];
  if (hold !== undefined) return hold.call(name, args);
  // Called on another object than a held response: ServerResponse's own method.
  return (ServerResponse.prototype[name] as Method).apply(response, args);
}

function heldWriteHead(this: Holding, ...args: unknown[]): unknown {
  return heldCall(this, 'writeHead', args);
}
function heldWrite(this: Holding, ...args: unknown[]): unknown {
  return heldCall(this, 'write', args);
}
function heldEnd(this: Holding, ...args: unknown[]): unknown {
  return heldCall(this, 'end', args);
}
function heldFlushHeaders(this: Holding): void {
  heldCall(this, 'flushHeaders', []);
}
