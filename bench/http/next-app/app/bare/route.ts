/** The visit counter with no sessions: one count for everyone, in a variable. */
export const dynamic = 'force-dynamic';

let visits = 0;

export async function GET(): Promise<Response> {
  visits++;
  return new Response(String(visits));
}
