/**
 * `MessageStorage`: Django's `SessionStorage` over a coatcheck {@link Session}: the messages of
 * one request, read from and written back to the session's `_messages` key.
 *
 * @module
 */

import type { SessionData } from '../session/data.ts';
import type { SessionLogger } from '../session/logger.ts';
import { rateLimitedConsoleLogger } from '../session/logger.ts';
import type { Session } from '../session/session.ts';
import { decodeMessages, encodeMessages, MESSAGES_KEY, type MessageFormat } from './format.ts';
import { LEVELS, levelTags } from './levels.ts';
import { Message } from './message.ts';

/** Settings of the messages framework, named after Django's. */
export interface MessageOptions {
  /**
   * The lowest level kept: a message below it is dropped when added (Django's `MESSAGE_LEVEL`).
   * @default 20 (info, so debug messages are dropped)
   */
  level?: number | undefined;
  /** Tags that replace Django's for some levels, or name custom ones (Django's `MESSAGE_TAGS`). */
  messageTags?: Readonly<Record<number, string>> | undefined;
  /**
   * The shape written: `'4.1+'` as Django 4.1 and later write it, `'3.2'` as Django 3.2 does.
   * Both versions read both, so this only matters for byte-exact output.
   * @default '4.1+'
   */
  format?: MessageFormat | undefined;
  /** Where a `_messages` value that cannot be read is reported. @default the console, rate-limited */
  logger?: SessionLogger | undefined;
}

/** What {@link MessageStorage.add} and its shortcuts take besides the level and text. */
export interface AddOptions {
  /**
   * Tags of the message's own, space-separated; `null` for none at all (Django's
   * `extra_tags=None`, which no format writes). @default ''
   */
  extraTags?: string | null | undefined;
  /** The text is trusted HTML, not to be escaped (Django's `mark_safe`). @default false */
  safe?: boolean | undefined;
}

const FORMATS: readonly MessageFormat[] = ['4.1+', '3.2'];

function checkLevel(what: string, level: unknown): number {
  if (typeof level !== 'number' || !Number.isSafeInteger(level)) {
    throw new TypeError(`coatcheck: ${what} must be an integer level, got ${String(level)}`);
  }
  return level;
}

/**
 * The messages of one request, kept in its session as Django's `SessionStorage` keeps them.
 *
 * Adding queues a message; iterating reads every message waiting (those stored by earlier
 * requests, then those added here) and marks them read. {@link save} writes back what is left:
 * when the messages were read, only those added after the last reading; when they were not,
 * all of them. `getMessages(ctx)` calls `save` as the request finishes; with a bare session,
 * call it yourself before the session is saved. Nothing is written unless a message was added
 * or read, and a request that reads none leaves the session unmodified.
 *
 * @example
 * const messages = new MessageStorage(session);
 * messages.success('Profile saved.');
 * for (const message of messages) console.log(message.tags, message.message);
 * messages.save();
 */
export class MessageStorage implements Iterable<Message> {
  readonly #session: Session;
  readonly #tags: ReadonlyMap<number, string>;
  readonly #format: MessageFormat;
  readonly #logger: SessionLogger;
  readonly #defaultLevel: number;
  #level: number;
  #loaded: Message[] | undefined;
  #queued: Message[] = [];
  #used = false;
  #addedNew = false;

  /**
   * @param session - the request's session, whatever its data type: `_messages` is the
   *   framework's own key, outside the application's `Data`.
   */
  constructor(session: Session<never> | Session<SessionData>, options: MessageOptions = {}) {
    this.#session = session as Session;
    this.#tags = levelTags(options.messageTags);
    const format = options.format ?? '4.1+';
    if (!FORMATS.includes(format)) {
      throw new TypeError(
        `coatcheck: format must be '4.1+' or '3.2', got ${JSON.stringify(format)}`,
      );
    }
    this.#format = format;
    this.#logger = options.logger ?? rateLimitedConsoleLogger();
    this.#defaultLevel = checkLevel('level', options.level ?? LEVELS.info);
    this.#level = this.#defaultLevel;
  }

  /**
   * The lowest level this request keeps (Django's `set_level`); setting `undefined` returns to
   * the configured one. It applies to messages added afterwards.
   */
  get level(): number {
    return this.#level;
  }

  set level(value: number | undefined) {
    this.#level = value === undefined ? this.#defaultLevel : checkLevel('level', value);
  }

  #levelTag = (level: number): string => this.#tags.get(level) ?? '';

  // The messages stored by earlier requests, read from the session on first need.
  #stored(): Message[] {
    if (this.#loaded === undefined) {
      const { messages, problem } = decodeMessages(this.#session.get(MESSAGES_KEY), this.#levelTag);
      if (problem !== undefined) {
        this.#logger.warn(`The session's ${MESSAGES_KEY} value was not read: ${problem}`);
      }
      this.#loaded = messages;
    }
    return this.#loaded;
  }

  /**
   * Queues a message: Django's `add_message`. An empty text, or a level below {@link level},
   * is dropped. Throws a `TypeError` when the level is not an integer or the text not a string.
   */
  add(level: number, text: string, options: AddOptions = {}): void {
    checkLevel('a message level', level);
    if (typeof text !== 'string') {
      throw new TypeError(`coatcheck: a message must be a string, got ${typeof text}`);
    }
    const { extraTags = '', safe = false } = options;
    if (typeof extraTags !== 'string' && extraTags !== null) {
      throw new TypeError(`coatcheck: extraTags must be a string, got ${typeof extraTags}`);
    }
    if (text === '' || level < this.#level) return;
    this.#addedNew = true;
    this.#queued.push(
      new Message(level, text, { extraTags, safe: safe === true, levelTag: this.#levelTag(level) }),
    );
  }

  /** Adds a debug message (level 10), which the default minimum level drops. */
  debug(text: string, options?: AddOptions): void {
    this.add(LEVELS.debug, text, options);
  }

  /** Adds an info message (level 20). */
  info(text: string, options?: AddOptions): void {
    this.add(LEVELS.info, text, options);
  }

  /** Adds a success message (level 25). */
  success(text: string, options?: AddOptions): void {
    this.add(LEVELS.success, text, options);
  }

  /** Adds a warning message (level 30). */
  warning(text: string, options?: AddOptions): void {
    this.add(LEVELS.warning, text, options);
  }

  /** Adds an error message (level 40). */
  error(text: string, options?: AddOptions): void {
    this.add(LEVELS.error, text, options);
  }

  /** How many messages there are to show, without reading them (Django's `len(messages)`). */
  get size(): number {
    return this.#stored().length + this.#queued.length;
  }

  /**
   * Reads the messages, oldest first, and marks them read: they are not stored again. Reading
   * twice in one request gives them again, with any added in between.
   */
  [Symbol.iterator](): Iterator<Message> {
    return this.read()[Symbol.iterator]();
  }

  /** The messages, as iterating gives them: reading them marks them read. */
  read(): Message[] {
    this.#used = true;
    const stored = this.#stored();
    stored.push(...this.#queued.splice(0));
    return [...stored];
  }

  /**
   * Writes what is left into the session, as Django's `update` does at the end of a request:
   * the messages added since the last reading when they were read, all of them when they were
   * not, and nothing when none were read or added. The `_messages` key is removed when nothing
   * is left.
   */
  save(): void {
    let keep: Message[];
    if (this.#used) keep = this.#queued;
    else if (this.#addedNew) keep = [...this.#stored(), ...this.#queued];
    else return;
    if (keep.length > 0) this.#session.set(MESSAGES_KEY, encodeMessages(keep, this.#format));
    else this.#session.pop(MESSAGES_KEY, undefined);
  }
}
