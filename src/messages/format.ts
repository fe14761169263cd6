/**
 * The `_messages` session value, byte for byte as Django's `SessionStorage` writes it: a string
 * holding a JSON list with one `["__json_message", is_safe, level, message, extra_tags?]` per
 * message, in Python's default separators (`", "`) with non-ASCII escaped, as
 * `json.JSONEncoder().encode` gives it (Django's `MessageEncoder`).
 *
 * The one difference between Django versions is the fifth item: Django 4.1 and later write the
 * extra tags whenever they are not `None` (so `""` too), 3.2 only when they are not empty. Both
 * read both shapes.
 *
 * @module
 */

import { pythonJsonParse, pythonJsonStringify } from '../signing/python-json.ts';
import { Message } from './message.ts';

/** The session key Django's `SessionStorage` keeps messages under. */
export const MESSAGES_KEY = '_messages';

/** Django's marker for an encoded message (`MessageEncoder.message_key`). */
const MESSAGE_MARKER = '__json_message';

/**
 * Which Django's shape to write: `'4.1+'` keeps empty extra tags as `""` (Django 4.1 and
 * later), `'3.2'` leaves them out (Django 3.2 to 4.0). Either version reads both.
 */
export type MessageFormat = '4.1+' | '3.2';

/** The `_messages` value for `messages`: Django's `SessionStorage.serialize_messages`. */
export function encodeMessages(messages: readonly Message[], format: MessageFormat): string {
  const items = messages.map((message) => {
    const parts = [
      pythonJsonStringify(MESSAGE_MARKER),
      message.safe ? '1' : '0',
      pythonJsonStringify(message.level),
      pythonJsonStringify(message.message),
    ];
    const { extraTags } = message;
    if (extraTags !== null && (format === '4.1+' || extraTags !== '')) {
      parts.push(pythonJsonStringify(extraTags));
    }
    return `[${parts.join(', ')}]`;
  });
  return `[${items.join(', ')}]`;
}

/** What {@link decodeMessages} found: the messages it could read, and why it refused the rest. */
export interface DecodedMessages {
  messages: Message[];
  /** What was wrong, when something was: the caller logs it. */
  problem?: string;
}

function decodeOne(item: unknown, levelTag: (level: number) => string): Message | undefined {
  if (!Array.isArray(item) || item[0] !== MESSAGE_MARKER || item.length < 4 || item.length > 5)
    return undefined;
  const [, safe, level, text, extraTags] = item as unknown[];
  if (typeof level !== 'number' || !Number.isSafeInteger(level) || typeof text !== 'string')
    return undefined;
  if (extraTags !== undefined && extraTags !== null && typeof extraTags !== 'string')
    return undefined;
  return new Message(level, text, {
    // Django tests the flag for truth, so 1 and true both mean safe.
    safe: Boolean(safe),
    extraTags: extraTags ?? null,
    levelTag: levelTag(level),
  });
}

/**
 * Reads a `_messages` value. Never throws: a value that is not Django's format gives no
 * messages (or only the entries that are) and a `problem` to log. Django raises on such a
 * value; a stray key in a shared session is no reason to fail a page.
 */
export function decodeMessages(
  stored: unknown,
  levelTag: (level: number) => string,
): DecodedMessages {
  // Django treats a missing or empty value as no messages.
  if (stored === undefined || stored === null || stored === '') return { messages: [] };
  if (typeof stored !== 'string') {
    return { messages: [], problem: `it holds a ${typeof stored}, not Django's JSON string` };
  }
  let parsed: unknown;
  try {
    parsed = pythonJsonParse(stored);
  } catch {
    return { messages: [], problem: 'it is not JSON' };
  }
  if (!Array.isArray(parsed)) return { messages: [], problem: 'it is not a JSON list' };
  const messages: Message[] = [];
  let refused = 0;
  for (const item of parsed) {
    const message = decodeOne(item, levelTag);
    if (message === undefined) refused++;
    else messages.push(message);
  }
  if (refused === 0) return { messages };
  return { messages, problem: `${refused} of its ${parsed.length} entries are not messages` };
}
