/**
 * The application's sessions, shared by its pages, actions, route handlers and proxy. SQLite
 * keeps them, so every part of the app (Next may load this module more than once, the proxy
 * apart from the pages) reads the same sessions.
 */
import { createSessions } from 'coatcheck';
import { sqliteStore } from 'coatcheck/stores/sqlite';

export type Data = { visits: number; user: string };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: sqliteStore({ path: process.env.SESSION_DB ?? '.coatcheck/next-example.sqlite3' }),
});
