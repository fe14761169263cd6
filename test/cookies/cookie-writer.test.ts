import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { cookieWriter, type FixedCookieOptions } from '../../src/cookies/cookie-writer.ts';
import { serializeCookie } from '../../src/cookies/serialize.ts';
import { CookieTooLarge, InvalidCookie } from '../../src/errors.ts';

const SETTINGS: readonly FixedCookieOptions[] = [
  { path: '/', httpOnly: true, sameSite: 'Lax' },
  { path: '/app', domain: 'example.com', secure: true, httpOnly: false, sameSite: 'Strict' },
  { path: '/', secure: true, sameSite: 'None', partitioned: true },
  { path: '/', sameSite: false },
];

describe('cookieWriter', () => {
  test("writes serializeCookie's bytes for any value and age, under any fixed options", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SETTINGS),
        fc.string({ unit: 'binary-ascii', maxLength: 200 }),
        fc.option(fc.integer({ min: -10, max: 10_000_000 }), { nil: undefined }),
        (options, value, maxAge) => {
          const write = cookieWriter('sessionid', options);
          // Twice: the second reuses the attribute text the first made.
          for (let i = 0; i < 2; i++) {
            assert.equal(
              write(value, maxAge),
              serializeCookie('sessionid', value, { ...options, maxAge }),
            );
          }
        },
      ),
    );
  });

  test('a new age or a new second gives new attributes', async () => {
    const write = cookieWriter('sessionid', { path: '/', httpOnly: true, sameSite: 'Lax' });
    const key = 'k'.repeat(32);
    assert.match(write(key, 60), /Max-Age=60;/);
    assert.match(write(key, 300), /Max-Age=300;/);
    const before = write(key, 60);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = write(key, 60);
    assert.notEqual(after, before);
    assert.equal(
      after,
      serializeCookie('sessionid', key, { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 60 }),
    );
  });

  test('a value too big for browsers is refused, as serializeCookie refuses it', () => {
    const write = cookieWriter('sessionid', { path: '/' });
    assert.throws(() => write('x'.repeat(5000), 60), CookieTooLarge);
  });

  test('invalid fixed options throw when the writer is made', () => {
    assert.throws(() => cookieWriter('sessionid', { sameSite: 'None' }), InvalidCookie);
    assert.throws(() => cookieWriter('bad name', {}), InvalidCookie);
  });
});
