/**
 * Sessions outside a request, as Django's `SessionStore(session_key=...)`: a script, an admin
 * tool or a worker opens a user's session by key, reads and changes it, saves it or ends it.
 * Run: `node examples/outside-a-request.ts <session key> <plan>`.
 */
import { createSessions } from 'coatcheck';
import { memoryStore } from 'coatcheck/stores/memory';

type Data = { plan: string; visits: number };

export const sessions = createSessions<Data>({
  secretKey: process.env.SECRET_KEY ?? 'example-only-secret-key-change-me-0123456789-abcdefghijkl',
  engine: memoryStore(),
});

/** Moves a signed-in user to another plan without waiting for their next request. */
export async function changePlan(key: string, plan: string): Promise<boolean> {
  const session = await sessions.open(key);
  if (session.sessionKey === null) return false; // unknown or expired: nothing to change
  session.set('plan', plan);
  await session.save(); // the same save a request makes: expiry renewed, concurrent changes kept
  return true;
}

/** Ends a session at once, as an admin's "sign this device out" button would. */
export async function endSession(key: string): Promise<void> {
  const session = await sessions.open(key);
  await session.destroy();
}

if (import.meta.main) {
  const [key = '', plan = 'pro'] = process.argv.slice(2);
  console.log((await changePlan(key, plan)) ? 'changed' : 'no such session');
}
