/** A server component: it reads the session and signed cookies; the forms' actions write. */
import { getSession, requestContext } from 'coatcheck/next';
import { sessions } from '../lib/sessions';
import { chooseTheme, countVisit, logIn } from './actions';

export default async function Home() {
  const session = await getSession(sessions);
  const theme = (await requestContext(sessions)).getSignedCookie('theme', { salt: 'theme' });
  const visits = session.get('visits') ?? 0;
  return (
    <main className={theme ?? 'light'}>
      <p data-testid="visits">
        You have been here {visits} time{visits === 1 ? '' : 's'}.
      </p>
      <form action={countVisit}>
        <button type="submit">Count a visit</button>
      </form>
      <p data-testid="theme">Theme: {theme ?? 'none chosen'}</p>
      <form action={chooseTheme}>
        <button type="submit" name="theme" value="dark">
          Dark
        </button>
      </form>
      <form action={logIn}>
        <input name="user" defaultValue="alice" aria-label="user" />
        <button type="submit">Log in</button>
      </form>
    </main>
  );
}
