/** The visit counter through iron-session on Next, as its documentation sets it up. */
import { getIronSession } from 'iron-session';
// With its extension, as coatcheck/next imports it: Next has no `exports` map.
import { cookies } from 'next/headers.js';
import { SECRET, type Visits } from '../../../frameworks/visits.ts';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  // Next's cookie store is the one iron-session's docs pass; their two types disagree only under
  // exactOptionalPropertyTypes (an optional parameter that may or may not take undefined).
  const store = (await cookies()) as never;
  const session = await getIronSession<Partial<Visits>>(store, {
    password: SECRET,
    cookieName: 'iron',
  });
  session.visits = (session.visits ?? 0) + 1;
  await session.save();
  return new Response(String(session.visits));
}
