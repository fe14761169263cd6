/** A route handler: GET reads the visit count, POST adds one; both answer JSON. */
import { withSession } from 'coatcheck/next';
import { sessions } from '../../../lib/sessions';

export async function GET(): Promise<Response> {
  return withSession(sessions, (session) => Response.json({ visits: session.get('visits') ?? 0 }));
}

export async function POST(): Promise<Response> {
  return withSession(sessions, (session) => {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return Response.json({ visits });
  });
}
