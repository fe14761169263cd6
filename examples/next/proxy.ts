/**
 * Next's proxy (middleware.ts before Next 16) runs before the page: it reads the session from
 * the request to keep visitors who have not logged in out of /account.
 */
import { getSession } from 'coatcheck/next';
import { type NextRequest, NextResponse } from 'next/server';
import { sessions } from './lib/sessions';

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const session = await getSession(sessions, request);
  if (!session.has('user')) return NextResponse.redirect(new URL('/', request.url));
  return NextResponse.next();
}

export const config = { matcher: ['/account'] };
