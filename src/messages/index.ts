/**
 * `coatcheck/messages`: Django's messages framework (`django.contrib.messages`) on coatcheck
 * sessions: one-time notices ("Profile saved.") that a request adds and a later one shows, kept
 * in the session under `_messages` in Django's own format, so a message added in Node shows in
 * Django and the reverse.
 *
 * Depends on the session and the request lifecycle; nothing depends on it.
 *
 * @example
 * import { getMessages } from 'coatcheck/messages';
 * const messages = await getMessages(ctx);
 * messages.success('Saved.', { extraTags: 'profile' });
 * for (const message of messages) console.log(message.tags, String(message));
 *
 * @module
 */

export { encodeMessages, MESSAGES_KEY, type MessageFormat } from './format.ts';
export { getMessages } from './get-messages.ts';
export { DEFAULT_TAGS, LEVELS, type LevelName } from './levels.ts';
export { Message, type MessageDetails } from './message.ts';
export { type AddOptions, type MessageOptions, MessageStorage } from './message-storage.ts';
