/** Visit counters on bare node:http: none, coatcheck's, iron-session's. */
import { createServer, type Server } from 'node:http';
import { getIronSession } from 'iron-session';
import { withSessions } from '../../../src/adapters/node.ts';
import { createSessions } from '../../../src/middleware/lifecycle.ts';
import type { EngineProvider } from '../../../src/session/engine.ts';
import type { SessionStore } from '../../../src/stores/store.ts';
import { SECRET, type Visits } from './visits.ts';

export function bare(): Server {
  let visits = 0;
  return createServer((_req, res) => {
    visits++;
    res.end(String(visits));
  });
}

export function coatcheck(engine: SessionStore | EngineProvider): Server {
  const sessions = createSessions<Visits>({ secretKey: SECRET, engine });
  return createServer(
    withSessions(sessions, async (_req, res, ctx) => {
      const session = await ctx.session();
      const visits = (session.get('visits') ?? 0) + 1;
      session.set('visits', visits);
      res.end(String(visits));
    }),
  );
}

export function ironSession(): Server {
  return createServer(async (req, res) => {
    const session = await getIronSession<Partial<Visits>>(req, res, {
      password: SECRET,
      cookieName: 'iron',
    });
    session.visits = (session.visits ?? 0) + 1;
    await session.save();
    res.end(String(session.visits));
  });
}
