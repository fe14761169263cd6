/**
 * Session keys: Django's alphabet and length from the CSPRNG, Django's keep-or-drop rule
 * (`_validate_session_key`), and coatcheck's stricter check before any store is asked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  generateSessionKey,
  isValidSessionKey,
  isWellFormedSessionKey,
  SESSION_KEY_LENGTH,
  VALID_KEY_CHARS,
} from '../../src/session/keys.ts';
import { createSessionState } from '../../src/session/session.ts';
import { vectors } from '../helpers/vectors.ts';

const recorded = vectors.session_keys;

describe('VALID_KEY_CHARS and SESSION_KEY_LENGTH', () => {
  test('are Django’s', () => {
    assert.equal(VALID_KEY_CHARS, recorded.VALID_KEY_CHARS);
    assert.equal(SESSION_KEY_LENGTH, recorded.length);
    assert.equal(SESSION_KEY_LENGTH, 32);
  });
});

describe('generateSessionKey', () => {
  test('makes keys of 32 characters from Django’s alphabet', () => {
    for (let i = 0; i < 1000; i++) {
      const key = generateSessionKey();
      assert.equal(key.length, 32);
      for (const char of key) assert.ok(VALID_KEY_CHARS.includes(char), key);
    }
  });

  test('makes keys shaped like the ones Django generated', () => {
    const shape = /^[a-z0-9]{32}$/;
    for (const sample of recorded.samples_random) assert.match(sample, shape);
    assert.match(generateSessionKey(), shape);
  });

  test('never repeats a key over 20000 draws', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 20000; i++) keys.add(generateSessionKey());
    assert.equal(keys.size, 20000);
  });

  // 20000 keys are 640000 characters, about 17778 of each. Five percent either way is 6.8
  // standard deviations, so a fair generator never fails this; a modulo bias (`byte % 36`
  // without redrawing) makes four characters 12.5% more likely and does.
  test('draws every character about equally often', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      for (const char of generateSessionKey()) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    const expected = (20000 * 32) / VALID_KEY_CHARS.length;
    assert.equal(counts.size, VALID_KEY_CHARS.length);
    for (const char of VALID_KEY_CHARS) {
      const count = counts.get(char) ?? 0;
      assert.ok(Math.abs(count - expected) < expected * 0.05, `${char}: ${count} of ~${expected}`);
    }
  });

  test('makes keys that pass both checks', () => {
    const key = generateSessionKey();
    assert.ok(isValidSessionKey(key));
    assert.ok(isWellFormedSessionKey(key));
  });
});

describe('isValidSessionKey', () => {
  test('keeps exactly the keys Django keeps', () => {
    assert.ok(recorded.checks.length >= 7);
    for (const check of recorded.checks as { key: string; accepted: boolean }[]) {
      assert.equal(isValidSessionKey(check.key), check.accepted, JSON.stringify(check.key));
      assert.equal(
        createSessionState(check.key).key,
        check.accepted ? check.key : null,
        JSON.stringify(check.key),
      );
    }
  });

  test('treats null, undefined and non-strings as no key', () => {
    for (const key of [null, undefined, 12345678, ['12345678']]) {
      assert.equal(isValidSessionKey(key as string | null | undefined), false, String(key));
    }
  });
});

describe('isWellFormedSessionKey', () => {
  test('accepts 8 to 40 characters of [a-z0-9]', () => {
    for (const key of ['12345678', 'abcdefgh', 'a'.repeat(40), generateSessionKey()]) {
      assert.equal(isWellFormedSessionKey(key), true, key);
    }
  });

  // Django would look these up (db) or refuse them (file): none can name a stored session.
  test('refuses what no server-side store could have written', () => {
    for (const key of [
      '',
      '1234567',
      'a'.repeat(41),
      'ABCDEFGH',
      'abcdefg-',
      '../../../etc/passwd',
      'abcd\\efgh',
      'abcdefgh\n',
      'abcdéfgh',
      'e30:1r31eq:02DezYJfOia7NbPnxL-l8s34UcMkCz8b09YRkGRnixY',
    ]) {
      assert.equal(isWellFormedSessionKey(key), false, JSON.stringify(key));
    }
  });
});
