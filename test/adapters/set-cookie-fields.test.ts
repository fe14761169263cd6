import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setCookieFields } from '../../src/adapters/set-cookie-fields.ts';
import { deleteCookie, serializeCookie } from '../../src/cookies/index.ts';

describe('setCookieFields', () => {
  test('reads back every attribute serializeCookie writes', () => {
    const line = serializeCookie('sessionid', 'abc', {
      maxAge: 3600,
      path: '/app',
      domain: 'example.com',
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
      partitioned: true,
      priority: 'High',
    });
    const { expires, ...fields } = setCookieFields(line);
    assert.deepEqual(fields, {
      name: 'sessionid',
      value: 'abc',
      maxAge: 3600,
      path: '/app',
      domain: 'example.com',
      secure: true,
      httpOnly: true,
      sameSite: 'strict',
      partitioned: true,
      priority: 'high',
    });
    assert.ok(expires !== undefined && Math.abs(expires.getTime() - Date.now() - 3_600_000) < 2000);
  });

  test('keeps a quoted value as written, `;` escaped and all', () => {
    const line = serializeCookie('note', 'a; b="c"', {});
    assert.deepEqual(setCookieFields(line), {
      name: 'note',
      value: '"a\\073 b=\\"c\\""',
      path: '/',
    });
  });

  test('reads a deletion: the empty quoted value, the epoch, Max-Age=0', () => {
    const fields = setCookieFields(deleteCookie('sessionid', { sameSite: 'Lax' }));
    assert.equal(fields.value, '""');
    assert.equal(fields.maxAge, 0);
    assert.equal(fields.expires?.getTime(), 0);
    assert.equal(fields.sameSite, 'lax');
  });
});
