/**
 * Flash messages, the way Django's default message storage keeps them: in a signed cookie
 * named `messages`, shown once on the next page and then deleted.
 *
 * Not in the session on purpose: adding a message would mark the session modified and save
 * it, which would hide what the cart page shows (a list changed in place is not saved).
 *
 * @module
 */

import type { Request } from 'express';

const COOKIE = 'messages';
const SALT = 'django.contrib.messages';

/** One message: Django's levels, by name. */
export interface Message {
  level: 'info' | 'success' | 'warning' | 'error';
  text: string;
}

// JSON in base64url: message text may hold characters a cookie value cannot.
const encode = (messages: Message[]) => Buffer.from(JSON.stringify(messages)).toString('base64url');

function decode(value: string | undefined): Message[] {
  if (value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString());
    return Array.isArray(parsed) ? (parsed as Message[]) : [];
  } catch {
    return [];
  }
}

const pending = new WeakMap<Request, Message[]>();

/** Adds a message for the next page this browser shows: Django's `messages.add_message`. */
export function addMessage(req: Request, level: Message['level'], text: string): void {
  const messages = pending.get(req) ?? [];
  messages.push({ level, text });
  pending.set(req, messages);
  req.coatcheck.setSignedCookie(COOKIE, encode(messages), {
    salt: SALT,
    httpOnly: true,
    sameSite: 'Lax',
  });
}

/** The messages waiting for this browser, deleting their cookie: Django's `get_messages`. */
export function takeMessages(req: Request): Message[] {
  const messages = decode(req.coatcheck.getSignedCookie(COOKIE, { salt: SALT }));
  if (req.coatcheck.cookies[COOKIE] !== undefined && !pending.has(req)) {
    req.coatcheck.deleteCookie(COOKIE, { sameSite: 'Lax' });
  }
  return messages;
}
