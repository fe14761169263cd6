'use server';
/**
 * Server actions: where Next lets a response set cookies, so where the session is written.
 * withSession saves the session before the action's answer (or its redirect) leaves.
 */
import { withSession } from 'coatcheck/next';
import { redirect } from 'next/navigation';
import { sessions } from '../lib/sessions';

export async function countVisit(): Promise<void> {
  await withSession(sessions, (session) => {
    session.set('visits', (session.get('visits') ?? 0) + 1);
  });
}

export async function logIn(form: FormData): Promise<void> {
  await withSession(sessions, (session) => {
    session.cycleKey(); // a new key at login: a key planted before it is worthless
    session.set('user', String(form.get('user') ?? 'anonymous'));
    redirect('/account'); // the session is stored before the redirect reaches the browser
  });
}

export async function logOut(): Promise<void> {
  await withSession(sessions, (session) => session.flush());
  redirect('/');
}

export async function chooseTheme(form: FormData): Promise<void> {
  await withSession(sessions, (_session, context) => {
    // Django's set_signed_cookie: the browser can read it, not forge it.
    context.setSignedCookie('theme', String(form.get('theme') ?? 'light'), { salt: 'theme' });
  });
}
