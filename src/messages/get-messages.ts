/**
 * `getMessages(ctx)`: the request's {@link MessageStorage}, saved into the session when the
 * request finishes, as Django's `MessageMiddleware` does on the way out.
 *
 * @module
 */

import type { RequestContext } from '../middleware/lifecycle.ts';
import type { StorableData } from '../session/data.ts';
import { type MessageOptions, MessageStorage } from './message-storage.ts';

// One storage per request, however many places ask for it (a view adds, the layout reads),
// kept on the context under a symbol: a WeakMap keyed by per-request objects holds their values
// through V8's young-generation collections (see adapters/node.ts).
const STORAGE = Symbol('coatcheck.messages');
type WithStorage = { [STORAGE]?: Promise<MessageStorage> | undefined };

async function open(ctx: RequestContext, options: MessageOptions): Promise<MessageStorage> {
  const session = await ctx.session();
  const storage = new MessageStorage(session, { logger: ctx.logger, ...options });
  ctx.onFinish(() => storage.save());
  return storage;
}

/**
 * The messages of this request, in its session under `_messages` as Django's `SessionStorage`
 * keeps them. Loads the session (once per request, shared with `ctx.session()`); every call in
 * one request gives the same storage, made with the options of the first call. What is left
 * to show is written into the session when the request finishes, before the session is saved.
 *
 * @example
 * // A view that redirects:
 * (await getMessages(ctx)).success('Profile saved.');
 * // The page after it: reading the messages uses them up.
 * for (const message of await getMessages(ctx)) html += `<p class="${message.tags}">…`;
 */
export function getMessages<Data extends StorableData<Data>>(
  ctx: RequestContext<Data>,
  options: MessageOptions = {},
): Promise<MessageStorage> {
  const holder = ctx as WithStorage;
  let storage = holder[STORAGE];
  if (storage === undefined) {
    // The storage reads and writes only `_messages`, the framework's key, whatever `Data` is.
    storage = open(ctx as unknown as RequestContext, options);
    holder[STORAGE] = storage;
    // A failed load is the caller's error now; the next call tries again.
    storage.catch(() => {
      holder[STORAGE] = undefined;
    });
  }
  return storage;
}
