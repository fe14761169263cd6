import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { httpDate } from '../../src/cookies/http-date.ts';
import { parseCookies } from '../../src/cookies/parse.ts';
import { type SerializeCookieOptions, serializeCookie } from '../../src/cookies/serialize.ts';
import { CookieTooLarge, InvalidCookie } from '../../src/errors.ts';
import { atTime } from '../helpers/clock.ts';
import { vectors } from '../helpers/vectors.ts';

const NOW = vectors.meta.fixed_time as number;

/** A Python datetime from the vectors as a Date; a naive one is UTC, as Django takes it. */
function toDate(iso: string): Date {
  return new Date(/(?:Z|[+-]\d\d:\d\d)$/.test(iso) ? iso : `${iso}Z`);
}

/** Django's set_cookie keyword arguments as our options. */
function toOptions(kwargs: Record<string, unknown>): SerializeCookieOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const given = value as { $timedelta_seconds?: number; $datetime?: string } | null;
    switch (key) {
      case 'max_age':
        // A timedelta is Python-only; Django turns it into its seconds, and so do we here.
        options.maxAge = given?.$timedelta_seconds ?? value;
        break;
      case 'expires':
        // A datetime becomes a Date; a string stays a string, which coatcheck refuses.
        options.expires = given?.$datetime === undefined ? value : toDate(given.$datetime);
        break;
      case 'httponly':
        options.httpOnly = value;
        break;
      case 'samesite':
        options.sameSite = value;
        break;
      case 'path':
      case 'domain':
      case 'secure':
        options[key] = value;
        break;
      default:
        throw new Error(`no option for Django's ${key}`);
    }
  }
  return options as SerializeCookieOptions;
}

/** The header value of `serializeCookie` for a recorded `set_cookie(*args, **kwargs)` call. */
function replay(c: { args: unknown[]; kwargs: Record<string, unknown>; now: number }): string {
  const [name, value = ''] = c.args;
  // Django's set_cookie takes str(value); an int 42 becomes '42'.
  return atTime(c.now, () => serializeCookie(String(name), String(value), toOptions(c.kwargs)));
}

// Recorded calls where coatcheck deliberately differs from Django.
const DIFFERENT: Record<string, string> = {
  // Browsers reject SameSite=None without Secure; Django sends it anyway, coatcheck refuses.
  samesite_None: 'InvalidCookie',
  // Django writes a string `expires` verbatim, unchecked; coatcheck takes only a Date.
  expires_string: 'TypeError',
  expires_arbitrary_string: 'TypeError',
  expires_string_and_max_age: 'TypeError',
};

describe('serializeCookie', () => {
  test('writes Django’s exact Set-Cookie value for every recorded set_cookie call', () => {
    let compared = 0;
    for (const c of vectors.set_cookie.cases) {
      const label = `${c.name}: ${JSON.stringify(c.args)} ${JSON.stringify(c.kwargs)}`;
      if (c.name in DIFFERENT) {
        assert.throws(() => replay(c), { name: DIFFERENT[c.name] }, label);
      } else if ('error' in c.call) {
        // Django's CookieError (illegal or reserved name) and ValueError (bad samesite,
        // expires together with max_age) are InvalidCookie here.
        assert.throws(() => replay(c), InvalidCookie, label);
      } else {
        assert.equal(replay(c), c.cookie.output_string, label);
        assert.equal(`Set-Cookie: ${replay(c)}`, c.cookie.set_cookie_header, label);
        compared++;
      }
    }
    assert.equal(compared, 41);
    // set_cookie.set_then_delete_then_set_same_response records Django reusing the Morsel of a
    // cookie set twice on one response (Max-Age=0 survives). That is the response object's
    // behaviour, not the serializer's; the request lifecycle tests own it.
  });

  test('adds Secure to the recorded SameSite=None call, which then matches Django', () => {
    const c = vectors.set_cookie.cases.find((v: { name: string }) => v.name === 'samesite_None');
    const line = atTime(c.now, () =>
      serializeCookie('name', 'v', { sameSite: 'None', secure: true }),
    );
    assert.equal(line, `${c.cookie.output_string}; Secure`);
  });

  test('names the cookie and the problem when it refuses one', () => {
    assert.throws(() => serializeCookie('a b', 'v'), { name: 'InvalidCookie', message: /"a b"/ });
    assert.throws(() => serializeCookie('Path', 'v'), { message: /"Path".*attribute/ });
    assert.throws(() => serializeCookie('c', 'v', { sameSite: 'invalid' as 'Lax' }), {
      message: /"c".*samesite must be "lax", "none", or "strict"/i,
    });
    assert.throws(() => serializeCookie('c', 'v', { sameSite: 'None' }), {
      message: /"c".*SameSite=None needs secure/,
    });
  });

  // Django's SetCookieTests.test_near_expiration
  test('rounds an expires date so that a fraction of a second already gone is not lost', () => {
    const expires = new Date((NOW + 10) * 1000);
    const line = atTime(NOW + 0.001, () => serializeCookie('datetime', '', { expires }));
    assert.match(line, /; Max-Age=10; /);
  });

  // Django's SetCookieTests.test_far_expiration (test_aware_expiration is the test above: a
  // Date is always an instant, so it has no naive form)
  test('writes the requested expires date, or the second after when the clock is on a second', () => {
    const seconds = Date.UTC(new Date().getUTCFullYear() + 2, 0, 1, 4, 5, 6) / 1000;
    const line = serializeCookie('datetime', '', { expires: new Date(seconds * 1000) });
    const written = /; expires=([^;]+);/.exec(line)?.[1];
    assert.ok([httpDate(seconds), httpDate(seconds + 1)].includes(written), line);
  });

  // Django's SetCookieTests.test_max_age_expiration
  test('writes Max-Age and the matching expires date from the current time', () => {
    const line = atTime(NOW, () => serializeCookie('max_age', '', { maxAge: 10 }));
    assert.equal(line, `max_age=""; expires=${httpDate(NOW + 10)}; Max-Age=10; Path=/`);
  });

  // Django's SetCookieTests.test_max_age_int
  test('truncates a fractional Max-Age toward zero', () => {
    assert.match(
      atTime(NOW, () => serializeCookie('max_age', '', { maxAge: 10.6 })),
      /; Max-Age=10;/,
    );
    assert.match(
      atTime(NOW, () => serializeCookie('max_age', '', { maxAge: -0.5 })),
      /; expires=Tue, 14 Nov 2023 22:13:19 GMT; Max-Age=0;/,
    );
  });

  // Django's SetCookieTests.test_max_age_with_expires
  test('refuses expires together with maxAge', () => {
    assert.throws(
      () =>
        serializeCookie('max_age', '', { expires: new Date(Date.UTC(2000, 0, 1)), maxAge: 3600 }),
      {
        name: 'InvalidCookie',
        message: /'expires' and 'maxAge' can't be used together/,
      },
    );
  });

  // Django's SetCookieTests.test_httponly_cookie
  test('writes HttpOnly', () => {
    assert.match(serializeCookie('example', '', { httpOnly: true }), /; HttpOnly/);
  });

  // Django's SetCookieTests.test_unicode_cookie
  test('keeps characters above U+00FF raw inside quotes', () => {
    assert.equal(serializeCookie('test', '清風'), 'test="清風"; Path=/');
  });

  // Django's SetCookieTests.test_samesite
  test('writes SameSite in the case it was given', () => {
    assert.match(
      serializeCookie('example', '', { sameSite: 'None', secure: true }),
      /; SameSite=None;/,
    );
    assert.match(serializeCookie('example', '', { sameSite: 'Lax' }), /; SameSite=Lax$/);
    assert.match(serializeCookie('example', '', { sameSite: 'strict' }), /; SameSite=strict$/);
    assert.match(serializeCookie('example', '', { sameSite: 'LAX' as 'Lax' }), /; SameSite=LAX$/);
  });

  // Django's SetCookieTests.test_invalid_samesite
  test('refuses an unknown SameSite', () => {
    assert.throws(
      () => serializeCookie('example', '', { sameSite: 'invalid' as 'Lax' }),
      InvalidCookie,
    );
    assert.throws(
      () => serializeCookie('example', '', { sameSite: true as unknown as 'Lax' }),
      TypeError,
    );
  });

  // Django's CookieTests.test_encode
  test('escapes semicolons and commas in the value', () => {
    const line = serializeCookie('test', 'An,awkward;value');
    assert.equal(line, 'test="An\\054awkward\\073value"; Path=/');
    const value = line.slice(0, line.indexOf('; Path'));
    assert.ok(!value.includes(';') && !value.includes(','));
  });

  test('leaves out Path for null or an empty string, and Domain for an empty string', () => {
    assert.equal(serializeCookie('a', 'b', { path: null }), 'a=b');
    assert.equal(serializeCookie('a', 'b', { path: '' }), 'a=b');
    assert.equal(serializeCookie('a', 'b', { domain: '' }), 'a=b; Path=/');
    assert.equal(serializeCookie('a', 'b', { domain: null, sameSite: false }), 'a=b; Path=/');
  });

  test('writes Partitioned and then Priority after Django’s attributes', () => {
    const line = atTime(NOW, () =>
      serializeCookie('sid', 'abc', {
        priority: 'high',
        partitioned: true,
        secure: true,
        sameSite: 'None',
        path: '/p',
        maxAge: 60,
        httpOnly: true,
        domain: 'example.com',
      }),
    );
    assert.equal(
      line,
      'sid=abc; Domain=example.com; expires=Tue, 14 Nov 2023 22:14:20 GMT; HttpOnly; Max-Age=60; Path=/p; SameSite=None; Secure; Partitioned; Priority=High',
    );
    assert.match(serializeCookie('a', 'b', { priority: 'LOW' as 'low' }), /; Priority=Low$/);
    assert.match(serializeCookie('a', 'b', { priority: 'Medium' }), /; Priority=Medium$/);
  });

  test('refuses an unknown priority', () => {
    assert.throws(() => serializeCookie('a', 'b', { priority: 'urgent' as 'high' }), {
      name: 'InvalidCookie',
      message: /"a": priority/,
    });
    assert.throws(
      () => serializeCookie('a', 'b', { priority: 'constructor' as 'high' }),
      InvalidCookie,
    );
  });

  test('refuses a partitioned cookie without Secure', () => {
    assert.throws(() => serializeCookie('a', 'b', { partitioned: true }), {
      name: 'InvalidCookie',
      message: /partitioned cookie needs secure/,
    });
  });

  test('refuses prefixed names without what their prefix promises, in any case', () => {
    assert.throws(() => serializeCookie('__Secure-id', 'v'), {
      name: 'InvalidCookie',
      message: /__Secure-/,
    });
    assert.throws(() => serializeCookie('__secure-id', 'v'), InvalidCookie);
    assert.equal(
      serializeCookie('__Secure-id', 'v', {
        secure: true,
        domain: 'example.com',
        path: '/a',
      }).endsWith('Secure'),
      true,
    );
    for (const options of [
      {},
      { secure: true, domain: 'example.com' },
      { secure: true, path: '/a' },
      { secure: true, path: null },
    ]) {
      assert.throws(() => serializeCookie('__Host-id', 'v', options), {
        name: 'InvalidCookie',
        message: /__Host-/,
      });
      assert.throws(() => serializeCookie('__HOST-id', 'v', options), InvalidCookie);
    }
    assert.equal(
      serializeCookie('__Host-id', 'v', { secure: true }),
      '__Host-id=v; Path=/; Secure',
    );
    // Only the exact prefixes count.
    assert.equal(serializeCookie('__Hosting', 'v'), '__Hosting=v; Path=/');
    assert.equal(serializeCookie('_Secure-id', 'v'), '_Secure-id=v; Path=/');
  });

  test('refuses illegal and reserved names', () => {
    const names = [
      '',
      'a b',
      'a;b',
      'a=b',
      'a,b',
      'a"b',
      'a\tb',
      'a\nb',
      'a\u0000b',
      'é',
      'a\u00a0',
      '😀',
      '(a)',
      'a/b',
    ];
    for (const name of names)
      assert.throws(() => serializeCookie(name, 'v'), InvalidCookie, JSON.stringify(name));
    const reserved = [
      'expires',
      'Path',
      'comment',
      'DOMAIN',
      'max-age',
      'Secure',
      'httponly',
      'version',
      'SameSite',
    ];
    for (const name of [...reserved, 'partitioned', 'Priority']) {
      assert.throws(
        () => serializeCookie(name, 'v'),
        { name: 'InvalidCookie', message: /attribute/ },
        name,
      );
    }
    assert.equal(serializeCookie("!#$%&'*+-.^_`|~:", 'v'), "!#$%&'*+-.^_`|~:=v; Path=/");
    assert.equal(serializeCookie('expiresAt', 'v'), 'expiresAt=v; Path=/');
  });

  test('refuses a domain or path that could break the header', () => {
    const bad = ['a;b', 'a\r\nSet-Cookie: x=y', 'a\nb', 'a\u0000', 'a\u007f', 'é'];
    for (const value of bad) {
      assert.throws(() => serializeCookie('c', 'v', { path: `/${value}` }), {
        name: 'InvalidCookie',
        message: /"c": path/,
      });
      assert.throws(() => serializeCookie('c', 'v', { domain: `example.com${value}` }), {
        name: 'InvalidCookie',
        message: /"c": domain/,
      });
    }
    for (const domain of [
      'exa mple.com',
      'example.com.',
      '-example.com',
      'example.com:8000',
      'a..b',
    ]) {
      assert.throws(() => serializeCookie('c', 'v', { domain }), InvalidCookie, domain);
    }
    const error = (() => {
      try {
        serializeCookie('c', 'v', { path: '/a;b' });
      } catch (caught) {
        return caught as InvalidCookie;
      }
      return undefined;
    })();
    assert.ok(error?.cause instanceof TypeError, 'keeps the cookie package’s error as the cause');
    assert.equal(
      serializeCookie('c', 'v', { domain: '.Example.COM', path: '/a b/~x' }),
      'c=v; Domain=.Example.COM; Path=/a b/~x',
    );
    assert.equal(
      serializeCookie('c', 'v', { domain: 'localhost' }),
      'c=v; Domain=localhost; Path=/',
    );
  });

  test('refuses a non-finite maxAge, an invalid Date and dates outside the years 1 to 9999', () => {
    for (const maxAge of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => serializeCookie('c', 'v', { maxAge }), {
        name: 'InvalidCookie',
        message: /"c": maxAge/,
      });
    }
    assert.throws(() => serializeCookie('c', 'v', { maxAge: 1e12 }), {
      name: 'InvalidCookie',
      message: /9999/,
    });
    assert.throws(() => serializeCookie('c', 'v', { maxAge: -1e11 }), {
      name: 'InvalidCookie',
      message: /9999/,
    });
    assert.throws(
      () => serializeCookie('c', 'v', { expires: new Date(Number.NaN) }),
      InvalidCookie,
    );
    const last = atTime(NOW, () => serializeCookie('c', 'v', { maxAge: 253402300799 - NOW }));
    assert.match(last, /expires=Fri, 31 Dec 9999 23:59:59 GMT; Max-Age=251702300799;/);
  });

  test('turns an expires date in the past into Max-Age=0, as Django does', () => {
    const line = atTime(NOW, () => serializeCookie('c', 'v', { expires: new Date(0) }));
    assert.equal(line, 'c=v; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/');
  });

  test('refuses arguments of the wrong type with a TypeError', () => {
    const wrong: [unknown, unknown, unknown][] = [
      [42, 'v', {}],
      ['c', 42, {}],
      ['c', undefined, {}],
      ['c', 'v', { maxAge: '10' }],
      ['c', 'v', { expires: 'Wed, 21 Oct 2015 07:28:00 GMT' }],
      ['c', 'v', { expires: 1700000000 }],
      ['c', 'v', { secure: 'yes' }],
      ['c', 'v', { httpOnly: 1 }],
      ['c', 'v', { partitioned: 'true' }],
      ['c', 'v', { path: 42 }],
      ['c', 'v', { domain: ['example.com'] }],
      ['c', 'v', { priority: 1 }],
    ];
    for (const [name, value, options] of wrong) {
      assert.throws(
        () => serializeCookie(name as string, value as string, options as SerializeCookieOptions),
        TypeError,
        JSON.stringify([name, value, options]),
      );
    }
  });

  test('refuses a cookie over 4096 bytes, counting the whole line as UTF-8', () => {
    const fits = serializeCookie('c', 'x'.repeat(4096 - 'c=; Path=/'.length));
    assert.equal(Buffer.byteLength(fits), 4096);
    assert.throws(() => serializeCookie('c', 'x'.repeat(4097 - 'c=; Path=/'.length)), {
      name: 'CookieTooLarge',
      message: /"c" is 4097 bytes/,
    });
    // Three bytes each in UTF-8, inside two quotes.
    const cjk = (4096 - 'cc=""; Path=/'.length) / 3;
    assert.equal(Buffer.byteLength(serializeCookie('cc', '清'.repeat(cjk))), 4096);
    assert.throws(() => serializeCookie('cc', '清'.repeat(cjk + 1)), CookieTooLarge);
    // The attributes count too.
    assert.throws(
      () => serializeCookie('c', 'x'.repeat(4000), { path: `/${'p'.repeat(100)}` }),
      CookieTooLarge,
    );
  });

  test('refuses a path longer than the 1024 bytes browsers read of an attribute', () => {
    const path = `/${'p'.repeat(1023)}`;
    assert.match(serializeCookie('c', 'v', { path }), /; Path=\/p{1023}$/);
    assert.throws(() => serializeCookie('c', 'v', { path: `${path}p` }), {
      name: 'InvalidCookie',
      message: /"c": path is 1025 bytes/,
    });
  });

  test('writes values that Django’s parser reads back unchanged', () => {
    const values = [
      '',
      'plain',
      'hello world',
      'a,b;c',
      'say "hi"',
      'back\\slash',
      'été',
      '清風 😀',
      '\u0000\u001f\u007f',
      '\\012',
      '"',
    ];
    for (const value of values) {
      const line = serializeCookie('c', value, { path: null });
      assert.equal(parseCookies(line).c, value, JSON.stringify(value));
    }
  });
});
