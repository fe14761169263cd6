/**
 * The request lifecycle (Django's SessionMiddleware, django-spec.md §6): Django's
 * SessionMiddlewareTests through a memory store and signed cookies, every `middleware` vector
 * (signed_cookies engine) and every `middleware_db` vector (db engine) replayed byte for byte
 * with the clock pinned, and what coatcheck adds: no store I/O for untouched sessions, one load
 * per request, the cookie API on the context, and never throwing on hostile cookies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serializeCookie } from '../../src/cookies/serialize.ts';
import {
  CreateError,
  ImproperlyConfigured,
  SessionInterrupted,
  StoreUnavailable,
  UpdateError,
} from '../../src/errors.ts';
import {
  createSessions,
  type FinishResult,
  type RequestContext,
  type Sessions,
} from '../../src/middleware/lifecycle.ts';
import type { SessionData } from '../../src/session/data.ts';
import type { SessionCodec } from '../../src/session/encoding.ts';
import type { EngineProvider } from '../../src/session/engine.ts';
import type { SessionLogger } from '../../src/session/logger.ts';
import type { Session } from '../../src/session/session.ts';
import type { Settings } from '../../src/settings.ts';
import { memoryStore } from '../../src/stores/memory.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import type {
  SessionStore,
  StoreContext,
  StoreRecord,
  StoreSaveOptions,
} from '../../src/stores/store.ts';
import { atTimeAsync } from '../helpers/clock.ts';
import { SECRET_KEY, vectors } from '../helpers/vectors.ts';

const NOW = vectors.meta.fixed_time as number;
const TWO_WEEKS = 1209600;
const INTERRUPTED =
  "The request's session was deleted before the request completed. " +
  'The user may have logged out in a concurrent request, for example.';
const DELETED =
  'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax';
const GENERATED_KEY = /^[a-z0-9]{32}$/;

function recordingLogger(): SessionLogger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (message) => warnings.push(message),
    error: (message) => errors.push(message),
  };
}

/** A store around memoryStore() that logs every call the lifecycle makes. */
function countingStore(inner: SessionStore = memoryStore()) {
  const calls: string[] = [];
  const written: { key: string; record: StoreRecord }[] = [];
  const store: SessionStore = {
    kind: 'store',
    name: 'counting',
    load(key) {
      calls.push(`load ${key}`);
      return inner.load(key);
    },
    create(key, record) {
      calls.push(`create ${key}`);
      written.push({ key, record });
      return inner.create(key, record);
    },
    save(key, record, options) {
      calls.push(`save ${key}`);
      written.push({ key, record });
      return inner.save(key, record, options);
    },
    delete(key) {
      calls.push(`delete ${key}`);
      return inner.delete(key);
    },
    exists(key) {
      calls.push(`exists ${key}`);
      return inner.exists(key);
    },
    clearExpired() {
      calls.push('clearExpired');
      return inner.clearExpired();
    },
    close() {
      calls.push('close');
      return inner.close();
    },
  };
  return { store, inner, calls, written };
}

/**
 * Django's db engine in miniature: a `django_session` table whose rows hold Django's encoded
 * `session_data` and an `expire_date`, loaded only while `expire_date > now`.
 */
class DjangoTable implements SessionStore {
  readonly kind = 'store';
  readonly name = 'django-table';
  readonly rows = new Map<string, { session_data: string; expire_date: Date }>();
  #codec: SessionCodec | undefined;

  open(context: StoreContext): void {
    this.#codec = context.djangoCodec;
  }

  get #encoding(): SessionCodec {
    assert.ok(this.#codec, 'the lifecycle opens the store before using it');
    return this.#codec;
  }

  async load(key: string): Promise<StoreRecord | null> {
    const row = this.rows.get(key);
    if (row === undefined || row.expire_date.getTime() <= Date.now()) return null;
    return { data: this.#encoding.decode(row.session_data), expiresAt: row.expire_date };
  }

  #write(key: string, record: StoreRecord): void {
    const row = { session_data: this.#encoding.encode(record.data), expire_date: record.expiresAt };
    this.rows.set(key, row);
  }

  async create(key: string, record: StoreRecord): Promise<void> {
    if (this.rows.has(key)) throw new CreateError(`duplicate key ${key}`);
    this.#write(key, record);
  }

  async save(key: string, record: StoreRecord, options: StoreSaveOptions): Promise<void> {
    if (options.mustExist && !this.rows.has(key)) throw new UpdateError('forced update failed');
    this.#write(key, record);
  }

  async delete(key: string): Promise<void> {
    this.rows.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.rows.has(key);
  }

  async clearExpired(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}

type Engine = SessionStore | EngineProvider;

function start(engine: Engine, settings: Partial<Settings> = {}) {
  const logger = recordingLogger();
  const sessions = createSessions({ secretKey: SECRET_KEY, engine, logger, ...settings });
  // The recorded Django key is short, so every app warns about it once; the tests count the
  // warnings the requests give.
  logger.warnings.splice(0);
  return { sessions, logger };
}

interface Outcome {
  result: FinishResult;
  session: Session | undefined;
}

/** One request: begin with `cookie`, run `view` on the session (if any), finish with `status`. */
async function request(
  sessions: Sessions,
  cookie: string | undefined,
  view?: (session: Session, ctx: RequestContext) => void | Promise<void>,
  status = 200,
): Promise<Outcome> {
  const ctx = sessions.begin(cookie);
  let session: Session | undefined;
  if (view !== undefined) {
    session = await ctx.session();
    await view(session, ctx);
  }
  return { result: await ctx.finish({ status }), session };
}

/** The `name=value` pair a Set-Cookie line sets, ready to send back as a Cookie header. */
function cookiePair(result: FinishResult, name = 'sessionid'): string {
  const line = result.setCookie.find((l) => l.startsWith(`${name}=`));
  assert.ok(line, `no Set-Cookie for ${name} in ${JSON.stringify(result.setCookie)}`);
  return line.split(';')[0] as string;
}

function cookieValue(result: FinishResult, name = 'sessionid'): string {
  return cookiePair(result, name).slice(name.length + 1);
}

const targets: { name: string; engine: () => Engine }[] = [
  { name: 'memory store', engine: () => memoryStore() },
  { name: 'signed cookies', engine: () => signedCookies() },
];

const sayHello = (session: Session) => session.set('hello', 'world');

for (const target of targets) {
  describe(`SessionMiddleware (${target.name})`, () => {
    // SessionMiddlewareTests.test_secure_session_cookie
    test('a secure cookie setting gives a Secure cookie', async () => {
      const { sessions } = start(target.engine(), { cookieSecure: true });
      const { result } = await request(sessions, undefined, sayHello);
      assert.match(result.setCookie[0] ?? '', /; Secure$/);
    });

    // SessionMiddlewareTests.test_httponly_session_cookie
    test('the HttpOnly setting gives an HttpOnly cookie', async () => {
      const { sessions } = start(target.engine(), { cookieHttpOnly: true });
      const { result } = await request(sessions, undefined, sayHello);
      assert.match(result.setCookie[0] ?? '', /; HttpOnly;/);
    });

    // SessionMiddlewareTests.test_samesite_session_cookie
    test('the SameSite setting is written as given', async () => {
      const { sessions } = start(target.engine(), { cookieSameSite: 'Strict' });
      const { result } = await request(sessions, undefined, sayHello);
      assert.match(result.setCookie[0] ?? '', /; SameSite=Strict$/);
    });

    // SessionMiddlewareTests.test_no_httponly_session_cookie
    test('cookieHttpOnly: false leaves HttpOnly out', async () => {
      const { sessions } = start(target.engine(), { cookieHttpOnly: false });
      const { result } = await request(sessions, undefined, sayHello);
      assert.equal(result.setCookie.length, 1);
      assert.doesNotMatch(result.setCookie[0] ?? '', /HttpOnly/i);
    });

    // SessionMiddlewareTests.test_session_save_on_500 and test_session_save_on_5xx
    for (const status of [500, 503, 599]) {
      test(`a ${status} response saves nothing but still varies on Cookie`, async () => {
        const { sessions } = start(target.engine());
        const first = await request(sessions, undefined, (s) => s.set('a', 1));
        const cookie = cookiePair(first.result);
        const failed = await request(sessions, cookie, sayHello, status);
        assert.deepEqual(failed.result, { setCookie: [], vary: true });
        const next = await request(sessions, cookie, () => {});
        assert.equal(next.session?.has('hello'), false);
        assert.equal(next.session?.get('a'), 1);
      });
    }

    test('a 499 response still saves', async () => {
      const { sessions } = start(target.engine());
      const { result } = await request(sessions, undefined, sayHello, 499);
      assert.equal(result.setCookie.length, 1);
      const next = await request(sessions, cookiePair(result), () => {});
      assert.equal(next.session?.get('hello'), 'world');
    });

    // SessionMiddlewareTests.test_session_delete_on_end
    test('a flushed session deletes the cookie the request carried', async () => {
      const { sessions } = start(target.engine());
      const { result } = await request(sessions, 'sessionid=abc', (s) => s.flush());
      assert.deepEqual(result, { setCookie: [DELETED], vary: true });
    });

    // SessionMiddlewareTests.test_session_delete_on_end_with_custom_domain_and_path
    test('the deleting cookie carries the cookie domain and path', async () => {
      const { sessions } = start(target.engine(), {
        cookieDomain: '.example.local',
        cookiePath: '/example/',
      });
      const { result } = await request(sessions, 'sessionid=abc', (s) => s.flush());
      assert.deepEqual(result.setCookie, [
        'sessionid=""; Domain=.example.local; expires=Thu, 01 Jan 1970 00:00:00 GMT; ' +
          'Max-Age=0; Path=/example/; SameSite=Lax',
      ]);
    });

    // SessionMiddlewareTests.test_flush_empty_without_session_cookie_doesnt_set_cookie
    test('flushing without a session cookie sets no cookie but varies on Cookie', async () => {
      const { sessions } = start(target.engine());
      const { result } = await request(sessions, undefined, (s) => s.flush());
      assert.deepEqual(result, { setCookie: [], vary: true });
    });

    // SessionMiddlewareTests.test_empty_session_saved
    test('a session emptied of its data keeps its key and is saved, not deleted', async () => {
      const { sessions } = start(target.engine());
      const first = await request(sessions, undefined, (s) => s.set('foo', 'bar'));
      assert.deepEqual(first.session?.entries(), [['foo', 'bar']]);
      assert.equal(first.result.vary, true);
      const cookie = cookiePair(first.result);
      const second = await request(sessions, cookie, (s) => {
        assert.equal(s.delete('foo'), true);
      });
      assert.deepEqual(second.session?.entries(), []);
      assert.ok((second.session?.sessionKey ?? '').length > 8);
      assert.equal(second.result.vary, true);
      assert.equal(second.result.setCookie.length, 1);
      assert.match(second.result.setCookie[0] ?? '', /^sessionid=[^"]/);
      const third = await request(sessions, cookiePair(second.result), () => {});
      assert.equal(third.session?.isEmpty(), false);
      assert.deepEqual(third.session?.entries(), []);
    });

    // SessionTestsMixin.test_invalid_key, through the middleware
    test('a cookie too short to be a key gets a new key when the session is written', async () => {
      const { sessions } = start(target.engine());
      const { result, session } = await request(sessions, 'sessionid=1', (s) => {
        assert.equal(s.get('cat'), undefined);
        s.set('cat', 'dog');
      });
      assert.notEqual(cookieValue(result), '1');
      assert.equal(session?.sessionKey, cookieValue(result));
    });

    test('a session survives from one request to the next', async () => {
      const { sessions } = start(target.engine());
      const first = await request(sessions, undefined, (s) => s.set('visits', 1));
      const second = await request(sessions, cookiePair(first.result), (s) => {
        s.set('visits', (s.get('visits') as number) + 1);
      });
      const third = await request(sessions, cookiePair(second.result), () => {});
      assert.equal(third.session?.get('visits'), 2);
      assert.deepEqual(third.result, { setCookie: [], vary: true });
    });

    test('finish() called twice throws', async () => {
      const { sessions } = start(target.engine());
      const ctx = sessions.begin(undefined);
      await ctx.finish({ status: 200 });
      await assert.rejects(ctx.finish({ status: 200 }), /twice/);
    });

    test('hostile Cookie headers never throw', async () => {
      const { sessions } = start(target.engine());
      const headers = [
        'x'.repeat(100_000),
        `sessionid=${'a'.repeat(100_000)}`,
        `sessionid=${'e30:1r31eq:'.repeat(10_000)}`,
        `${'a=b; '.repeat(20_000)}sessionid=abcdefghijklmnop`,
        'sessionid="unterminated',
        'sessionid=\u0000\u0001\uffff😀; ;;; ==; =',
        'sessionid=../../etc/passwd0',
        'sessionid=.eJyrVkrKTFeyUqocBaNgFIyCUTAKRsGQB0q1AMg8tGo:1r31eq:xxxx',
      ];
      for (const header of headers) {
        for (const status of [200, 500]) {
          const ctx = sessions.begin(header);
          const session = await ctx.session();
          session.get('anything');
          session.set('k', 'v');
          const result = await ctx.finish({ status });
          assert.equal(result.vary, true, header.slice(0, 40));
        }
        const untouched = sessions.begin(header);
        await untouched.finish({ status: 200 });
      }
    });
  });
}

describe('SessionMiddleware with a memory store', () => {
  // SessionMiddlewareTests.test_session_update_error_redirect
  test('a session deleted before the response is saved raises SessionInterrupted', async () => {
    const { store, inner } = countingStore();
    const { sessions } = start(store);
    const first = await request(sessions, undefined, sayHello);
    const key = cookieValue(first.result);
    const ctx = sessions.begin(`sessionid=${key}`);
    const session = await ctx.session();
    await inner.delete(key); // another request logs out meanwhile
    session.set('hello', 'again');
    await assert.rejects(ctx.finish({ status: 200 }), (error: unknown) => {
      assert.ok(error instanceof SessionInterrupted);
      assert.equal(error.message, INTERRUPTED);
      assert.equal(error.status, 400);
      assert.ok(error.cause instanceof UpdateError);
      return true;
    });
    assert.equal(await inner.load(key), null, 'the deleted session is not brought back');
  });

  test('a request that never asks for its session costs no store I/O', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store);
    const first = await request(sessions, undefined, sayHello);
    calls.length = 0;
    const ctx = sessions.begin(`${cookiePair(first.result)}; other=1`);
    assert.equal(ctx.cookies.other, '1');
    ctx.setCookie('theme', 'dark');
    assert.deepEqual(await ctx.finish({ status: 200 }), {
      setCookie: ['theme=dark; Path=/'],
      vary: false,
    });
    assert.deepEqual(calls, []);
  });

  test('a short cookie is deleted without asking the store', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store);
    assert.deepEqual((await request(sessions, 'sessionid=abc')).result, {
      setCookie: [DELETED],
      vary: true,
    });
    assert.deepEqual((await request(sessions, 'sessionid=abc', () => {})).result, {
      setCookie: [DELETED],
      vary: true,
    });
    assert.deepEqual(calls, []);
  });

  test('a malformed key is never looked up: it is logged and deleted', async () => {
    const { store, calls } = countingStore();
    const { sessions, logger } = start(store);
    for (const key of ['ABCDEFGHIJKLMNOP', 'abcdefgh/../../x', 'a'.repeat(41)]) {
      const { result, session } = await request(sessions, `sessionid=${key}`, (s) => {
        assert.equal(s.get('a'), undefined);
      });
      assert.equal(session?.sessionKey, null);
      assert.deepEqual(result, { setCookie: [DELETED], vary: true });
    }
    assert.deepEqual(calls, []);
    assert.equal(logger.warnings.length, 3);
    assert.match(logger.warnings[0] ?? '', /malformed/);
  });

  test('an unknown key that was read is deleted; one that was written gets a new key', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store);
    const read = await request(sessions, 'sessionid=unknownkey12345678', (s) => {
      s.get('a');
    });
    assert.deepEqual(read.result, { setCookie: [DELETED], vary: true });
    const written = await request(sessions, 'sessionid=unknownkey12345678', (s) => s.set('a', 1));
    const key = cookieValue(written.result);
    assert.match(key, GENERATED_KEY);
    assert.deepEqual(calls, [
      'load unknownkey12345678',
      'load unknownkey12345678',
      `create ${key}`,
    ]);
  });

  test('concurrent session() calls share one load and one Session', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store);
    const first = await request(sessions, undefined, sayHello);
    calls.length = 0;
    const ctx = sessions.begin(cookiePair(first.result));
    const all = await Promise.all(Array.from({ length: 10 }, () => ctx.session()));
    const again = await ctx.session();
    for (const session of all) assert.equal(session, again);
    assert.equal(calls.filter((c) => c.startsWith('load')).length, 1);
    assert.equal(again.get('hello'), 'world');
    await ctx.finish({ status: 200 });
    assert.equal(calls.length, 1, 'a read-only request writes nothing');
  });

  test('a loaded session is marked accessed and unmodified', async () => {
    const { sessions } = start(countingStore().store);
    const ctx = sessions.begin(undefined);
    const session = await ctx.session();
    assert.deepEqual([session.accessed, session.modified], [true, false]);
  });

  test('flush() deletes the stored record and the cookie', async () => {
    const { store, inner, calls } = countingStore();
    const { sessions } = start(store);
    const key = cookieValue((await request(sessions, undefined, sayHello)).result);
    calls.length = 0;
    const { result } = await request(sessions, `sessionid=${key}`, (s) => s.flush());
    assert.deepEqual(result, { setCookie: [DELETED], vary: true });
    assert.deepEqual(calls, [`load ${key}`, `delete ${key}`]);
    assert.equal(await inner.exists(key), false);
  });

  // Django deletes the record inside flush(), before the response status is known.
  test('flush() deletes the record even when the response is a 500', async () => {
    const { store, inner } = countingStore();
    const { sessions } = start(store);
    const key = cookieValue((await request(sessions, undefined, sayHello)).result);
    const { result } = await request(sessions, `sessionid=${key}`, (s) => s.flush(), 500);
    assert.deepEqual(result, { setCookie: [DELETED], vary: true });
    assert.equal(await inner.exists(key), false);
  });

  test('flush() then new data gives a new key and deletes the old record', async () => {
    const { store, inner } = countingStore();
    const { sessions } = start(store);
    const old = cookieValue((await request(sessions, undefined, sayHello)).result);
    const { result } = await request(sessions, `sessionid=${old}`, (s) => {
      s.flush();
      s.set('fresh', true);
    });
    const key = cookieValue(result);
    assert.notEqual(key, old);
    assert.equal(await inner.exists(old), false);
    assert.deepEqual((await inner.load(key))?.data, { fresh: true });
  });

  // SessionTestsMixin.test_cycle, through the middleware
  test('cycleKey() moves the data to a new record and deletes the old one', async () => {
    const { store, inner, calls } = countingStore();
    const { sessions } = start(store);
    const old = cookieValue(
      (await request(sessions, undefined, (s) => s.update({ a: 'c' }))).result,
    );
    calls.length = 0;
    const { result, session } = await request(sessions, `sessionid=${old}`, (s) => s.cycleKey());
    const key = cookieValue(result);
    assert.match(key, GENERATED_KEY);
    assert.notEqual(key, old);
    assert.equal(session?.sessionKey, key);
    assert.deepEqual(calls, [`load ${old}`, `delete ${old}`, `create ${key}`]);
    assert.equal(await inner.exists(old), false);
    assert.deepEqual((await inner.load(key))?.data, { a: 'c' });
  });

  test('a store that fails to load rejects session(), and finish() still answers', async () => {
    const failing: SessionStore = {
      ...countingStore().store,
      load: async () => {
        throw new StoreUnavailable('down');
      },
    };
    const { sessions } = start(failing);
    const ctx = sessions.begin('sessionid=abcdefghijklmnop');
    await assert.rejects(ctx.session(), StoreUnavailable);
    await assert.rejects(ctx.session(), StoreUnavailable);
    assert.deepEqual(await ctx.finish({ status: 500 }), { setCookie: [], vary: false });
  });

  test('clearExpired() and close() reach the store', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store);
    assert.equal(await sessions.clearExpired(), 0);
    await sessions.close();
    assert.deepEqual(calls, ['clearExpired', 'close']);
  });
});

describe('SessionMiddleware saveEveryRequest', () => {
  test('re-saves an untouched session and re-sends its cookie with a fresh expiry', async () => {
    const { store, calls, written } = countingStore();
    const { sessions } = start(store, { saveEveryRequest: true });
    const key = await atTimeAsync(NOW, async () =>
      cookieValue((await request(sessions, undefined, sayHello)).result),
    );
    calls.length = 0;
    written.length = 0;
    const { result } = await atTimeAsync(NOW + 60, () => request(sessions, `sessionid=${key}`));
    assert.deepEqual(result, {
      setCookie: [
        `sessionid=${key}; expires=Tue, 28 Nov 2023 22:14:20 GMT; HttpOnly; Max-Age=${TWO_WEEKS}; Path=/; SameSite=Lax`,
      ],
      vary: true,
    });
    assert.deepEqual(calls, [`load ${key}`, `save ${key}`]);
    assert.equal(written[0]?.record.expiresAt.getTime(), (NOW + 60 + TWO_WEEKS) * 1000);
  });

  test('does nothing for a request without a session cookie', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store, { saveEveryRequest: true });
    assert.deepEqual((await request(sessions, undefined)).result, { setCookie: [], vary: false });
    assert.deepEqual(calls, []);
  });

  // Django only varies on Cookie when the view read the session; a 5xx saves nothing, so
  // there is no reason to load it either.
  test('on a 5xx, neither loads nor varies for an untouched session', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store, { saveEveryRequest: true });
    const key = cookieValue((await request(sessions, undefined, sayHello)).result);
    calls.length = 0;
    const { result } = await request(sessions, `sessionid=${key}`, undefined, 500);
    assert.deepEqual(result, { setCookie: [], vary: false });
    assert.deepEqual(calls, []);
  });

  // Django 5.2 (read in its source, not recorded) would load, find nothing, then save an empty
  // session under a new key; coatcheck deletes the cookie instead of storing an empty record.
  test('an unknown key under saveEveryRequest gets its cookie deleted', async () => {
    const { store, calls } = countingStore();
    const { sessions } = start(store, { saveEveryRequest: true });
    const { result } = await request(sessions, 'sessionid=unknownkey12345678');
    assert.deepEqual(result, { setCookie: [DELETED], vary: true });
    assert.deepEqual(calls, ['load unknownkey12345678']);
  });
});

describe('SessionMiddleware expiry', () => {
  const sessionLine = (key: string, rest: string) => `sessionid=${key}; ${rest}`;

  test('a default session cookie lives two weeks', async () => {
    const { store, written } = countingStore();
    const { sessions } = start(store);
    const { result } = await atTimeAsync(NOW, () => request(sessions, undefined, sayHello));
    const key = cookieValue(result);
    assert.deepEqual(result.setCookie, [
      sessionLine(
        key,
        'expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax',
      ),
    ]);
    assert.equal(written[0]?.record.expiresAt.getTime(), (NOW + TWO_WEEKS) * 1000);
  });

  test('expireAtBrowserClose gives a cookie without Max-Age or expires', async () => {
    const { store, written } = countingStore();
    const { sessions } = start(store, { expireAtBrowserClose: true });
    const { result } = await atTimeAsync(NOW, () => request(sessions, undefined, sayHello));
    assert.deepEqual(result.setCookie, [
      sessionLine(cookieValue(result), 'HttpOnly; Path=/; SameSite=Lax'),
    ]);
    // The record still gets a server-side lifetime: Django's get_expiry_date.
    assert.equal(written[0]?.record.expiresAt.getTime(), (NOW + TWO_WEEKS) * 1000);
  });

  test('a custom expiry in seconds overrides expireAtBrowserClose', async () => {
    const { sessions } = start(memoryStore(), { expireAtBrowserClose: true });
    const { result } = await atTimeAsync(NOW, () =>
      request(sessions, undefined, (s) => {
        s.set('a', 1);
        s.setExpiry(300);
      }),
    );
    assert.deepEqual(result.setCookie, [
      sessionLine(
        cookieValue(result),
        'expires=Tue, 14 Nov 2023 22:18:20 GMT; HttpOnly; Max-Age=300; Path=/; SameSite=Lax',
      ),
    ]);
  });

  test('setExpiry(0) gives a browser-session cookie and a record living the cookie age', async () => {
    const { store, written } = countingStore();
    const { sessions } = start(store);
    const { result } = await atTimeAsync(NOW, () =>
      request(sessions, undefined, (s) => s.setExpiry(0)),
    );
    assert.deepEqual(result.setCookie, [
      sessionLine(cookieValue(result), 'HttpOnly; Path=/; SameSite=Lax'),
    ]);
    assert.equal(written[0]?.record.expiresAt.getTime(), (NOW + TWO_WEEKS) * 1000);
  });

  test('a custom Date expiry sets Max-Age to the seconds left', async () => {
    const { store, written } = countingStore();
    const { sessions } = start(store);
    const { result } = await atTimeAsync(NOW, () =>
      request(sessions, undefined, (s) => s.setExpiry(new Date((NOW + 3600) * 1000))),
    );
    assert.deepEqual(result.setCookie, [
      sessionLine(
        cookieValue(result),
        'expires=Tue, 14 Nov 2023 23:13:20 GMT; HttpOnly; Max-Age=3600; Path=/; SameSite=Lax',
      ),
    ]);
    assert.equal(written[0]?.record.expiresAt.getTime(), (NOW + 3600) * 1000);
  });

  // SessionTestsMixin.test_actual_expiry, through the middleware
  test('a negative expiry sends an already expired cookie and the record is gone', async () => {
    const { sessions } = start(memoryStore());
    const { result } = await atTimeAsync(NOW, () =>
      request(sessions, undefined, (s) => {
        s.set('foo', 'bar');
        s.setExpiry(-10);
      }),
    );
    const key = cookieValue(result);
    assert.deepEqual(result.setCookie, [
      sessionLine(
        key,
        'expires=Tue, 14 Nov 2023 22:13:10 GMT; HttpOnly; Max-Age=-10; Path=/; SameSite=Lax',
      ),
    ]);
    const next = await atTimeAsync(NOW, () => request(sessions, `sessionid=${key}`, () => {}));
    assert.equal(next.session?.has('foo'), false);
    assert.deepEqual(next.result.setCookie, [DELETED]);
  });
});

describe('SessionMiddleware cookie settings', () => {
  test('writes a custom name, domain, path, Secure, no HttpOnly and SameSite=Strict', async () => {
    const { sessions } = start(memoryStore(), {
      cookieName: 'sid',
      cookieDomain: '.example.com',
      cookiePath: '/app',
      cookieSecure: true,
      cookieHttpOnly: false,
      cookieSameSite: 'Strict',
      cookieAge: 60,
    });
    const { result } = await atTimeAsync(NOW, () => request(sessions, undefined, sayHello));
    assert.deepEqual(result.setCookie, [
      `sid=${cookieValue(result, 'sid')}; Domain=.example.com; ` +
        'expires=Tue, 14 Nov 2023 22:14:20 GMT; Max-Age=60; Path=/app; SameSite=Strict; Secure',
    ]);
  });

  test('reads the session from the custom cookie name only', async () => {
    const { sessions } = start(memoryStore(), { cookieName: 'sid' });
    const first = await request(sessions, undefined, sayHello);
    const key = cookieValue(first.result, 'sid');
    const other = await request(sessions, `sessionid=${key}`, () => {});
    assert.equal(other.session?.get('hello'), undefined);
    const same = await request(sessions, `sid=${key}`, () => {});
    assert.equal(same.session?.get('hello'), 'world');
  });

  test('cookieSameSite: false leaves SameSite out', async () => {
    const { sessions } = start(memoryStore(), { cookieSameSite: false });
    const { result } = await atTimeAsync(NOW, () => request(sessions, undefined, sayHello));
    assert.deepEqual(result.setCookie, [
      `sessionid=${cookieValue(result)}; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/`,
    ]);
  });

  test('cookieSameSite None (with Secure) is written, and so is Partitioned', async () => {
    const { sessions } = start(memoryStore(), {
      cookieSameSite: 'None',
      cookieSecure: true,
      cookiePartitioned: true,
    });
    const { result } = await atTimeAsync(NOW, () => request(sessions, undefined, sayHello));
    assert.match(result.setCookie[0] ?? '', /; SameSite=None; Secure; Partitioned$/);
  });

  test('deleting the cookie uses the domain, path and SameSite, not Secure or HttpOnly', async () => {
    const { sessions } = start(memoryStore(), {
      cookieDomain: 'example.com',
      cookiePath: '/app',
      cookieSameSite: 'Strict',
      cookieSecure: true,
    });
    const { result } = await request(sessions, 'sessionid=abc');
    assert.deepEqual(result.setCookie, [
      'sessionid=""; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; ' +
        'Path=/app; SameSite=Strict',
    ]);
  });
});

describe('SessionMiddleware with signed cookies', () => {
  test('a tampered cookie becomes an empty session and is replaced', async () => {
    const { sessions, logger } = start(signedCookies());
    const valid = vectors.middleware.existing_cookie_value as string;
    const tampered = `${valid.slice(0, -2)}$$`;
    const { result, session } = await atTimeAsync(NOW, () =>
      request(sessions, `sessionid=${tampered}`, (s) => {
        assert.equal(s.get('hello'), undefined);
      }),
    );
    assert.deepEqual(session?.toJSON(), {});
    assert.equal(session?.modified, true);
    assert.deepEqual(result, {
      setCookie: [
        'sessionid=e30:1r31eq:02DezYJfOia7NbPnxL-l8s34UcMkCz8b09YRkGRnixY; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax',
      ],
      vary: true,
    });
    assert.equal(logger.warnings.length, 1);
  });

  test('a cookie older than the cookie age is refused like a tampered one', async () => {
    const { sessions, logger } = start(signedCookies());
    const valid = vectors.middleware.existing_cookie_value as string;
    const fresh = await atTimeAsync(NOW + TWO_WEEKS, () =>
      request(sessions, `sessionid=${valid}`, () => {}),
    );
    assert.equal(fresh.session?.get('hello'), 'world');
    const stale = await atTimeAsync(NOW + TWO_WEEKS + 1, () =>
      request(sessions, `sessionid=${valid}`, () => {}),
    );
    assert.equal(stale.session?.get('hello'), undefined);
    assert.equal(logger.warnings.length, 1);
  });

  test('a cookie signed under a fallback key is read', async () => {
    const mismatch = vectors.secret_key_mismatch;
    const { sessions } = start(signedCookies(), {
      secretKeyFallbacks: [mismatch.other_secret_key],
    });
    const { session } = await atTimeAsync(NOW, () =>
      request(sessions, `sessionid=${mismatch.cookie_session_under_other_key}`, () => {}),
    );
    assert.deepEqual(session?.toJSON(), mismatch.with_fallback_cookie_session.ok);
    const { sessions: strict } = start(signedCookies());
    const refused = await atTimeAsync(NOW, () =>
      request(strict, `sessionid=${mismatch.cookie_session_under_other_key}`, () => {}),
    );
    assert.deepEqual(refused.session?.toJSON(), mismatch.cookie_session_load_with_interop_key.ok);
  });

  test('data too large for a cookie is refused at set(), leaving the session as it was', async () => {
    const { sessions } = start(signedCookies());
    const random = Array.from({ length: 6000 }, (_, i) => ((i * 7919) % 65536).toString(36)).join(
      '',
    );
    const { result, session } = await request(sessions, undefined, (s) => {
      s.set('small', 1);
      assert.throws(() => s.set('big', random), { name: 'CookieTooLarge' });
    });
    assert.deepEqual(session?.toJSON(), { small: 1 });
    assert.equal(result.setCookie.length, 1);
  });
});

describe('RequestContext cookie API', () => {
  test('cookies holds the parsed request cookies, last duplicate winning', () => {
    const { sessions } = start(memoryStore());
    const ctx = sessions.begin('a=1; b="x y"; a=2');
    assert.deepEqual({ ...ctx.cookies }, { a: '2', b: 'x y' });
    assert.deepEqual({ ...sessions.begin(undefined).cookies }, {});
    assert.deepEqual({ ...sessions.begin(null).cookies }, {});
  });

  test('setCookie and deleteCookie write Django’s lines, in the order they were set', async () => {
    const { sessions } = start(memoryStore());
    const result = await atTimeAsync(NOW, () => {
      const ctx = sessions.begin(undefined);
      ctx.setCookie('first', 'one', { maxAge: 3600, httpOnly: true, sameSite: 'Lax' });
      ctx.deleteCookie('gone', { path: '/x', domain: 'example.com' });
      ctx.setCookie('third', 'a b');
      return ctx.finish({ status: 200 });
    });
    assert.deepEqual(result, {
      setCookie: [
        'first=one; expires=Tue, 14 Nov 2023 23:13:20 GMT; HttpOnly; Max-Age=3600; Path=/; SameSite=Lax',
        'gone=""; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/x',
        'third="a b"; Path=/',
      ],
      vary: false,
    });
  });

  // As Django's response.cookies, a dict: one line per name, in the place first set.
  test('a later cookie of the same name replaces the earlier one in its place', async () => {
    const { sessions } = start(memoryStore());
    const ctx = sessions.begin(undefined);
    ctx.setCookie('a', '1');
    ctx.setCookie('b', '2');
    ctx.setCookie('a', '3');
    ctx.deleteCookie('b');
    const result = await ctx.finish({ status: 200 });
    assert.deepEqual(result.setCookie, [
      'a=3; Path=/',
      'b=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
    ]);
  });

  test('the session cookie comes after the cookies the view set', async () => {
    const { sessions } = start(memoryStore());
    const ctx = sessions.begin(undefined);
    (await ctx.session()).set('a', 1);
    ctx.setCookie('theme', 'dark');
    const result = await ctx.finish({ status: 200 });
    assert.equal(result.setCookie.length, 2);
    assert.equal(result.setCookie[0], 'theme=dark; Path=/');
    assert.match(result.setCookie[1] ?? '', /^sessionid=[a-z0-9]{32}; /);
  });

  test('cookies set on a 500 response are still returned', async () => {
    const { sessions } = start(memoryStore());
    const ctx = sessions.begin(undefined);
    (await ctx.session()).set('a', 1);
    ctx.setCookie('theme', 'dark');
    assert.deepEqual(await ctx.finish({ status: 500 }), {
      setCookie: ['theme=dark; Path=/'],
      vary: true,
    });
  });

  test('setCookie refuses what browsers would drop, at the call', () => {
    const { sessions } = start(memoryStore());
    const ctx = sessions.begin(undefined);
    assert.throws(() => ctx.setCookie('bad name', 'x'), { name: 'InvalidCookie' });
    assert.throws(() => ctx.setCookie('c', 'x', { sameSite: 'None' }), { name: 'InvalidCookie' });
  });

  test('setSignedCookie writes every recorded Django signed cookie byte for byte', async () => {
    const { sessions } = start(memoryStore());
    let compared = 0;
    for (const c of vectors.signed_cookies.cases) {
      const maxAge = c.kwargs.max_age;
      const set = (ctx: ReturnType<typeof sessions.begin>) =>
        ctx.setSignedCookie(c.cookie_name, c.value, {
          salt: c.salt,
          maxAge:
            typeof maxAge === 'object' && maxAge !== null ? maxAge.$timedelta_seconds : maxAge,
        });
      // Django writes characters above U+00FF raw, but no HTTP header can carry them: coatcheck
      // refuses such a cookie where it is set.
      if (/[\u0100-\uffff]/.test(c.cookie.output_string)) {
        await atTimeAsync(c.now, async () =>
          assert.throws(() => set(sessions.begin(undefined)), { name: 'InvalidCookie' }),
        );
        continue;
      }
      const result = await atTimeAsync(c.now, () => {
        const ctx = sessions.begin(undefined);
        set(ctx);
        return ctx.finish({ status: 200 });
      });
      assert.deepEqual(result.setCookie, [c.cookie.output_string], c.cookie_name);
      compared++;
    }
    assert.ok(compared >= 8, `only ${compared} compared`);
  });

  test('setSignedCookie writes the legacy scheme when the settings ask for it', async () => {
    const { sessions } = start(memoryStore(), { signedCookieScheme: 'legacy' });
    const c = vectors.signed_cookies.cases[1];
    const result = await atTimeAsync(c.now, () => {
      const ctx = sessions.begin(undefined);
      ctx.setSignedCookie(c.cookie_name, c.value, { salt: c.salt });
      return ctx.finish({ status: 200 });
    });
    assert.deepEqual(result.setCookie, [`${c.cookie_name}=${c.computed_legacy_scheme}; Path=/`]);
  });

  test('getSignedCookie answers every recorded check as Django’s get_signed_cookie(default=None)', async () => {
    // The vectors were recorded with SIGNED_COOKIE_LEGACY_SALT_FALLBACK = True.
    assert.equal(vectors.signed_cookies.SIGNED_COOKIE_LEGACY_SALT_FALLBACK, true);
    const { sessions, logger } = start(memoryStore(), { signedCookieLegacyFallback: true });
    let checked = 0;
    for (const c of vectors.signed_cookies.cases) {
      for (const check of c.checks) {
        const ctx = sessions.begin(`${check.cookie_name}=${check.cookie_value}`);
        const before = logger.warnings.length;
        const value = await atTimeAsync(check.now, async () =>
          ctx.getSignedCookie(check.cookie_name, {
            salt: check.salt,
            maxAge: check.max_age ?? undefined,
          }),
        );
        const expected = check.with_default_None.ok;
        const label = `${c.cookie_name} ${check.label}`;
        assert.equal(value, expected === null ? undefined : expected, label);
        assert.equal(logger.warnings.length - before, expected === null ? 1 : 0, label);
        checked++;
      }
    }
    assert.equal(checked, 80);
  });

  test('getSignedCookie returns undefined for a missing cookie without a warning', () => {
    const { sessions, logger } = start(memoryStore());
    assert.equal(sessions.begin('other=1').getSignedCookie('nope'), undefined);
    assert.deepEqual(logger.warnings, []);
  });

  test('getSignedCookie returns undefined for garbage, with a warning naming the cookie', () => {
    const { sessions, logger } = start(memoryStore());
    for (const garbage of ['x', 'a:b', 'a:b:c', ':::', '', 'hello:1r31eq:']) {
      const ctx = sessions.begin(`c=${garbage}`);
      assert.equal(ctx.getSignedCookie('c'), undefined, garbage);
    }
    assert.equal(logger.warnings.length, 6);
    assert.match(logger.warnings[0] ?? '', /"c"/);
  });

  test('a cookie set with setSignedCookie reads back with getSignedCookie', async () => {
    const { sessions } = start(memoryStore());
    const ctx = sessions.begin(undefined);
    ctx.setSignedCookie('fav', 'été', { salt: 'colour' });
    const { setCookie } = await ctx.finish({ status: 200 });
    const next = sessions.begin((setCookie[0] ?? '').split('; Path')[0]);
    assert.equal(next.getSignedCookie('fav', { salt: 'colour' }), 'été');
    assert.equal(next.getSignedCookie('fav', { salt: 'other' }), undefined);
  });

  test('getSignedCookie accepts a cookie signed under a fallback key', () => {
    const mismatch = vectors.secret_key_mismatch;
    const { sessions } = start(memoryStore(), {
      secretKeyFallbacks: [mismatch.other_secret_key],
    });
    const ctx = sessions.begin(`c=${mismatch.signed_cookie_under_other_key}`);
    assert.equal(ctx.getSignedCookie('c'), mismatch.with_fallback_get_signed_cookie.ok);
  });
});

// ---------------------------------------------------------------------------------------------
// Django's recorded middleware runs. Each vector records the request (cookies, settings,
// status) and the response; the view each ran is named by the scenario, so it is restated here.

type View = (session: Session) => void;

const settingNames: Record<string, keyof Settings> = {
  SESSION_COOKIE_NAME: 'cookieName',
  SESSION_COOKIE_DOMAIN: 'cookieDomain',
  SESSION_COOKIE_PATH: 'cookiePath',
  SESSION_COOKIE_SECURE: 'cookieSecure',
  SESSION_COOKIE_HTTPONLY: 'cookieHttpOnly',
  SESSION_COOKIE_SAMESITE: 'cookieSameSite',
  SESSION_COOKIE_AGE: 'cookieAge',
  SESSION_SAVE_EVERY_REQUEST: 'saveEveryRequest',
  SESSION_EXPIRE_AT_BROWSER_CLOSE: 'expireAtBrowserClose',
};

function translateSettings(over: Record<string, unknown> = {}): Partial<Settings> {
  const settings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(over)) {
    const ours = settingNames[name];
    assert.ok(ours, `no coatcheck setting for ${name}`);
    settings[ours] = value;
  }
  return settings as Partial<Settings>;
}

function cookieHeader(cookies: Record<string, string> = {}): string | undefined {
  const pairs = Object.entries(cookies).map(([name, value]) => `${name}=${value}`);
  return pairs.length === 0 ? undefined : pairs.join('; ');
}

interface Scenario {
  name: string;
  inputs: {
    cookies?: Record<string, string>;
    settings_over?: Record<string, unknown>;
    status?: number;
  };
  result: {
    status?: number;
    vary?: string | null;
    set_cookie?: string[];
    session_key?: string | null;
    accessed?: boolean;
    modified?: boolean;
    db_row?: { session_data: string; expire_date: string };
    old_row_still_exists?: boolean;
    error?: string;
    message?: string;
  };
}

describe('Django’s middleware vectors (signed_cookies engine)', () => {
  const scenarios = vectors.middleware.scenarios as Scenario[];
  const readHello: View = (s) => {
    s.get('hello');
  };
  const writeA: View = (s) => s.set('a', 1);
  const views: Record<string, View | null> = {
    untouched_no_cookie: null,
    untouched_with_cookie: null,
    read_only_with_cookie: (s) => assert.equal(s.get('hello'), 'world'),
    read_missing_no_cookie: readHello,
    write_no_cookie: sayHello,
    write_with_cookie: (s) => s.set('n', 1),
    write_on_500: sayHello,
    write_on_503: sayHello,
    write_on_404: sayHello,
    flush_with_cookie: (s) => s.flush(),
    flush_without_cookie: (s) => s.flush(),
    clear_with_cookie: (s) => s.clear(),
    expire_at_browser_close_setting: writeA,
    set_expiry_0: (s) => {
      s.set('a', 1);
      s.setExpiry(0);
    },
    set_expiry_300: (s) => {
      s.set('a', 1);
      s.setExpiry(300);
    },
    save_every_request_untouched_with_cookie: null,
    save_every_request_untouched_no_cookie: null,
    custom_cookie_settings: writeA,
    samesite_disabled_false: writeA,
    flush_custom_domain_path: (s) => s.flush(),
    bad_cookie_read: readHello,
    short_cookie_read: readHello,
    test_cookie_set: (s) => s.setTestCookie(),
    cycle_key_with_cookie: (s) => s.cycleKey(),
  };
  // Django sends SameSite=None without Secure, which browsers refuse; coatcheck refuses the
  // setting at startup instead (see the settings tests).
  const unreproducible = new Set(['samesite_none']);

  test('every recorded scenario is replayed or explained', () => {
    assert.equal(scenarios.length, 25);
    for (const s of scenarios) {
      assert.ok(s.name in views || unreproducible.has(s.name), `unhandled scenario ${s.name}`);
    }
  });

  for (const scenario of scenarios) {
    if (unreproducible.has(scenario.name)) {
      test(`${scenario.name}: refused at startup rather than sent`, () => {
        assert.throws(
          () =>
            createSessions({
              secretKey: SECRET_KEY,
              engine: signedCookies(),
              ...translateSettings(scenario.inputs.settings_over),
            }),
          ImproperlyConfigured,
        );
      });
      continue;
    }
    test(`${scenario.name}: sends Django’s Set-Cookie and Vary`, async () => {
      const { inputs, result: expected } = scenario;
      const { sessions } = start(signedCookies(), translateSettings(inputs.settings_over));
      const view = views[scenario.name] ?? undefined;
      const { result, session } = await atTimeAsync(NOW, () =>
        request(sessions, cookieHeader(inputs.cookies), view, inputs.status ?? 200),
      );
      assert.deepEqual(result.setCookie, expected.set_cookie);
      assert.equal(result.vary, expected.vary === 'Cookie');
      if (session !== undefined) {
        assert.equal(session.sessionKey, expected.session_key);
        assert.equal(session.accessed, expected.accessed);
        assert.equal(session.modified, expected.modified);
      }
    });
  }
});

describe('Django’s middleware vectors (db engine)', () => {
  const recorded = vectors.middleware_db;
  const scenarios = recorded.scenarios as Scenario[];
  // The row every pre-existing key holds: Django's own encoding of {"hello": "world"}.
  const helloRow = scenarios.find((s) => s.name === 'read_existing')?.result.db_row;
  assert.ok(helloRow);

  const views: Record<string, ((s: Session, table: DjangoTable) => void) | null> = {
    write_no_cookie: sayHello,
    read_existing: (s) => assert.equal(s.get('hello'), 'world'),
    write_existing: (s) => s.set('n', 2),
    unknown_key_read: (s) => {
      s.get('hello');
    },
    unknown_key_write: (s) => s.set('a', 1),
    cycle_key: (s) => s.cycleKey(),
    flush: (s) => s.flush(),
    deleted_concurrently: (s, table) => {
      assert.equal(s.get('hello'), 'world');
      table.rows.delete(s.sessionKey as string); // another request logs the user out
      s.set('hello', 'again');
    },
    save_every_request_untouched: null,
    write_on_500: (s) => s.set('n', 1),
  };

  test('every recorded scenario is replayed', () => {
    assert.equal(scenarios.length, 10);
    for (const s of scenarios) assert.ok(s.name in views, `unhandled scenario ${s.name}`);
  });

  for (const scenario of scenarios) {
    test(`${scenario.name}: matches Django’s response and django_session row`, async () => {
      const { inputs, result: expected } = scenario;
      const table = new DjangoTable();
      const oldKey = inputs.cookies?.sessionid;
      // Keys Django generated for the run ("m000…") exist before the request; "unknown…" does
      // not. Where only saveEveryRequest would write the row, it is seeded to expire in an hour
      // so that the re-save shows in its expire_date.
      if (oldKey?.startsWith('m0')) {
        const resaved = inputs.settings_over?.SESSION_SAVE_EVERY_REQUEST === true;
        table.rows.set(oldKey, {
          session_data: helloRow.session_data,
          expire_date: new Date(resaved ? (NOW + 3600) * 1000 : Date.parse(helloRow.expire_date)),
        });
      }
      const seeded = oldKey === undefined ? undefined : table.rows.get(oldKey);
      const { sessions } = start(table, translateSettings(inputs.settings_over));
      const view = views[scenario.name];
      const run = atTimeAsync(NOW, () =>
        request(
          sessions,
          cookieHeader(inputs.cookies),
          view ? (s) => view(s, table) : undefined,
          inputs.status ?? 200,
        ),
      );

      if (expected.error !== undefined) {
        await assert.rejects(run, { name: expected.error, message: expected.message });
        assert.equal(table.rows.has(oldKey as string), expected.old_row_still_exists);
        return;
      }
      const { result, session } = await run;

      // Keys are random: where Django made a new one, compare everything but the key.
      let key = expected.session_key ?? null;
      if (key !== null && key !== oldKey) {
        const ours = session?.sessionKey ?? null;
        assert.ok(ours !== null && GENERATED_KEY.test(ours), `new key ${ours}`);
        assert.notEqual(ours, oldKey);
        key = ours;
      }
      const expectedLines = (expected.set_cookie ?? []).map((line) =>
        expected.session_key ? line.replace(expected.session_key, key as string) : line,
      );
      assert.deepEqual(result.setCookie, expectedLines);
      assert.equal(result.vary, expected.vary === 'Cookie');
      if (session !== undefined) {
        assert.equal(session.sessionKey, key);
        assert.equal(session.accessed, expected.accessed);
        assert.equal(session.modified, expected.modified);
      }
      if (expected.db_row !== undefined) {
        const row = table.rows.get(key as string);
        assert.ok(row, `no row for ${key}`);
        assert.equal(row.session_data, expected.db_row.session_data);
        assert.equal(row.expire_date.getTime(), Date.parse(expected.db_row.expire_date));
      }
      if (expected.old_row_still_exists !== undefined) {
        assert.equal(table.rows.has(oldKey as string), expected.old_row_still_exists);
      }
      if (scenario.name === 'read_existing' || scenario.name === 'write_on_500') {
        assert.equal(table.rows.get(key as string), seeded, 'the row was not written');
      }
    });
  }
});

describe('Session data types through the lifecycle', () => {
  test('createSessions<Data> types the session the context hands out', async () => {
    const sessions = createSessions<{ visits: number }>({
      secretKey: SECRET_KEY,
      engine: memoryStore(),
      logger: recordingLogger(),
    });
    const ctx = sessions.begin(undefined);
    const session = await ctx.session();
    session.set('visits', (session.get('visits') ?? 0) + 1);
    assert.equal(session.get('visits'), 1);
    const data: SessionData = session.toJSON();
    assert.deepEqual(data, { visits: 1 });
  });

  test('serializeCookie and the lifecycle agree on the session cookie line', async () => {
    const { sessions } = start(memoryStore());
    const { result } = await atTimeAsync(NOW, () => request(sessions, undefined, sayHello));
    const line = await atTimeAsync(NOW, async () =>
      serializeCookie('sessionid', cookieValue(result), {
        maxAge: TWO_WEEKS,
        httpOnly: true,
        sameSite: 'Lax',
      }),
    );
    assert.deepEqual(result.setCookie, [line]);
  });
});

describe('RequestContext.setCookie', () => {
  test('refuses a value with characters no HTTP header can carry, naming the cookie', () => {
    const sessions = createSessions({
      secretKey: `${'x'.repeat(50)}abcdefgh`,
      engine: memoryStore(),
      logger: { warn() {}, error() {} },
    });
    const ctx = sessions.begin(undefined);
    assert.throws(() => ctx.setCookie('greeting', '清風'), {
      name: 'InvalidCookie',
      message: /"greeting".*U\+00FF/,
    });
    ctx.setCookie('latin', 'été');
  });

  test('deletes a partitioned session cookie with Partitioned, or the browser keeps it', async () => {
    const sessions = createSessions({
      secretKey: `${'x'.repeat(50)}abcdefgh`,
      engine: memoryStore(),
      cookieSecure: true,
      cookiePartitioned: true,
      logger: { warn() {}, error() {} },
    });
    const ctx = sessions.begin('sessionid=short');
    const { setCookie } = await ctx.finish({ status: 200 });
    assert.match(setCookie[0] ?? '', /^sessionid=""; .*Max-Age=0.*; Secure; Partitioned$/);
  });
});

describe('RequestContext.cookies', () => {
  const sessions = createSessions({
    secretKey: `${'x'.repeat(50)}abcdefgh`,
    engine: memoryStore(),
    logger: { warn() {}, error() {} },
  });

  test('decodes the header bytes as UTF-8, as Django does with a WSGI environ', () => {
    const bytes = Buffer.from('name=été; city="Zürich"', 'utf8').toString('latin1');
    assert.deepEqual({ ...sessions.begin(bytes).cookies }, { name: 'été', city: 'Zürich' });
  });

  test('turns invalid UTF-8 into U+FFFD, as Django does', () => {
    assert.deepEqual({ ...sessions.begin('a=\xff\xfe').cookies }, { a: '\ufffd\ufffd' });
  });

  test('leaves a header that is already text as it is', () => {
    assert.deepEqual({ ...sessions.begin('name=清風').cookies }, { name: '清風' });
    assert.deepEqual({ ...sessions.begin('plain=ascii').cookies }, { plain: 'ascii' });
  });
});
