/**
 * Django on one side of a shared browser, for the session wire tests: requests go through its
 * SessionMiddleware (the peer's `session.request`) with the cookie the browser holds.
 */
import type { SessionData } from '../../src/session/data.ts';
import { type Browser, sentCookie } from '../stores/contract.ts';
import { ok, runPeer, SECRET_KEY } from './helpers.ts';

export const TWO_WEEKS = 1_209_600;

/** Data both JSONs carry the same way (no whole floats: JavaScript would write 1.0 as 1). */
export const SAMPLE: SessionData = {
  user: 'zoë',
  cart: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-7', qty: 1 },
  ],
  total: 12.5,
  flags: { beta: true, seen: null },
  emoji: 'smile 😀',
  _auth_user_id: '42',
};

export type Action =
  | { do: 'set'; key: string; value: unknown }
  | { do: 'delete'; key: string }
  | { do: 'update'; values: SessionData }
  | { do: 'flush' }
  | { do: 'cycle_key' }
  | { do: 'set_expiry'; value: unknown };

/** What a request through Django's SessionMiddleware answered (session_ops.request). */
export interface DjangoVisit {
  status: number;
  data: SessionData;
  expiry_age: unknown;
  session_key: string | null;
  set_cookie: string | null;
  vary: string | null;
}

/**
 * Django on one side of a shared browser: requests go through its SessionMiddleware with the
 * session cookie the browser holds, and its Set-Cookie updates that cookie.
 */
export class DjangoSide {
  readonly settings: Record<string, unknown>;
  readonly cookieName: string;

  constructor(settings: Record<string, unknown>) {
    this.settings = { SECRET_KEY, INSTALLED_APPS: ['django.contrib.sessions'], ...settings };
    this.cookieName = String(settings.SESSION_COOKIE_NAME ?? 'sessionid');
  }

  /** One peer operation, which must succeed. */
  call(op: string, args: Record<string, unknown> = {}): unknown {
    const [outcome] = runPeer([{ op, ...args }], this.settings);
    return ok(outcome, op);
  }

  /** A request from `browser` through Django; the browser keeps what the response sets. */
  visit(browser: Browser, actions: Action[] = []): DjangoVisit {
    const cookie =
      browser.cookie === undefined ? undefined : `${this.cookieName}=${browser.cookie}`;
    const visit = this.call('session.request', { cookie, actions }) as DjangoVisit;
    const sent = sentCookie(visit.set_cookie === null ? [] : [visit.set_cookie], this.cookieName);
    if (sent !== undefined) browser.cookie = sent.expired ? undefined : sent.value;
    return visit;
  }
}
