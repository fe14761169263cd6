/**
 * The options of `coatcheck/express-session`'s middleware, checked once, at startup.
 *
 * @module
 */

import { ImproperlyConfigured } from '../errors.ts';
import type { UnsetAction } from './express-session-binding.ts';

/** Options of the `coatcheck/express-session` middleware. */
export interface ExpressSessionOptions {
  /**
   * What a request that unsets `req.session` (`req.session = null`, `delete req.session`) does
   * to its session: `'keep'` leaves the stored session as it was and saves none of this
   * request's changes; `'destroy'` deletes it, as `req.session.destroy()` would.
   * express-session's option of the same name.
   * @default 'keep'
   */
  unset?: UnsetAction | undefined;
}

// express-session's other options, and where each one lives now: an app that passes its old
// options object learns it at startup rather than finding them silently ignored.
const MOVED = new Map([
  ['secret', 'is the secretKey setting of createSessions'],
  ['name', 'is the cookieName setting of createSessions'],
  ['store', 'is the engine setting of createSessions: a coatcheck store'],
  [
    'cookie',
    'is the cookieAge (in seconds, not milliseconds), cookiePath, cookieDomain, cookieSecure, ' +
      'cookieHttpOnly and cookieSameSite settings of createSessions',
  ],
  ['rolling', 'is the saveEveryRequest setting of createSessions'],
  ['resave', 'is not needed: a session is saved when it changed, and concurrent changes merge'],
  ['saveUninitialized', 'is not needed: an empty session is never stored'],
  ['genid', 'is not supported: session keys are made as Django makes them'],
  ['proxy', 'is not needed: cookieSecure sets Secure whatever the connection'],
]);

/** Checks the options; throws `ImproperlyConfigured` naming what is wrong and where it went. */
export function checkOptions(options: ExpressSessionOptions): { unset: UnsetAction } {
  for (const name of Object.keys(options)) {
    if (name === 'unset') continue;
    const moved = MOVED.get(name) ?? 'is not an option: the one option is unset';
    throw new ImproperlyConfigured(`coatcheck/express-session: ${name} ${moved}`);
  }
  const unset = options.unset ?? 'keep';
  if (unset !== 'keep' && unset !== 'destroy') {
    throw new ImproperlyConfigured(
      `coatcheck/express-session: unset must be 'keep' or 'destroy', got ${String(unset)}`,
    );
  }
  return { unset };
}
