/**
 * Django's message levels and the tag each one gives a message (`django.contrib.messages
 * .constants`). A level is an integer; these five are Django's, any other is a custom level.
 *
 * @module
 */

/** Django's message levels: `DEBUG`, `INFO`, `SUCCESS`, `WARNING` and `ERROR`, by name. */
export const LEVELS = {
  debug: 10,
  info: 20,
  success: 25,
  warning: 30,
  error: 40,
} as const;

/** The name of one of Django's levels. */
export type LevelName = keyof typeof LEVELS;

/** The tag of each of Django's levels (`DEFAULT_TAGS`): `error` for 40, and so on. */
export const DEFAULT_TAGS: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(LEVELS).map(([name, level]) => [level, name])),
);

/**
 * The tag of each level: Django's defaults with `overrides` (its `MESSAGE_TAGS`) on top, as
 * Django's `get_level_tags` merges them. Throws a `TypeError` naming a level that is not an
 * integer or a tag that is not a string.
 */
export function levelTags(
  overrides: Readonly<Record<number, string>> = {},
): ReadonlyMap<number, string> {
  const tags = new Map<number, string>();
  for (const [level, tag] of Object.entries({ ...DEFAULT_TAGS, ...overrides })) {
    const number = Number(level);
    if (!Number.isSafeInteger(number)) {
      throw new TypeError(`coatcheck: messageTags has the level ${level}, which is not an integer`);
    }
    if (typeof tag !== 'string') {
      throw new TypeError(
        `coatcheck: messageTags gives level ${level} the tag ${String(tag)}, which is not a string`,
      );
    }
    tags.set(number, tag);
  }
  return tags;
}
