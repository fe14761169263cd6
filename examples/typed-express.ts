/**
 * Typed and validated session data on Express. One Zod schema is both the data type (every
 * `req.session()` has it, with no annotation at the call site) and the check of each loaded
 * session: data stored before a deploy changed its shape starts a fresh session, with a
 * warning, instead of breaking the route that reads it.
 * Run: `node examples/typed-express.ts`, then open http://127.0.0.1:8003.
 */
import { createSessions } from 'coatcheck';
import { sessionMiddleware } from 'coatcheck/express';
import { memoryStore } from 'coatcheck/stores/memory';
import express from 'express';
import { z } from 'zod';

// Every key optional: a session fills up as the visitor goes. Unknown keys pass (z.object
// lets them through), so Django's and coatcheck's own keys do too.
const schema = z.object({
  visits: z.number().int().nonnegative().optional(),
  user: z.object({ name: z.string(), admin: z.boolean().default(false) }).optional(),
});

// Once per application: Express's `req` is one type for every app, so the data type is
// registered, and every req.session() is a Session of it.
declare module 'coatcheck' {
  interface Register {
    data: z.output<typeof schema>;
  }
}

export const store = memoryStore();

export const sessions = createSessions({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: store,
  schema,
});

export const app = express();
app.use(sessionMiddleware(sessions));

app.get('/', async (req, res) => {
  const session = await req.session();
  const visits = session.get('visits', 0) + 1; // a number: the schema says so, and checked it
  session.set('visits', visits);
  res.type('text').send(`You have been here ${visits} time${visits === 1 ? '' : 's'}.\n`);
});

app.post('/login', async (req, res) => {
  const session = await req.session();
  session.cycleKey(); // a fresh key at login defeats session fixation
  session.set('user', { name: String(req.query.name ?? 'guest'), admin: false });
  res.redirect(303, '/me');
});

app.get('/me', async (req, res) => {
  const user = (await req.session()).get('user');
  if (user === undefined) res.status(401).json({ error: 'not logged in' });
  else res.json(user); // { name, admin }: admin filled in by the schema for older sessions
});

if (import.meta.main) app.listen(8003, '127.0.0.1', () => console.log('http://127.0.0.1:8003'));
