/**
 * Visit counters on Express 5: none, coatcheck's, express-session's, cookie-session's, and
 * express-session's route on coatcheck's compat mode.
 */
import { createServer, type Server } from 'node:http';
import cookieSession from 'cookie-session';
import express from 'express';
import expressSession from 'express-session';
import { sessionMiddleware } from '../../../src/adapters/express.ts';
import { sessionMiddleware as expressSessionCompat } from '../../../src/adapters/express-session.ts';
import { createSessions } from '../../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../../src/session/engine.ts';
import type { SessionStore } from '../../../src/stores/store.ts';
import type { ExpressSessionStore } from '../../lib/stores.ts';
import { AGE_SECONDS, SECRET, type Visits } from './visits.ts';

// The peers (and coatcheck/express-session) put the session on `req.session`, which
// coatcheck/express types as a method.
type PeerRequest = { session: Partial<Visits> };

export function bare(): Server {
  const app = express();
  let visits = 0;
  app.get('/', (_req, res) => {
    visits++;
    res.send(String(visits));
  });
  return createServer(app);
}

export function coatcheck(engine: SessionStore | EngineProvider): Server {
  const sessions = createSessions<Visits>({ secretKey: SECRET, engine });
  const app = express();
  app.use(sessionMiddleware(sessions));
  app.get('/', async (req, res) => {
    const session = await req.session<Visits>();
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    res.send(String(visits));
  });
  return createServer(app);
}

function counter(app: express.Express): Server {
  app.get('/', (req, res) => {
    const session = (req as unknown as PeerRequest).session;
    session.visits = (session.visits ?? 0) + 1;
    res.send(String(session.visits));
  });
  return createServer(app);
}

/** express-session's route, unchanged, on `coatcheck/express-session` with `engine`. */
export function coatcheckExpressSession(engine: SessionStore | EngineProvider): Server {
  const app = express();
  app.use(expressSessionCompat(createSessions({ secretKey: SECRET, engine })));
  return counter(app);
}

/** express-session on `store` (its MemoryStore when undefined). */
export function expressSessionApp(store: ExpressSessionStore | undefined): Server {
  const app = express();
  app.use(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, store }));
  return counter(app);
}

/** cookie-session: the data in a cookie signed with Keygrip (HMAC-SHA1), a second cookie. */
export function cookieSessionApp(): Server {
  const app = express();
  app.use(cookieSession({ name: 'session', keys: [SECRET], maxAge: AGE_SECONDS * 1000 }));
  return counter(app);
}
