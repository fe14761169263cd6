/**
 * The visit counter on Hono, with Django's signed cookies as the engine: no store at all.
 * Run on Node: `node examples/hono.ts`, then open http://127.0.0.1:8009 and reload. On Bun,
 * Deno or a worker, export `app` (its `app.fetch`) instead of calling `serve`.
 */
import { serve } from '@hono/node-server';
import { createSessions } from 'coatcheck';
import { sessionMiddleware } from 'coatcheck/hono';
import { signedCookies } from 'coatcheck/stores/signed-cookie';
import { Hono } from 'hono';

type Data = { visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: signedCookies(),
});

// Made with the middleware, the app carries its variables: c.var.session() is a Session<Data>.
export const app = new Hono().use(sessionMiddleware(sessions));

app.get('/', async (c) => {
  const session = await c.var.session();
  const visits = (session.get('visits') ?? 0) + 1;
  session.set('visits', visits);
  return c.text(`You have been here ${visits} time${visits === 1 ? '' : 's'}.\n`);
});

app.get('/theme/:name', (c) => {
  // Django's set_signed_cookie: a cookie the browser can read but not forge.
  c.var.coatcheck.setSignedCookie('theme', c.req.param('name'), { maxAge: 365 * 24 * 3600 });
  return c.redirect('/theme');
});

app.get('/theme', (c) => c.text(c.var.coatcheck.getSignedCookie('theme') ?? 'light'));

if (import.meta.main) serve({ fetch: app.fetch, port: 8009, hostname: '127.0.0.1' });
