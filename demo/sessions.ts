/**
 * coatcheck's whole part in this site: the settings, and the middlewares in the order they
 * must run. The home page shows this file.
 *
 * @module
 */

import { fileURLToPath } from 'node:url';
import express from 'express';
import { sessionMiddleware } from '../src/adapters/express.ts';
import {
  createSessions,
  type EngineProvider,
  type SessionLogger,
  type SessionStore,
  type Sessions,
} from '../src/index.ts';
import { csrfProtect } from './csrf.ts';
import type { ResponseLog } from './inspector.ts';

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * The settings: Django's names, camelCased. Anything not given keeps Django's
 * default: cookie `sessionid`, two weeks, HttpOnly, SameSite=Lax, saved
 * only when changed.
 */
export function openSessions(
  secretKey: string,
  engine: SessionStore | EngineProvider,
  logger?: SessionLogger,
): Sessions {
  return createSessions({
    secretKey, // Django's SECRET_KEY: signs session data and signed cookies
    engine, // memoryStore(), fileStore({ directory }), sqliteStore(), ...
    ...(logger === undefined ? {} : { logger }),
  });
}

/** The middlewares, in this order. */
export function installSessions(
  app: express.Express,
  sessions: Sessions,
  log: ResponseLog,
): void {
  // Static files first: they never touch a session, so cost no store trip.
  app.use('/static', express.static(PUBLIC, { maxAge: '1h' }));
  // The demo's inspector: it wraps the response before coatcheck does, so
  // it sees the session's Set-Cookie lines.
  app.use(log.middleware());
  // Gives each request req.session() and req.coatcheck (the cookie API).
  app.use(sessionMiddleware(sessions));
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));
  // After the session: the CSRF secret lives in it.
  app.use(csrfProtect());
}
