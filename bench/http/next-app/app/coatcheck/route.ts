/** The visit counter through coatcheck/next, its data in a signed cookie. */
import { createSessions } from 'coatcheck';
import { withSession } from 'coatcheck/next';
import { signedCookies } from 'coatcheck/stores/signed-cookie';
import { SECRET, type Visits } from '../../../frameworks/visits.ts';

export const dynamic = 'force-dynamic';

const sessions = createSessions<Visits>({ secretKey: SECRET, engine: signedCookies() });

export async function GET(): Promise<Response> {
  return withSession(sessions, (session) => {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return new Response(String(visits));
  });
}
