import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deleteCookie } from '../../src/cookies/serialize.ts';
import { InvalidCookie } from '../../src/errors.ts';
import { vectors } from '../helpers/vectors.ts';

describe('deleteCookie', () => {
  test('writes Django’s exact Set-Cookie value for every recorded delete_cookie call', () => {
    assert.equal(vectors.delete_cookie.length, 8);
    for (const c of vectors.delete_cookie) {
      const { path, domain, samesite } = c.kwargs;
      const line = deleteCookie(c.args[0], { path, domain, sameSite: samesite });
      assert.equal(line, c.cookie.output_string, c.name);
    }
  });

  // Django's DeleteCookieTests.test_default
  test('expires the cookie at the epoch with an empty value and Path=/', () => {
    assert.equal(
      deleteCookie('c'),
      'c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
    );
  });

  // Django's DeleteCookieTests.test_delete_cookie_secure_prefix
  test('adds Secure for __Secure- and __Host- names', () => {
    for (const name of ['__Secure-c', '__Host-c'])
      assert.match(deleteCookie(name), /; Secure$/, name);
  });

  // Django's DeleteCookieTests.test_delete_cookie_secure_samesite_none
  test('adds Secure for SameSite=None', () => {
    assert.match(deleteCookie('c', { sameSite: 'none' }), /; SameSite=none; Secure$/);
  });

  // Django's DeleteCookieTests.test_delete_cookie_samesite
  test('writes SameSite as given', () => {
    assert.match(deleteCookie('c', { sameSite: 'lax' }), /; SameSite=lax$/);
  });

  // Django's SessionMiddlewareTests.test_session_delete_on_end and its custom domain and path twin
  test('writes the line Django’s session middleware sends when a session ends', () => {
    assert.equal(
      deleteCookie('sessionid', { sameSite: 'Lax' }),
      'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax',
    );
    assert.equal(
      deleteCookie('sessionid', { sameSite: 'Lax', domain: '.example.local', path: '/example/' }),
      'sessionid=""; Domain=.example.local; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/example/; SameSite=Lax',
    );
  });

  // Browsers match the prefixes in any case (RFC 6265bis §4.1.3); Django's check is exact.
  test('adds Secure for prefixes in any case', () => {
    assert.match(deleteCookie('__secure-c'), /; Secure$/);
    assert.match(deleteCookie('__HOST-c'), /; Secure$/);
    assert.doesNotMatch(deleteCookie('__Hostc'), /Secure/);
  });

  test('deletes a partitioned cookie with Secure and Partitioned', () => {
    assert.equal(
      deleteCookie('c', { partitioned: true }),
      'c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure; Partitioned',
    );
  });

  test('leaves out Path for null', () => {
    assert.equal(
      deleteCookie('c', { path: null }),
      'c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0',
    );
  });

  test('refuses what the browser would ignore or misread', () => {
    assert.throws(() => deleteCookie('a b'), InvalidCookie);
    assert.throws(() => deleteCookie('max-age'), InvalidCookie);
    assert.throws(() => deleteCookie('__Host-c', { domain: 'example.com' }), {
      name: 'InvalidCookie',
      message: /__Host-/,
    });
    assert.throws(() => deleteCookie('__Host-c', { path: '/a' }), InvalidCookie);
    assert.throws(() => deleteCookie('c', { path: '/;x' }), InvalidCookie);
    assert.throws(() => deleteCookie('c', { domain: 'a\r\nb' }), InvalidCookie);
    assert.throws(() => deleteCookie('c', { sameSite: 'sometimes' as 'Lax' }), InvalidCookie);
    assert.throws(() => deleteCookie(undefined as unknown as string), TypeError);
  });
});
