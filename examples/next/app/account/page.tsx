/** Reached only with a signed-in session: proxy.ts sends everyone else to the home page. */
import { getSession } from 'coatcheck/next';
import { sessions } from '../../lib/sessions';
import { logOut } from '../actions';

export default async function Account() {
  const session = await getSession(sessions);
  return (
    <main>
      <p data-testid="user">Signed in as {session.get('user')}.</p>
      <form action={logOut}>
        <button type="submit">Log out</button>
      </form>
    </main>
  );
}
