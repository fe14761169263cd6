/**
 * One message: Django's `django.contrib.messages.storage.base.Message`.
 *
 * @module
 */

import { DEFAULT_TAGS } from './levels.ts';

/** What a message carries besides its level and text. */
export interface MessageDetails {
  /**
   * Tags of its own, space-separated (for CSS classes, say), or `null` for none. Django's
   * `add_message` gives `''`; a message stored without the field reads back as `null`.
   * @default null
   */
  extraTags?: string | null | undefined;
  /**
   * Whether the text is trusted HTML (Django's `mark_safe`), which templates then insert
   * without escaping. Never set it on text that holds user input.
   * @default false
   */
  safe?: boolean | undefined;
  /** The tag of the level; by default Django's (`error` for 40), `''` for a custom level. */
  levelTag?: string | undefined;
}

/**
 * A one-time notice for the user: a level (an integer, see `LEVELS`), the text, and tags for
 * styling it. Printing it (`String(message)`, `{{ message }}` in a template) prints its text.
 */
export class Message {
  /** The level: 10 debug, 20 info, 25 success, 30 warning, 40 error, or a custom integer. */
  readonly level: number;
  /** The text. */
  readonly message: string;
  /** Its own tags, or `null` when it has none. */
  readonly extraTags: string | null;
  /** Whether the text is trusted HTML, not to be escaped (Django's `SafeData`). */
  readonly safe: boolean;
  /** The tag of its level (`success`), `''` for a level without one. */
  readonly levelTag: string;
  /** The extra tags and the level's tag, space-separated, empty parts left out: `"urgent error"`. */
  readonly tags: string;

  constructor(level: number, message: string, details: MessageDetails = {}) {
    this.level = level;
    this.message = message;
    this.extraTags = details.extraTags ?? null;
    this.safe = details.safe ?? false;
    this.levelTag = details.levelTag ?? DEFAULT_TAGS[level] ?? '';
    this.tags = [this.extraTags, this.levelTag].filter(Boolean).join(' ');
    Object.freeze(this);
  }

  /** The text, so a template prints a message as Django's `{{ message }}` does. */
  toString(): string {
    return this.message;
  }
}
