/**
 * Sessions in PostgreSQL, on the application's own pool, in Django's django_session table.
 * Run: `DATABASE_URL=postgres://user@host/db node examples/postgres.ts` (`npm install pg`).
 * Create the table once with `npx coatcheck migrate --database $DATABASE_URL`, or let Django's
 * own migration make it.
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/node';
import { postgresStore } from 'coatcheck/stores/postgres';
import pg from 'pg';

type Data = { visits: number };

export const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle PostgreSQL connection failed', error));

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: postgresStore({ pool }, { table: process.env.SESSION_TABLE ?? 'django_session' }),
});

export const server = createServer(
  withSessions(sessions, async (_req, res, ctx) => {
    const session = await ctx.session();
    session.set('visits', (session.get('visits') ?? 0) + 1);
    res.end(`visit ${session.get('visits')}\n`);
  }),
);

if (import.meta.main) server.listen(8005, '127.0.0.1', () => console.log('http://127.0.0.1:8005'));
