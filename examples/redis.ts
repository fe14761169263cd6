/**
 * Sessions in Redis, where Django's `cache` session engine keeps them, so a Django project whose
 * CACHES point at the same Redis (same KEY_PREFIX and VERSION) shares them.
 * Run: `REDIS_URL=redis://127.0.0.1:6379 node examples/redis.ts` (`npm install redis`).
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/node';
import { redisStore } from 'coatcheck/stores/redis';

type Data = { visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  // The store makes its own client from the URL and closes it with sessions.close().
  engine: redisStore({
    url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix: process.env.CACHE_KEY_PREFIX ?? '',
  }),
});

export const server = createServer(
  withSessions(sessions, async (_req, res, ctx) => {
    const session = await ctx.session();
    session.set('visits', (session.get('visits') ?? 0) + 1);
    res.end(`visit ${session.get('visits')}\n`);
  }),
);

if (import.meta.main) server.listen(8007, '127.0.0.1', () => console.log('http://127.0.0.1:8007'));
