/**
 * Settings: Django's defaults filled in, and every setting that cannot work refused once, at
 * startup, with an `ImproperlyConfigured` that names it (STYLE.md: configuration checked once).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { ImproperlyConfigured } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import type { SessionLogger } from '../../src/session/logger.ts';
import { DEFAULT_SQLITE_PATH, resolveSettings, type Settings } from '../../src/settings.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import { vectors } from '../helpers/vectors.ts';

// 64 characters, 36 distinct: not weak, so these tests never trip the weak-secret warning.
const STRONG = 'k7Qx2mP9vL4nR8sT1wY6zB3cD5fG0hJ-aE_iO.uKqWXeVrUtyMNbZlSjHgFdCAs';
const quiet: SessionLogger = { warn() {}, error() {} };

function settings(over: Record<string, unknown> = {}): Settings {
  return { secretKey: STRONG, engine: memoryStore(), logger: quiet, ...over } as Settings;
}

/** Asserts that `over` is refused with an ImproperlyConfigured whose message matches. */
function refuses(over: Record<string, unknown>, message: RegExp): void {
  assert.throws(
    () => resolveSettings(settings(over)),
    (error: unknown) => {
      assert.ok(error instanceof ImproperlyConfigured, `not ImproperlyConfigured: ${error}`);
      assert.match(error.message, message);
      return true;
    },
    JSON.stringify(over, (_, v) => (v === undefined ? '<undefined>' : v)),
  );
}

describe('resolveSettings defaults', () => {
  test('are Django’s', () => {
    const engine = memoryStore();
    const resolved = resolveSettings({ secretKey: STRONG, engine, logger: quiet });
    const django = vectors.meta.settings;
    assert.equal(resolved.cookieName, django.SESSION_COOKIE_NAME);
    assert.equal(resolved.cookieAge, django.SESSION_COOKIE_AGE);
    assert.equal(resolved.cookieSameSite, django.SESSION_COOKIE_SAMESITE);
    assert.equal(resolved.cookieHttpOnly, django.SESSION_COOKIE_HTTPONLY);
    assert.deepEqual(
      { ...resolved, policy: { ...resolved.policy } },
      {
        secretKey: STRONG,
        secretKeyFallbacks: [],
        engine,
        cookieName: 'sessionid',
        cookieAge: 1209600,
        cookieDomain: null,
        cookiePath: '/',
        cookieSecure: false,
        cookieHttpOnly: true,
        cookieSameSite: 'Lax',
        cookiePartitioned: false,
        saveEveryRequest: false,
        expireAtBrowserClose: false,
        idleTimeout: null,
        absoluteTimeout: null,
        signedCookieScheme: 'v2',
        signedCookieLegacyFallback: false,
        djangoVersion: '5.2',
        logger: quiet,
        schema: null,
        policy: { cookieAge: 1209600, expireAtBrowserClose: false },
      },
    );
  });

  test('the result and its parts are frozen', () => {
    const resolved = resolveSettings(settings({ secretKeyFallbacks: ['old-secret'] }));
    assert.ok(Object.isFrozen(resolved));
    assert.ok(Object.isFrozen(resolved.policy));
    assert.ok(Object.isFrozen(resolved.secretKeyFallbacks));
  });

  test('keeps what was given, and builds the expiry policy from it', () => {
    const resolved = resolveSettings(
      settings({
        secretKeyFallbacks: ['old-secret', new Uint8Array([1, 2, 3])],
        cookieName: 'sid',
        cookieAge: 60,
        cookieDomain: '.example.com',
        cookiePath: '/app',
        cookieSecure: true,
        cookieHttpOnly: false,
        cookieSameSite: false,
        cookiePartitioned: true,
        saveEveryRequest: true,
        expireAtBrowserClose: true,
        signedCookieScheme: 'legacy',
        signedCookieLegacyFallback: true,
      }),
    );
    assert.deepEqual(resolved.secretKeyFallbacks, ['old-secret', new Uint8Array([1, 2, 3])]);
    assert.deepEqual(
      [resolved.cookieName, resolved.cookieAge, resolved.cookieDomain, resolved.cookiePath],
      ['sid', 60, '.example.com', '/app'],
    );
    assert.deepEqual(
      [resolved.cookieSecure, resolved.cookieHttpOnly, resolved.cookieSameSite],
      [true, false, false],
    );
    assert.deepEqual(
      [resolved.cookiePartitioned, resolved.saveEveryRequest, resolved.expireAtBrowserClose],
      [true, true, true],
    );
    assert.deepEqual(
      [resolved.signedCookieScheme, resolved.signedCookieLegacyFallback],
      ['legacy', true],
    );
    assert.deepEqual({ ...resolved.policy }, { cookieAge: 60, expireAtBrowserClose: true });
  });

  test('accepts an engine provider and a bytes secret', () => {
    const secret = new Uint8Array(64).map((_, i) => (i * 37) % 256);
    const resolved = resolveSettings(settings({ engine: signedCookies(), secretKey: secret }));
    assert.equal(resolved.secretKey, secret);
    assert.equal((resolved.engine as { kind: string }).kind, 'engine');
  });

  test('accepts SameSite in any case, as Django does', () => {
    for (const sameSite of ['lax', 'Strict', 'STRICT']) {
      assert.equal(
        resolveSettings(settings({ cookieSameSite: sameSite })).cookieSameSite,
        sameSite,
      );
    }
  });
});

describe('resolveSettings validation', () => {
  test('refuses a missing or empty secret', () => {
    refuses({ secretKey: undefined }, /settings\.secretKey is missing/);
    refuses({ secretKey: '' }, /settings\.secretKey is missing/);
    refuses({ secretKey: new Uint8Array(0) }, /settings\.secretKey must be/);
    refuses({ secretKey: 42 }, /settings\.secretKey must be a non-empty string or bytes/);
  });

  test('refuses bad fallback secrets, naming which one', () => {
    refuses({ secretKeyFallbacks: 'old' }, /settings\.secretKeyFallbacks must be an array/);
    refuses({ secretKeyFallbacks: ['old', ''] }, /settings\.secretKeyFallbacks\[1\] is missing/);
  });

  test('refuses SameSite None without Secure', () => {
    refuses({ cookieSameSite: 'None' }, /settings\.cookieSameSite.*cookieSecure/);
    refuses({ cookieSameSite: 'none', cookieSecure: false }, /settings\.cookieSameSite/);
  });

  test('refuses a SameSite browsers do not know', () => {
    refuses({ cookieSameSite: 'Sometimes' }, /settings\.cookieSameSite must be/);
    refuses({ cookieSameSite: true }, /settings\.cookieSameSite must be/);
  });

  test('refuses Partitioned without Secure', () => {
    refuses({ cookiePartitioned: true }, /settings\.cookiePartitioned needs cookieSecure/);
  });

  for (const cookieAge of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', 2 ** 53]) {
    test(`refuses a cookieAge of ${typeof cookieAge === 'string' ? `'${cookieAge}'` : cookieAge}`, () => {
      refuses({ cookieAge }, /settings\.cookieAge must be a positive whole number of seconds/);
    });
  }

  test('refuses a cookieAge too long for a cookie date, naming cookieAge', () => {
    refuses({ cookieAge: 1e15 }, /cookieAge.*maxAge/);
  });

  test('refuses an engine that is not one', () => {
    for (const engine of [{}, null, 'memory', memoryStore, { kind: 'cache' }]) {
      refuses({ engine }, /settings\.engine is not a session store or engine/);
    }
  });

  test('without an engine, keeps sessions in SQLite at .coatcheck/sessions.sqlite3 under the working directory', () => {
    const { engine } = resolveSettings(settings({ engine: undefined }));
    assert.equal(engine.kind, 'store');
    assert.equal(engine.name, 'sqlite');
    assert.equal((engine as { table?: string }).table, 'django_session');
    assert.equal(DEFAULT_SQLITE_PATH, '.coatcheck/sessions.sqlite3');
  });

  test('refuses a bad cookie name', () => {
    for (const cookieName of ['', 'bad name', 'semi;colon', 'é', 'expires', 'Path']) {
      refuses({ cookieName }, /cookieName.*refuse: Cookie /);
    }
  });

  test('refuses a cookie name that is not a string', () => {
    refuses({ cookieName: 42 }, /cookieName.*as a string/);
  });

  test('refuses a path or domain that does not belong in a Set-Cookie header', () => {
    refuses({ cookiePath: '/a;b' }, /cookiePath.*path "\/a;b"/);
    refuses({ cookieDomain: 'exa mple.com' }, /cookieDomain.*domain "exa mple.com"/);
    refuses({ cookiePath: 42 }, /cookiePath.*path must be a string/);
  });

  test('refuses a cookiePath without its leading slash, which browsers would replace', () => {
    for (const cookiePath of ['app', 'app/', '', ' /app']) {
      refuses({ cookiePath }, /settings\.cookiePath must start with "\/"/);
    }
  });

  test('refuses a setting it does not know, suggesting the nearest one', () => {
    refuses(
      { cookieSecur: true },
      /settings\.cookieSecur is not a setting.*did you mean cookieSecure\?/,
    );
    refuses({ secretKeys: ['x'] }, /settings\.secretKeys is not a setting.*did you mean secretKey/);
    refuses({ SESSION_COOKIE_AGE: 60 }, /settings\.SESSION_COOKIE_AGE is not a setting/);
    refuses({ store: memoryStore() }, /settings\.store is not a setting/);
  });

  test('names every setting it knows when nothing is close', () => {
    refuses({ zzzzzzzz: 1 }, /settings\.zzzzzzzz is not a setting; the settings are secretKey, /);
  });

  test('refuses a __Host- name with a domain, or a prefixed name without Secure', () => {
    refuses(
      { cookieName: '__Host-sid', cookieSecure: true, cookieDomain: 'example.com' },
      /cookieDomain.*__Host-/,
    );
    refuses({ cookieName: '__Host-sid' }, /cookieSecure.*__Host-/);
    refuses({ cookieName: '__Secure-sid' }, /cookieSecure.*__Secure-/);
    const resolved = resolveSettings(settings({ cookieName: '__Host-sid', cookieSecure: true }));
    assert.equal(resolved.cookieName, '__Host-sid');
  });

  test('refuses flags that are not booleans, naming the flag', () => {
    for (const name of [
      'cookieSecure',
      'cookieHttpOnly',
      'cookiePartitioned',
      'saveEveryRequest',
      'expireAtBrowserClose',
      'signedCookieLegacyFallback',
    ]) {
      refuses({ [name]: 'yes' }, new RegExp(`settings\\.${name} must be true or false`));
    }
  });

  test('takes the version of the Django that shares the store, and refuses what is none', () => {
    assert.equal(resolveSettings(settings({ djangoVersion: '3.2' })).djangoVersion, '3.2');
    assert.equal(resolveSettings(settings({ djangoVersion: '4.2' })).djangoVersion, '4.2');
    for (const version of ['3', '3.1', '2.2', 'latest', 32, '4.2.1']) {
      refuses({ djangoVersion: version }, /settings\.djangoVersion must be .*'3\.2'/);
    }
  });

  test('refuses an unknown signed cookie scheme', () => {
    refuses({ signedCookieScheme: 'v3' }, /settings\.signedCookieScheme must be 'v2' or 'legacy'/);
  });

  test('refuses a logger without warn and error', () => {
    refuses({ logger: { warn() {} } }, /settings\.logger must have warn\(\) and error\(\)/);
  });

  test('refuses a missing settings object', () => {
    for (const value of [undefined, null, 'secret']) {
      assert.throws(
        () => resolveSettings(value as unknown as Settings),
        (error: unknown) =>
          error instanceof ImproperlyConfigured && /secretKey/.test(error.message),
      );
    }
  });

  test('createSessions refuses the same settings at startup', () => {
    assert.throws(() => createSessions(settings({ cookieSameSite: 'None' })), ImproperlyConfigured);
  });
});

describe('createSessions without node:sqlite', () => {
  test('refuses the default engine at startup, saying why and what to do', () => {
    const lifecycleUrl = new URL('../../src/middleware/lifecycle.ts', import.meta.url).href;
    const script = `
      const { createSessions } = await import(${JSON.stringify(lifecycleUrl)});
      try {
        createSessions({ secretKey: ${JSON.stringify(STRONG)} });
        process.stdout.write('created');
      } catch (error) {
        process.stdout.write(error.name + ': ' + error.message);
      }
    `;
    // A Node.js without node:sqlite, as Node before 22.13 is.
    const output = execFileSync(
      process.execPath,
      ['--no-experimental-sqlite', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    assert.match(output, /^ImproperlyConfigured: coatcheck: .*node:sqlite/);
    assert.match(output, /Node\.js 22\.13 or later/);
    assert.match(output, /engine/);
  });
});

describe('resolveSettings weak-secret warning', () => {
  // Each case runs in a fresh process, so no state of another test can hide a warning.
  const settingsUrl = new URL('../../src/settings.ts', import.meta.url).href;
  const memoryUrl = new URL('../../src/stores/memory.ts', import.meta.url).href;
  const script = `
    const { resolveSettings } = await import(${JSON.stringify(settingsUrl)});
    const { memoryStore } = await import(${JSON.stringify(memoryUrl)});
    const warnings = [];
    for (const secretKey of JSON.parse(process.argv[1])) {
      const logger = { warn: (m) => warnings.push(m), error() {} };
      resolveSettings({ secretKey, engine: memoryStore(), logger });
    }
    process.stdout.write(JSON.stringify(warnings));
  `;
  function warningsFor(secrets: string[]): string[] {
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify(secrets)],
      { encoding: 'utf8' },
    );
    return JSON.parse(output);
  }

  const short = 'x1y2z3w4v5u6t7s8r9q0p'; // 21 characters

  test('warns for every app with a weak secret, not only the first of the process', () => {
    const warnings = warningsFor([short, short, `${short}!`]);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0] ?? '', /settings\.secretKey is weak/);
    assert.match(warnings[0] ?? '', /W009/);
  });

  test('does not warn for a strong secret', () => {
    assert.deepEqual(warningsFor([STRONG]), []);
    assert.equal(warningsFor([STRONG, STRONG, short]).length, 1);
  });

  test('finds each kind of weak secret Django’s check W009 finds', () => {
    const weak = {
      'shorter than 50 characters': STRONG.slice(0, 49),
      'fewer than 5 distinct characters': 'abcd'.repeat(20),
      'made by startproject for development': `django-insecure-${STRONG}`,
    };
    for (const [why, secret] of Object.entries(weak)) {
      assert.equal(warningsFor([secret]).length, 1, why);
    }
    assert.deepEqual(warningsFor([STRONG.slice(0, 50)]), []);
    assert.deepEqual(warningsFor(['abcde'.repeat(10)]), []);
  });
});
