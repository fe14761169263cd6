/**
 * The visit counter on plain node:http, sessions in memory.
 * Run: `node examples/node-memory.ts`, then open http://127.0.0.1:8001 and reload.
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/node';
import { memoryStore } from 'coatcheck/stores/memory';

type Data = { visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: memoryStore(),
});

export const server = createServer(
  withSessions(sessions, async (_req, res, ctx) => {
    const session = await ctx.session();
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`You have been here ${visits} time${visits === 1 ? '' : 's'}.\n`);
  }),
);

if (import.meta.main) server.listen(8001, '127.0.0.1', () => console.log('http://127.0.0.1:8001'));
