/**
 * The `_messages` value byte for byte: the values recorded from Django 5.2.17 and 3.2.25's
 * `SessionStorage.serialize_messages` (/work/shared/django-messages-format.md), written in both
 * shapes and read back from both.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeMessages, encodeMessages } from '../../src/messages/format.ts';
import { DEFAULT_TAGS } from '../../src/messages/levels.ts';
import { Message } from '../../src/messages/message.ts';

const tagOf = (level: number) => DEFAULT_TAGS[level] ?? '';

// [what, the message, Django 5.2.17's value, Django 3.2.25's value]
const RECORDED: [string, Message, string, string][] = [
  [
    'no extra tags (None)',
    new Message(20, 'hello'),
    '[["__json_message", 0, 20, "hello"]]',
    '[["__json_message", 0, 20, "hello"]]',
  ],
  [
    'empty extra tags, as add_message gives them',
    new Message(20, 'hello', { extraTags: '' }),
    '[["__json_message", 0, 20, "hello", ""]]',
    '[["__json_message", 0, 20, "hello"]]',
  ],
  [
    'extra tags',
    new Message(40, 'bad', { extraTags: 'urgent field' }),
    '[["__json_message", 0, 40, "bad", "urgent field"]]',
    '[["__json_message", 0, 40, "bad", "urgent field"]]',
  ],
  [
    'safe HTML',
    new Message(25, '<b>saved</b>', { extraTags: '', safe: true }),
    '[["__json_message", 1, 25, "<b>saved</b>", ""]]',
    '[["__json_message", 1, 25, "<b>saved</b>"]]',
  ],
  [
    'non-ASCII, quotes and U+2028, escaped as Python does',
    new Message(30, 'zoë ✓ "q" \u2028', { extraTags: '' }),
    '[["__json_message", 0, 30, "zo\\u00eb \\u2713 \\"q\\" \\u2028", ""]]',
    '[["__json_message", 0, 30, "zo\\u00eb \\u2713 \\"q\\" \\u2028"]]',
  ],
];

const fields = (message: Message) => ({
  level: message.level,
  message: message.message,
  extraTags: message.extraTags,
  safe: message.safe,
});

describe('encodeMessages', () => {
  for (const [what, message, django52, django32] of RECORDED) {
    test(`${what}: Django 4.1+ and 3.2 bytes`, () => {
      assert.equal(encodeMessages([message], '4.1+'), django52);
      assert.equal(encodeMessages([message], '3.2'), django32);
    });
  }

  test('several messages are separated by ", " and kept in order', () => {
    const value = encodeMessages(
      [new Message(20, 'a'), new Message(40, 'b', { extraTags: 'x' })],
      '4.1+',
    );
    assert.equal(value, '[["__json_message", 0, 20, "a"], ["__json_message", 0, 40, "b", "x"]]');
  });

  test('an astral character is written as its two escaped halves, as Python does', () => {
    assert.equal(
      encodeMessages([new Message(20, '😀')], '4.1+'),
      '[["__json_message", 0, 20, "\\ud83d\\ude00"]]',
    );
  });
});

describe('decodeMessages', () => {
  for (const [what, message, django52, django32] of RECORDED) {
    test(`${what}: both shapes read back`, () => {
      const from52 = decodeMessages(django52, tagOf);
      assert.equal(from52.problem, undefined);
      assert.deepEqual(from52.messages.map(fields), [fields(message)]);
      const from32 = decodeMessages(django32, tagOf);
      // 3.2 leaves empty extra tags out, which reads back as none (Django's None).
      const expected = { ...fields(message), extraTags: message.extraTags || null };
      assert.deepEqual(from32.messages.map(fields), [expected]);
    });
  }

  test('a value read and written again in its own shape is unchanged', () => {
    for (const [, , django52, django32] of RECORDED) {
      assert.equal(encodeMessages(decodeMessages(django52, tagOf).messages, '4.1+'), django52);
      assert.equal(encodeMessages(decodeMessages(django32, tagOf).messages, '3.2'), django32);
    }
  });

  test('tags are the extra tags, then the level tag', () => {
    const [message] = decodeMessages(
      '[["__json_message", 0, 40, "bad", "urgent field"]]',
      tagOf,
    ).messages;
    assert.equal(message?.tags, 'urgent field error');
    assert.equal(message?.levelTag, 'error');
    assert.equal(String(message), 'bad');
  });

  test('a missing or empty value is no messages and no problem', () => {
    for (const stored of [undefined, null, '']) {
      assert.deepEqual(decodeMessages(stored, tagOf), { messages: [] });
    }
  });

  const GARBAGE: [string, unknown][] = [
    ['not JSON', '[["__json_message", 0, 20, "hel'],
    ['JSON but no list', '{"__json_message": 1}'],
    ['a number', 42],
    ['a list instead of the JSON string', [['__json_message', 0, 20, 'hi']]],
    ['a list of strings', '["hello"]'],
    ['a level that is no integer', '[["__json_message", 0, "20", "hi"]]'],
    ['a fractional level', '[["__json_message", 0, 20.5, "hi"]]'],
    ['a text that is no string', '[["__json_message", 0, 20, {"a": 1}]]'],
    ['extra tags that are no string', '[["__json_message", 0, 20, "hi", 7]]'],
    ['too short', '[["__json_message", 0, 20]]'],
    ['too long', '[["__json_message", 0, 20, "hi", "", "more"]]'],
    ['another marker', '[["__json_messages", 0, 20, "hi"]]'],
  ];
  for (const [what, stored] of GARBAGE) {
    test(`${what}: no messages and a problem to log, never a throw`, () => {
      const decoded = decodeMessages(stored, tagOf);
      assert.deepEqual(decoded.messages, []);
      assert.equal(typeof decoded.problem, 'string');
    });
  }

  test('the readable entries of a partly broken list are kept', () => {
    const decoded = decodeMessages('[["__json_message", 0, 20, "ok"], [1, 2], "x"]', tagOf);
    assert.deepEqual(decoded.messages.map(String), ['ok']);
    assert.equal(decoded.problem, '2 of its 3 entries are not messages');
  });

  test('any true safe flag marks the text safe, as Django tests it for truth', () => {
    const decoded = decodeMessages('[["__json_message", true, 20, "<i>x</i>"]]', tagOf);
    assert.equal(decoded.messages[0]?.safe, true);
  });
});
