/**
 * Sessions on Memcached, in Django's cache engine format: a Django project whose `CACHES`
 * use `PyMemcacheCache` on the same server (and `SESSION_ENGINE` `cache`) shares them.
 * Run memcached, then: `MEMCACHED_SERVERS=127.0.0.1:11211 node examples/memcached.ts`.
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/node';
import { memcachedStore } from 'coatcheck/stores/memcached';

type Data = { visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: memcachedStore({
    servers: (process.env.MEMCACHED_SERVERS ?? '127.0.0.1:11211').split(','),
  }),
});

export const server = createServer(
  withSessions(sessions, async (_req, res, ctx) => {
    const session = await ctx.session();
    session.set('visits', (session.get('visits') ?? 0) + 1);
    res.end(`visit ${session.get('visits')}\n`);
  }),
);

if (import.meta.main) server.listen(8005, '127.0.0.1', () => console.log('http://127.0.0.1:8005'));
