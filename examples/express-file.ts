/**
 * Express with Django's file engine: log in, see the secret page, log out.
 * Run: `node examples/express-file.ts`. Point a Django app's SESSION_FILE_PATH at the same
 * directory, with the same SECRET_KEY, and it sees the same sessions.
 */
import { mkdirSync } from 'node:fs';
import { createSessions } from 'coatcheck';
import { sessionMiddleware } from 'coatcheck/express';
import { fileStore } from 'coatcheck/stores/file';
import express from 'express';

type Data = { user: string };

const directory = process.env.SESSION_FILE_PATH ?? '.coatcheck/example-sessions';
mkdirSync(directory, { recursive: true });

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: fileStore({ directory }),
});

export const app = express();
app.use(express.urlencoded({ extended: false }));
app.use(sessionMiddleware(sessions));

app.post('/login', async (req, res) => {
  const session = await req.session<Data>();
  session.cycleKey(); // a fresh key at login defeats session fixation
  session.set('user', String(req.body.user ?? 'guest'));
  res.redirect('/secret');
});

app.get('/secret', async (req, res) => {
  const user = (await req.session<Data>()).get('user');
  if (user === undefined) res.redirect('/login');
  else res.send(`Hello, ${user}.`);
});

app.post('/logout', async (req, res) => {
  (await req.session()).flush(); // deletes the stored session and the cookie
  res.redirect('/login');
});

if (import.meta.main) app.listen(8002, '127.0.0.1', () => console.log('http://127.0.0.1:8002'));
