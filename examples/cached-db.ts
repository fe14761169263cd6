/**
 * Django's cached_db engine: Memcached in front of SQLite. Reads come from the cache, writes
 * go to the database first; if Memcached goes down, sessions keep coming from the database.
 * A Django project with `SESSION_ENGINE = 'django.contrib.sessions.backends.cached_db'`, the
 * same SQLite file and the same Memcached shares them.
 * Run memcached, then: `MEMCACHED_SERVERS=127.0.0.1:11211 node examples/cached-db.ts`.
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/node';
import { cachedDb } from 'coatcheck/stores/cached-db';
import { memcachedStore } from 'coatcheck/stores/memcached';
import { sqliteStore } from 'coatcheck/stores/sqlite';

type Data = { visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: cachedDb({
    cache: memcachedStore({
      servers: (process.env.MEMCACHED_SERVERS ?? '127.0.0.1:11211').split(','),
    }),
    database: sqliteStore({ path: process.env.SESSION_DB ?? 'db.sqlite3' }),
  }),
});

export const server = createServer(
  withSessions(sessions, async (_req, res, ctx) => {
    const session = await ctx.session();
    session.set('visits', (session.get('visits') ?? 0) + 1);
    res.end(`visit ${session.get('visits')}\n`);
  }),
);

if (import.meta.main) server.listen(8006, '127.0.0.1', () => console.log('http://127.0.0.1:8006'));
