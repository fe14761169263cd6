/**
 * The inspector panel at the foot of every page: the session key, what the engine stores,
 * the decoded data, the cookies the browser sent, and the `Set-Cookie` lines of the previous
 * response to this browser.
 *
 * That last one needs the demo to recognise a browser across requests even when it has no
 * session cookie (after a logout, say), so the demo gives each browser a `demo_browser`
 * cookie of its own, and remembers the last response it sent there in a small LRU.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { parseCookies, serializeCookie } from '../src/cookies/index.ts';
import type { Session } from '../src/index.ts';
import type { OpenedEngine, StoredRecord } from './engines.ts';

/** The demo's own cookie, which names a browser for the inspector. */
export const BROWSER_COOKIE = 'demo_browser';

/** A response the demo sent to a browser, as the inspector shows it. */
export interface SentResponse {
  method: string;
  path: string;
  status: number;
  setCookie: string[];
}

/** What the inspector template shows. */
export interface InspectorView {
  engine: string;
  sessionKey: string;
  stored: StoredRecord | null;
  data: string;
  cookies: { name: string; value: string }[];
  previous: SentResponse | undefined;
}

// Set-Cookie lines passed to writeHead itself: a header object, or Node's flat
// [name, value, ...] array.
function setCookieIn(headers: unknown): string[] {
  if (Array.isArray(headers)) {
    return headers.flatMap((item, i) =>
      i % 2 === 0 && String(item).toLowerCase() === 'set-cookie' ? [String(headers[i + 1])] : [],
    );
  }
  if (typeof headers !== 'object' || headers === null) return [];
  return Object.entries(headers)
    .filter(([name]) => name.toLowerCase() === 'set-cookie')
    .flatMap(([, value]) => [value].flat().map(String));
}

/** The last response sent to each browser, by its `demo_browser` id. */
export class ResponseLog {
  readonly #sent = new LRUCache<string, SentResponse>({ max: 5000 });

  /** The previous response to this request's browser, if the demo knows it. */
  previous(req: Request): SentResponse | undefined {
    const id = req.coatcheck.cookies[BROWSER_COOKIE];
    return id === undefined ? undefined : this.#sent.get(id);
  }

  /**
   * The middleware. Mount it before coatcheck's: it wraps `writeHead` first, so the wrapper
   * runs after the session is saved and its `Set-Cookie` lines are on the response.
   */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      let id = parseCookies(req.headers.cookie)[BROWSER_COOKIE];
      if (id === undefined || !/^[0-9a-f]{32}$/.test(id)) {
        id = randomBytes(16).toString('hex');
        const year = 365 * 24 * 3600;
        res.append(
          'Set-Cookie',
          serializeCookie(BROWSER_COOKIE, id, { maxAge: year, httpOnly: true, sameSite: 'Lax' }),
        );
      }
      const browser = id;
      const writeHead = res.writeHead;
      const log = this.#sent;
      res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
        const header = this.getHeader('set-cookie');
        const lines = header === undefined ? [] : [header].flat().map(String);
        lines.push(...setCookieIn(args.at(-1)));
        const status = typeof args[0] === 'number' ? args[0] : this.statusCode;
        log.set(browser, { method: req.method, path: req.originalUrl, status, setCookie: lines });
        return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as typeof res.writeHead;
      next();
    };
  }
}

/** A key or cookie value cut short for display: enough to tell two apart. */
export function abbreviate(value: string | null | undefined, keep = 8): string {
  if (value === null || value === undefined || value === '') return '(none)';
  return value.length <= keep + 4 ? value : `${value.slice(0, keep)}…${value.slice(-4)}`;
}

/** Everything the inspector panel shows for this request. */
export async function inspect(
  req: Request,
  session: Session,
  engine: { name: string; opened: OpenedEngine },
  log: ResponseLog,
): Promise<InspectorView> {
  const { cookies } = req.coatcheck;
  const cookie = cookies.sessionid;
  const stored = cookie === undefined ? null : await engine.opened.stored(cookie);
  return {
    engine: engine.name,
    sessionKey:
      engine.name === 'signed-cookie'
        ? 'none: with signed cookies the cookie is the session, there is no key'
        : session.sessionKey === null
          ? 'none yet: a key is made when the session is first saved'
          : abbreviate(session.sessionKey),
    stored,
    data: JSON.stringify(session.toJSON(), null, 2),
    cookies: Object.entries(cookies).map(([name, value]) => ({
      name,
      value: value.length > 60 ? abbreviate(value, 48) : value,
    })),
    previous: log.previous(req),
  };
}
