/**
 * A Fetch-API handler (the shape Hono, Bun, Deno and workers use) with sessions in signed
 * cookies: nothing stored on the server. Run: `node examples/fetch-signed-cookie.ts`.
 */
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/fetch';
import { signedCookies } from 'coatcheck/stores/signed-cookie';

type Data = { cart: string[] };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: signedCookies(),
});

export const handler = withSessions(sessions, async (request, ctx) => {
  const session = await ctx.session();
  const item = new URL(request.url).searchParams.get('add');
  if (item !== null) session.set('cart', [...(session.get('cart') ?? []), item]);
  return Response.json({ cart: session.get('cart') ?? [] });
});

// Node has no built-in Fetch server; this bridge is what runtimes that have one do for you.
if (import.meta.main) {
  createServer(async (req, res) => {
    const headers = new Headers();
    if (req.headers.cookie) headers.set('cookie', req.headers.cookie);
    const response = await handler(
      new Request(`http://${req.headers.host}${req.url}`, { headers }),
    );
    res.statusCode = response.status;
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') res.setHeader(name, value);
    });
    for (const cookie of response.headers.getSetCookie()) res.appendHeader('Set-Cookie', cookie);
    if (response.body) Readable.fromWeb(response.body as never).pipe(res);
    else res.end();
  }).listen(8003, '127.0.0.1', () => console.log('http://127.0.0.1:8003/?add=apple'));
}
