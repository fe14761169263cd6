/**
 * Compile-only checks in a program of their own (tsconfig.json beside this file; `npm run
 * typecheck` runs it), shaped as an application on `coatcheck/express-session` is: it keeps
 * `@types/express-session` for `req.session`, and nothing coatcheck declares clashes with it.
 * (`coatcheck/express` declares `req.session` as a method, so it cannot be in this program:
 * TS2300, "Duplicate identifier 'session'".) examples/express-passport.ts is checked here too.
 */
import type { Sessions } from 'coatcheck';
import {
  type ExpressSession,
  type ExpressSessionCookie,
  sessionMiddleware,
} from 'coatcheck/express-session';
import express from 'express';
import type { Cookie, Session } from 'express-session';

declare module 'express-session' {
  interface SessionData {
    cart: string[];
  }
}

declare const sessions: Sessions;
const app = express();
app.use(sessionMiddleware(sessions));
app.use(sessionMiddleware(sessions, { unset: 'destroy' }));
// @ts-expect-error unset is 'keep' or 'destroy'
sessionMiddleware(sessions, { unset: 'forget' });
// @ts-expect-error express-session's options are settings of createSessions here
sessionMiddleware(sessions, { secret: 'the secret key' });

app.get('/', async (req, res) => {
  const cart: string[] | undefined = req.session.cart;
  req.session.cart = [...(cart ?? []), 'apple'];
  // @ts-expect-error the data is typed by SessionData, as with express-session
  req.session.cart = 'apple';
  req.session.cookie.maxAge = 60_000;
  const id: string = req.sessionID;
  // Django's API on the same session, and Django's cookie API.
  const session = await req.coatcheck.session();
  session.set('cart', ['pear']);
  req.coatcheck.setSignedCookie('theme', 'dark');
  // @ts-expect-error req.session is express-session's object here, not coatcheck/express's method
  await req.session();
  req.session.regenerate((error) => {
    if (error) throw error;
    res.send(id);
  });
});

// The object coatcheck puts on req.session is what express-session's types promise.
declare const object: ExpressSession;
const asSession: Session = object;
declare const cookie: ExpressSessionCookie;
const asCookie: Cookie = cookie;
void [asSession, asCookie];
