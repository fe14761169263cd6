/**
 * Cross-site request forgery protection, Django's way with `CSRF_USE_SESSIONS = True`.
 *
 * A random secret lives in the session. Each form carries a token made from it: the secret
 * enciphered with a fresh random mask, the mask in front (Django's `_mask_cipher_secret`), so
 * the token differs on every page and leaks nothing through compression (BREACH). A POST must
 * bring a token that unmasks to the session's secret, compared in constant time. A page on
 * another site can make the browser post here, but cannot read the token to put in the form.
 *
 * @module
 */

import { randomInt, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Session } from '../src/index.ts';

/** Where the secret lives in the session: Django's `CSRF_SESSION_KEY`. */
export const CSRF_SESSION_KEY = '_csrftoken';
/** The form field that carries the token: Django's name. */
export const CSRF_FIELD = 'csrfmiddlewaretoken';

const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_LENGTH = 32;

/** A refused request: answered with a 403 page that gives Django's reason. */
export class CsrfFailure extends Error {
  override name = 'CsrfFailure';
  readonly status = 403;
}

function randomString(): string {
  let text = '';
  for (let i = 0; i < SECRET_LENGTH; i++) text += CHARS[randomInt(CHARS.length)];
  return text;
}

function mask(secret: string): string {
  const key = randomString();
  let cipher = '';
  for (let i = 0; i < SECRET_LENGTH; i++) {
    cipher += CHARS[(CHARS.indexOf(secret[i] ?? '') + CHARS.indexOf(key[i] ?? '')) % CHARS.length];
  }
  return key + cipher;
}

function unmask(token: string): string {
  const key = token.slice(0, SECRET_LENGTH);
  const cipher = token.slice(SECRET_LENGTH);
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i++) {
    const index = CHARS.indexOf(cipher[i] ?? '') - CHARS.indexOf(key[i] ?? '');
    secret += CHARS[(index + CHARS.length) % CHARS.length];
  }
  return secret;
}

/**
 * A token for a form: Django's `get_token`. Makes the session's secret on first use (which
 * saves the session, so the browser gets its cookie before it can post anything).
 */
export function csrfToken(session: Session): string {
  let secret = session.get(CSRF_SESSION_KEY);
  if (typeof secret !== 'string' || secret.length !== SECRET_LENGTH) {
    secret = randomString();
    session.set(CSRF_SESSION_KEY, secret);
  }
  return mask(secret as string);
}

/**
 * A new secret, as Django's `rotate_token` at login: a token an attacker saw before the
 * user logged in is worthless after.
 */
export function rotateCsrfToken(session: Session): void {
  session.set(CSRF_SESSION_KEY, randomString());
}

// Django's check_token: a 64-character masked token or the 32-character secret itself.
function tokenProblem(token: unknown, secret: string): string | undefined {
  if (typeof token !== 'string' || token === '') return 'CSRF token missing.';
  if (token.length !== SECRET_LENGTH && token.length !== SECRET_LENGTH * 2) {
    return 'CSRF token from POST has incorrect length.';
  }
  if (![...token].every((char) => CHARS.includes(char))) {
    return 'CSRF token from POST has invalid characters.';
  }
  const candidate = Buffer.from(token.length === SECRET_LENGTH ? token : unmask(token));
  if (!timingSafeEqual(candidate, Buffer.from(secret))) return 'CSRF token from POST incorrect.';
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The middleware: lets safe methods through, and refuses an unsafe one whose `Origin` is not
 * this site (Django 4's first check) or whose token does not match the session's secret.
 * Mount it after the session middleware and a form body parser.
 */
export function csrfProtect() {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.get('origin');
    const expected = `${req.protocol}://${req.get('host')}`;
    if (origin !== undefined && origin !== expected) {
      return next(
        new CsrfFailure(`Origin checking failed - ${origin} does not match any trusted origins.`),
      );
    }
    const secret = (await req.session()).get(CSRF_SESSION_KEY);
    if (typeof secret !== 'string') {
      // With CSRF_USE_SESSIONS Django words it the same: no secret, no session, no cookie.
      return next(new CsrfFailure('CSRF cookie not set.'));
    }
    const body = req.body as Record<string, unknown> | undefined;
    const problem = tokenProblem(body?.[CSRF_FIELD] ?? req.get('x-csrftoken'), secret);
    next(problem === undefined ? undefined : new CsrfFailure(problem));
  };
}
