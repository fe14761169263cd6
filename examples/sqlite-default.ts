/**
 * No engine given: sessions go to SQLite on Django's table, under .coatcheck/. Nothing to
 * install, nothing to run. Run: `node examples/sqlite-default.ts`.
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/node';

type Data = { visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
});

export const server = createServer(
  withSessions(sessions, async (_req, res, ctx) => {
    const session = await ctx.session();
    session.set('visits', (session.get('visits') ?? 0) + 1);
    res.end(`visit ${session.get('visits')}\n`);
  }),
);

if (import.meta.main) server.listen(8004, '127.0.0.1', () => console.log('http://127.0.0.1:8004'));
