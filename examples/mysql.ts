/**
 * Sessions in MySQL or MariaDB through mysql2, on a URL, with the table created on first use.
 * Run: `DATABASE_URL=mysql://user@host/db node examples/mysql.ts` (`npm install mysql2`).
 */
import { createServer } from 'node:http';
import { createSessions } from 'coatcheck';
import { withSessions } from 'coatcheck/node';
import { mysqlStore } from 'coatcheck/stores/mysql';

type Data = { visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: mysqlStore(
    { url: process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test' },
    { table: process.env.SESSION_TABLE ?? 'django_session', autoMigrate: true },
  ),
});

export const server = createServer(
  withSessions(sessions, async (_req, res, ctx) => {
    const session = await ctx.session();
    session.set('visits', (session.get('visits') ?? 0) + 1);
    res.end(`visit ${session.get('visits')}\n`);
  }),
);

if (import.meta.main) server.listen(8006, '127.0.0.1', () => console.log('http://127.0.0.1:8006'));
