/**
 * Django's `django.contrib.messages.api` for the demo's views: `messages.info(req, text)` and
 * friends, on coatcheck's messages framework. The messages live in the session under
 * `_messages`, as Django's `SessionStorage` keeps them, so a Django app sharing the session
 * shows them too; the layout reads them, which uses them up.
 *
 * Adding a message changes the session, so the response saves it, whatever else changed in
 * place. Two pages therefore say their notice through the redirect's URL instead: the cart's
 * "in place only" button (a message would save the list it is showing cannot be saved) and the
 * logout (a message would make a new session right after the flush that ended the old one).
 *
 * @module
 */

import type { Request } from 'express';
import {
  type AddOptions,
  getMessages,
  LEVELS,
  type Message,
  type MessageStorage,
} from '../src/messages/index.ts';

/** The request's messages (one storage per request, saved when the response goes out). */
export function messageStorage(req: Request): Promise<MessageStorage> {
  return getMessages(req.coatcheck);
}

const adder =
  (level: number) =>
  async (req: Request, text: string, options?: AddOptions): Promise<void> => {
    (await messageStorage(req)).add(level, text, options);
  };

/** Django's `messages.info(request, text)` and the other levels, by name. */
export const messages = {
  debug: adder(LEVELS.debug),
  info: adder(LEVELS.info),
  success: adder(LEVELS.success),
  warning: adder(LEVELS.warning),
  error: adder(LEVELS.error),
};

/** The messages waiting for this browser, used up by reading them: what the layout shows. */
export async function takeMessages(req: Request): Promise<Message[]> {
  return (await messageStorage(req)).read();
}

/** A notice shown like a message but carried in the URL, for the two pages above. */
export interface Notice {
  level: 'info' | 'warning';
  text: string;
}
