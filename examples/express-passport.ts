/**
 * Passport 0.7 (a login form, with passport-local) and connect-flash on coatcheck, through
 * express-session's `req.session`: the code an express-session app has, with one import and
 * one line changed. Sessions go to SQLite in Django's `django_session` table.
 * Run: `node examples/express-passport.ts`, then open http://127.0.0.1:8003 (alice, wonderland).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createSessions } from 'coatcheck';
import { sessionMiddleware } from 'coatcheck/express-session';
import { sqliteStore } from 'coatcheck/stores/sqlite';
import flash from 'connect-flash';
import express from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';

// req.session keeps express-session's types (npm i -D @types/express-session), augmented as
// usual; req.user is Passport's.
declare module 'express-session' {
  interface SessionData {
    visits: number;
  }
}
declare global {
  namespace Express {
    interface User {
      id: string;
      username: string;
    }
  }
}

// A real application looks users up in its database and compares password hashes.
const USERS = [{ id: '1', username: 'alice', password: 'wonderland' }];

const path = process.env.SESSION_DB ?? '.coatcheck/passport-example.sqlite3';
mkdirSync(dirname(path), { recursive: true });

export const sessions = createSessions({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: sqliteStore({ path }),
});

passport.use(
  new LocalStrategy((username, password, done) => {
    const user = USERS.find((candidate) => candidate.username === username);
    if (user === undefined || user.password !== password) {
      done(null, false, { message: 'Wrong username or password.' });
    } else done(null, { id: user.id, username: user.username });
  }),
);
passport.serializeUser((user, done) => done(null, user.id));
passport.deserializeUser((id: string, done) => {
  const user = USERS.find((candidate) => candidate.id === id);
  done(null, user === undefined ? false : { id: user.id, username: user.username });
});

export const app = express();
app.use(express.urlencoded({ extended: false }));
// express-session had: app.use(session({ secret, resave: false, saveUninitialized: false }))
app.use(sessionMiddleware(sessions));
app.use(passport.session());
app.use(flash());

const html = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

app.get('/login', (req, res) => {
  const errors = req.flash('error').map((error) => `<p role="alert">${html(error)}</p>`);
  res.send(`${errors.join('')}<form method="post" action="/login">
<input name="username" autocomplete="username"> <input name="password" type="password">
<button>Log in</button></form>`);
});

app.post(
  '/login',
  passport.authenticate('local', {
    successRedirect: '/',
    failureRedirect: '/login',
    failureFlash: true,
  }),
);

app.get('/', (req, res) => {
  if (req.user === undefined) {
    res.redirect('/login');
    return;
  }
  req.session.visits = (req.session.visits ?? 0) + 1;
  res.send(`Hello, ${html(req.user.username)}: visit ${req.session.visits}.
<form method="post" action="/logout"><button>Log out</button></form>`);
});

app.post('/logout', (req, res, next) => {
  // Passport 0.7 saves, then regenerates the session: the cookie goes, the stored record too.
  req.logout((error) => (error ? next(error) : res.redirect('/login')));
});

if (import.meta.main) app.listen(8003, '127.0.0.1', () => console.log('http://127.0.0.1:8003'));
