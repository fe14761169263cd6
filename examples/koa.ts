/**
 * Koa with Django's file engine: log in, see the secret page, log out.
 * Run: `node examples/koa.ts`, then `curl -c jar -b jar -X POST
 * 'http://127.0.0.1:8010/login?user=alice'` and `curl -b jar http://127.0.0.1:8010/secret`.
 */
import { mkdirSync } from 'node:fs';
import { createSessions } from 'coatcheck';
import { sessionMiddleware } from 'coatcheck/koa';
import { fileStore } from 'coatcheck/stores/file';
import Koa from 'koa';

type Data = { user: string };

const directory = process.env.SESSION_FILE_PATH ?? '.coatcheck/example-sessions';
mkdirSync(directory, { recursive: true });

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: fileStore({ directory }),
});

export const app = new Koa();
app.use(sessionMiddleware(sessions));

app.use(async (ctx) => {
  const session = await ctx.session<Data>();
  if (ctx.method === 'POST' && ctx.path === '/login') {
    session.cycleKey(); // a fresh key at login defeats session fixation
    session.set('user', String(ctx.query.user ?? 'guest'));
    ctx.redirect('/secret');
  } else if (ctx.method === 'POST' && ctx.path === '/logout') {
    session.flush(); // deletes the stored session and the cookie
    ctx.redirect('/secret');
  } else if (ctx.path === '/secret') {
    const user = session.get('user');
    if (user === undefined) ctx.status = 403;
    ctx.body = user === undefined ? 'Log in first.' : `Hello, ${user}.`;
  }
});

if (import.meta.main) app.listen(8010, '127.0.0.1', () => console.log('http://127.0.0.1:8010'));
