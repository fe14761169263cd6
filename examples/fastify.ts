/**
 * A shopping cart on Fastify, sessions in memory.
 * Run: `node examples/fastify.ts`, then open http://127.0.0.1:8008/cart/add?item=apple.
 */
import { createSessions } from 'coatcheck';
import { sessionPlugin } from 'coatcheck/fastify';
import { memoryStore } from 'coatcheck/stores/memory';
import Fastify from 'fastify';

type Data = { cart: string[] };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: memoryStore(),
});

export const app = Fastify();
await app.register(sessionPlugin, { sessions });

app.get<{ Querystring: { item?: string } }>('/cart/add', async (request) => {
  const session = await request.session<Data>();
  // A new array, given to set: a change made in place would not mark the session modified.
  const cart = [...(session.get('cart') ?? []), request.query.item ?? 'something'];
  session.set('cart', cart);
  return { cart }; // saved before the reply's headers leave
});

app.get('/cart', async (request) => ({ cart: (await request.session<Data>()).get('cart') ?? [] }));

if (import.meta.main) await app.listen({ port: 8008, host: '127.0.0.1' });
