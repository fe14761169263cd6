/**
 * The `Session` object itself: Django's `SessionTestsMixin` rows about the dict API, the
 * `accessed`/`modified` flags (django-spec.md §3.4), flush and cycle_key, the test cookie and
 * key validation. Store round trips are the store contract's business (test/stores/).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionData } from '../../src/session/data.ts';
import { SESSION_KEY_LENGTH } from '../../src/session/keys.ts';
import {
  createSessionState,
  Session,
  type SessionContext,
  type SessionState,
  TEST_COOKIE_NAME,
  TEST_COOKIE_VALUE,
} from '../../src/session/session.ts';

const policy = { cookieAge: 1209600, expireAtBrowserClose: false };
const GENERATED_KEY = new RegExp(`^[a-z0-9]{${SESSION_KEY_LENGTH}}$`);

function makeSession(
  key: string | null = null,
  data: SessionData = {},
  context: Partial<SessionContext> = {},
): { state: SessionState; session: Session } {
  const state = createSessionState(key, data);
  return { state, session: new Session(state, { policy, ...context }) };
}

function flags(session: Session): [boolean, boolean] {
  return [session.accessed, session.modified];
}

/** A session holding `data` whose flags were reset, as Django's tests do before each check. */
function settled(data: SessionData, key: string | null = null) {
  const made = makeSession(key, data);
  made.session.accessed = false;
  made.session.modified = false;
  return made;
}

describe('Session flags', () => {
  // SessionTestsMixin.test_new_session
  test('a new session is neither accessed nor modified', () => {
    const { session } = makeSession();
    assert.deepEqual(flags(session), [false, false]);
  });

  test('sessionKey and isEmpty() do not mark the session accessed', () => {
    const { session } = makeSession('abcdefgh12345678', { a: 1 });
    assert.equal(session.sessionKey, 'abcdefgh12345678');
    assert.equal(session.isEmpty(), false);
    assert.deepEqual(flags(session), [false, false]);
  });

  test('modified = true forces a save; the flags are plain read-write properties', () => {
    const { session, state } = makeSession();
    session.modified = true;
    session.accessed = true;
    assert.deepEqual([state.accessed, state.modified], [true, true]);
    session.modified = false;
    assert.equal(state.modified, false);
  });

  test('changing a stored object in place is not a modification, as in Django', () => {
    const { session } = settled({ cart: ['a'] });
    (session.get('cart') as string[]).push('b');
    assert.deepEqual(flags(session), [true, false]);
    assert.deepEqual(session.get('cart'), ['a', 'b']);
  });
});

describe('Session.get', () => {
  // SessionTestsMixin.test_get_empty
  test('returns undefined for a missing key and marks the session accessed only', () => {
    const { session } = makeSession();
    assert.equal(session.get('cat'), undefined);
    assert.deepEqual(flags(session), [true, false]);
  });

  test('returns the fallback for a missing key, and the stored value over the fallback', () => {
    const { session } = makeSession(null, { present: 0, nothing: null });
    assert.equal(session.get('missing', 'dflt'), 'dflt');
    assert.equal(session.get('present', 5), 0);
    // A stored null is a value, not a missing key.
    assert.equal(session.get('nothing', 'dflt'), null);
    assert.deepEqual(flags(session), [true, false]);
  });
});

describe('Session.set', () => {
  // SessionTestsMixin.test_store
  test('stores the value and marks the session accessed and modified', () => {
    const { session, state } = makeSession();
    session.set('cat', 'dog');
    assert.deepEqual(flags(session), [true, true]);
    assert.equal(state.data.get('cat'), 'dog');
    assert.equal(session.pop('cat'), 'dog');
  });

  test('replacing a value keeps its position, as a Python dict does', () => {
    const { session } = makeSession(null, { a: 1, b: 2 });
    session.set('a', 3);
    assert.deepEqual(session.keys(), ['a', 'b']);
    assert.deepEqual(session.values(), [3, 2]);
  });

  test('accepts every JSON value, NaN, Infinity and BigInt included (Python writes them)', () => {
    const { session } = makeSession();
    const values = [
      '',
      0,
      -1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      true,
      null,
      [],
      {},
      2n ** 63n,
    ];
    for (const value of values) {
      session.set('v', value);
      assert.equal(session.get('v'), value);
    }
    session.set('nested', { a: [{ b: 10n ** 30n, c: undefined }], d: Object.create(null) });
  });
});

describe('Session values JSON cannot carry', () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const sparse = [1, 2, 3];
  delete sparse[1];
  const refused: [string, unknown][] = [
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['a circular object', circular],
    // JSON.stringify would turn these into something else, and `get` would not give them back.
    ['a Date (JSON would store an ISO string)', new Date(0)],
    ['a Date deep inside', { visits: [{ at: new Date(0) }] }],
    ['a RegExp', /x/],
    [
      'a class instance',
      new (class Point {
        x = 1;
      })(),
    ],
    ['an object with toJSON', { toJSON: () => 'x' }],
    ['a boxed string', new String('x')],
    ['a Buffer', Buffer.from('x')],
    ['undefined in an array (JSON would store null)', [1, undefined]],
    ['a sparse array', sparse],
  ];

  for (const [what, value] of refused) {
    test(`set() refuses ${what} with a TypeError naming the key, changing nothing`, () => {
      const { session, state } = makeSession(null, { cart: 'kept' });
      session.accessed = false;
      assert.throws(
        () => session.set('cart', value),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /session\["cart"\]/);
          return true;
        },
      );
      assert.equal(state.data.get('cart'), 'kept');
      assert.equal(session.modified, false);
    });
  }

  test('the message says where in the value the problem sits', () => {
    const { session } = makeSession();
    assert.throws(() => session.set('basket', { items: [{ at: new Date(0) }] }), {
      name: 'TypeError',
      message: /session\["basket"\].*\["items"\]\[0\]\["at"\].*a Date.*toISOString/,
    });
  });

  test('update() with one bad value writes none of the others', () => {
    const { session, state } = makeSession(null, { a: 'old' });
    assert.throws(() => session.update({ a: 'new', b: 2, bad: () => 0, c: 3 }), {
      name: 'TypeError',
      message: /session\["bad"\]/,
    });
    assert.deepEqual(Object.fromEntries(state.data), { a: 'old' });
    assert.equal(session.modified, false);
  });

  test('setDefault() refuses a bad default and stores nothing', () => {
    const { session, state } = makeSession();
    assert.throws(() => session.setDefault('k', new Date()), {
      name: 'TypeError',
      message: /"k"/,
    });
    assert.equal(state.data.has('k'), false);
    assert.equal(session.modified, false);
  });
});

describe('Session.has', () => {
  // SessionTestsMixin.test_has_key
  test('answers from the data and marks the session accessed, not modified', () => {
    const { session } = settled({ 'some key': 1 });
    assert.equal(session.has('some key'), true);
    assert.deepEqual(flags(session), [true, false]);
    assert.equal(session.has('other key'), false);
    assert.equal(session.modified, false);
  });
});

describe('Session.delete', () => {
  test('removes a present key, returns true and marks the session modified', () => {
    const { session, state } = settled({ a: 1, b: 2 });
    assert.equal(session.delete('a'), true);
    assert.deepEqual(flags(session), [true, true]);
    assert.deepEqual([...state.data.keys()], ['b']);
  });

  // Django's `del s[k]` raises KeyError and changes nothing; coatcheck returns false (Map.delete).
  test('returns false for a missing key and leaves the session unmodified', () => {
    const { session } = settled({ a: 1 });
    assert.equal(session.delete('missing'), false);
    assert.deepEqual(flags(session), [true, false]);
  });
});

describe('Session.pop', () => {
  // SessionTestsMixin.test_pop
  test('returns and removes a present key, marking the session modified', () => {
    const { session } = settled({ 'some key': 'exists' });
    assert.equal(session.pop('some key'), 'exists');
    assert.deepEqual(flags(session), [true, true]);
    assert.equal(session.get('some key'), undefined);
  });

  test('returns the stored value rather than the fallback when the key is present', () => {
    const { session } = settled({ k: 0 });
    assert.equal(session.pop('k', 'dflt'), 0);
    assert.equal(session.modified, true);
  });

  // SessionTestsMixin.test_pop_default and test_pop_default_named_argument
  test('returns the fallback for a missing key without modifying the session', () => {
    const { session } = makeSession();
    assert.equal(session.pop('some key', 'does not exist'), 'does not exist');
    assert.deepEqual(flags(session), [true, false]);
  });

  test('an explicit undefined fallback is a fallback, not a missing argument', () => {
    const { session } = makeSession();
    assert.equal(session.pop('some key', undefined), undefined);
    assert.equal(session.modified, false);
  });

  // SessionTestsMixin.test_pop_no_default_keyerror_raised
  test('throws a RangeError naming the key when it is missing and there is no fallback', () => {
    const { session } = makeSession();
    assert.throws(() => session.pop('some key'), {
      name: 'RangeError',
      message: /"some key"/,
    });
    assert.deepEqual(flags(session), [true, false]);
  });
});

describe('Session.setDefault', () => {
  // SessionTestsMixin.test_setdefault
  test('stores the value only when the key is absent and returns the stored one', () => {
    const { session } = makeSession();
    assert.equal(session.setDefault('foo', 'bar'), 'bar');
    assert.equal(session.setDefault('foo', 'baz'), 'bar');
    assert.deepEqual(flags(session), [true, true]);
  });

  test('does not modify the session when the key is present', () => {
    const { session } = settled({ foo: 'bar' });
    assert.equal(session.setDefault('foo', 'baz'), 'bar');
    assert.deepEqual(flags(session), [true, false]);
  });
});

describe('Session.update', () => {
  // SessionTestsMixin.test_update
  test('stores every entry and marks the session accessed and modified', () => {
    const { session } = makeSession(null, { keep: true });
    session.update({ 'update key': 1, other: 'x' });
    assert.deepEqual(flags(session), [true, true]);
    assert.equal(session.get('update key', null), 1);
    assert.deepEqual(session.toJSON(), { keep: true, 'update key': 1, other: 'x' });
  });

  test('marks the session modified even for an empty object, as Django does', () => {
    const { session } = settled({ a: 1 });
    session.update({});
    assert.deepEqual(flags(session), [true, true]);
  });
});

describe('Session.keys, values and entries', () => {
  // SessionTestsMixin.test_values
  test('values() lists the values and marks the session accessed only', () => {
    const empty = makeSession().session;
    assert.deepEqual(empty.values(), []);
    assert.equal(empty.accessed, true);
    const { session } = settled({ 'some key': 1 });
    assert.deepEqual(session.values(), [1]);
    assert.deepEqual(flags(session), [true, false]);
  });

  // SessionTestsMixin.test_keys
  test('keys() lists the keys and marks the session accessed only', () => {
    const { session } = settled({ x: 1 });
    assert.deepEqual(session.keys(), ['x']);
    assert.deepEqual(flags(session), [true, false]);
  });

  // SessionTestsMixin.test_items
  test('entries() lists the pairs and marks the session accessed only', () => {
    const { session } = settled({ x: 1 });
    assert.deepEqual(session.entries(), [['x', 1]]);
    assert.deepEqual(flags(session), [true, false]);
  });

  test('all three keep insertion order and return copies', () => {
    const { session, state } = makeSession(null, { b: 1, a: 2, c: 3 });
    const keys = session.keys();
    keys.push('d');
    session.entries().pop();
    assert.deepEqual(session.keys(), ['b', 'a', 'c']);
    assert.deepEqual(session.values(), [1, 2, 3]);
    assert.equal(state.data.size, 3);
  });
});

describe('Session.clear', () => {
  // SessionTestsMixin.test_clear
  test('removes all data, keeps the key and marks the session accessed and modified', () => {
    const { session } = settled({ x: 1 }, 'abcdefgh12345678');
    assert.deepEqual(session.entries(), [['x', 1]]);
    session.clear();
    assert.deepEqual(session.entries(), []);
    assert.deepEqual(flags(session), [true, true]);
    assert.equal(session.sessionKey, 'abcdefgh12345678');
    assert.equal(session.isEmpty(), false);
  });
});

describe('Session.isEmpty', () => {
  // SessionBaseTests.test_is_empty
  test('a session with no key and no data is empty', () => {
    assert.equal(makeSession().session.isEmpty(), true);
  });

  test('a key alone or data alone makes it non-empty', () => {
    assert.equal(makeSession('abcdefgh12345678').session.isEmpty(), false);
    assert.equal(makeSession(null, { a: 1 }).session.isEmpty(), false);
  });

  test('a session that dropped its only value is empty again', () => {
    const { session } = makeSession(null, { a: 1 });
    session.delete('a');
    assert.equal(session.isEmpty(), true);
  });
});

describe('Session.flush', () => {
  // SessionTestsMixin.test_flush
  test('drops data and key, records the old key for deletion, and sets both flags', () => {
    const { session, state } = settled({ foo: 'bar' }, 'abcdefgh12345678');
    session.flush();
    assert.equal(session.sessionKey, null);
    assert.deepEqual(state.staleKeys, ['abcdefgh12345678']);
    assert.equal(state.data.size, 0);
    assert.deepEqual(flags(session), [true, true]);
    assert.equal(state.mustCreate, false);
    assert.equal(session.isEmpty(), true);
  });

  test('a session without a key has nothing to delete', () => {
    const { session, state } = makeSession(null, { a: 1 });
    session.flush();
    assert.deepEqual(state.staleKeys, []);
    assert.deepEqual(flags(session), [true, true]);
  });

  test('after cycleKey, only the key that has a record is deleted', () => {
    const { session, state } = makeSession('abcdefgh12345678', { a: 1 });
    session.cycleKey();
    const fresh = session.sessionKey;
    session.flush();
    assert.deepEqual(state.staleKeys, ['abcdefgh12345678']);
    assert.ok(fresh !== null && !state.staleKeys.includes(fresh));
    assert.equal(state.mustCreate, false);
    assert.equal(session.sessionKey, null);
  });

  test('data set after a flush starts a new session without a key', () => {
    const { session, state } = makeSession('abcdefgh12345678', { a: 1 });
    session.flush();
    session.set('b', 2);
    assert.equal(session.sessionKey, null);
    assert.deepEqual(Object.fromEntries(state.data), { b: 2 });
  });
});

describe('Session.cycleKey', () => {
  // SessionTestsMixin.test_cycle and test_cycle_with_no_session_cache
  test('moves the data to a new key and records the old one for deletion', () => {
    const { session, state } = settled({ a: 'c', b: 'd' }, 'abcdefgh12345678');
    const before = session.entries();
    session.accessed = false;
    session.cycleKey();
    assert.notEqual(session.sessionKey, 'abcdefgh12345678');
    assert.match(session.sessionKey ?? '', GENERATED_KEY);
    assert.deepEqual(session.entries(), before);
    assert.deepEqual(state.staleKeys, ['abcdefgh12345678']);
    assert.equal(state.mustCreate, true);
    assert.deepEqual(flags(session), [true, true]);
  });

  test('gives a keyless session a key it must create, with nothing to delete', () => {
    const { session, state } = makeSession();
    session.cycleKey();
    assert.match(session.sessionKey ?? '', GENERATED_KEY);
    assert.deepEqual(state.staleKeys, []);
    assert.equal(state.mustCreate, true);
    assert.equal(session.isEmpty(), false);
  });

  test('cycling twice deletes only the key that has a record', () => {
    const { session, state } = makeSession('abcdefgh12345678');
    session.cycleKey();
    const first = session.sessionKey;
    session.cycleKey();
    assert.notEqual(session.sessionKey, first);
    assert.deepEqual(state.staleKeys, ['abcdefgh12345678']);
  });
});

describe('Session test cookie', () => {
  // SessionBaseTests.test_test_cookie
  test('set, checked and deleted, as Django’s test_test_cookie does', () => {
    const { session, state } = makeSession();
    assert.equal(session.has(TEST_COOKIE_NAME), false);
    session.setTestCookie();
    assert.equal(state.data.get('testcookie'), 'worked');
    assert.equal(session.modified, true);
    assert.equal(session.testCookieWorked(), true);
    session.deleteTestCookie();
    assert.equal(session.has(TEST_COOKIE_NAME), false);
  });

  test('uses Django’s key and value', () => {
    assert.equal(TEST_COOKIE_NAME, 'testcookie');
    assert.equal(TEST_COOKIE_VALUE, 'worked');
  });

  test('testCookieWorked() reads without modifying, and wants exactly "worked"', () => {
    const { session } = settled({ testcookie: 'worked' });
    assert.equal(session.testCookieWorked(), true);
    assert.deepEqual(flags(session), [true, false]);
    assert.equal(settled({ testcookie: 'Worked' }).session.testCookieWorked(), false);
    assert.equal(settled({}).session.testCookieWorked(), false);
  });

  test('deleteTestCookie() modifies the session only when the test cookie was there', () => {
    const present = settled({ testcookie: 'worked' }).session;
    present.deleteTestCookie();
    assert.deepEqual(flags(present), [true, true]);
    const absent = settled({ a: 1 }).session;
    absent.deleteTestCookie();
    assert.deepEqual(flags(absent), [true, false]);
  });
});

describe('Session keys', () => {
  // SessionTestsMixin.test_session_key_empty_string_invalid
  test('an empty string is no key', () => {
    assert.equal(createSessionState('').key, null);
  });

  // SessionTestsMixin.test_session_key_too_short_invalid
  test('a key of 7 characters is no key', () => {
    assert.equal(createSessionState('1234567').key, null);
  });

  // SessionTestsMixin.test_session_key_valid_string_saved
  test('a key of 8 characters is kept', () => {
    assert.equal(createSessionState('12345678').key, '12345678');
    assert.equal(makeSession('12345678').session.sessionKey, '12345678');
  });

  // SessionTestsMixin.test_session_key_is_read_only
  test('sessionKey is read-only', () => {
    const { session } = makeSession('12345678');
    assert.throws(() => {
      (session as unknown as { sessionKey: string }).sessionKey = 'abcdefghijkl';
    }, TypeError);
    assert.equal(session.sessionKey, '12345678');
  });

  test('a new state starts clean: data copied, no stale keys, nothing to create', () => {
    const data = { a: 1 };
    const state = createSessionState(null, data);
    state.data.set('b', 2);
    assert.deepEqual(data, { a: 1 });
    assert.deepEqual(
      { ...state, data: Object.fromEntries(state.data) },
      {
        key: null,
        data: { a: 1, b: 2 },
        accessed: false,
        modified: false,
        staleKeys: [],
        mustCreate: false,
        changedKeys: new Set(),
        replaced: false,
        touched: false,
      },
    );
  });

  test('records the keys each change touches, for merging with concurrent writers', () => {
    const state = createSessionState('abcdefgh12345678', { a: 1, b: 2, c: 3 });
    const session = new Session(state, { policy });
    session.set('a', 10);
    session.delete('b');
    session.pop('c');
    session.update({ d: 4, e: 5 });
    session.setExpiry(60);
    session.setTestCookie();
    session.get('a');
    session.delete('missing');
    assert.deepEqual([...state.changedKeys].sort(), [
      '_session_expiry',
      'a',
      'b',
      'c',
      'd',
      'e',
      'testcookie',
    ]);
    assert.equal(state.replaced, false);
  });

  test('marks the data replaced on clear, flush and a forced save', () => {
    for (const act of [
      (s: Session) => s.clear(),
      (s: Session) => s.flush(),
      (s: Session) => {
        s.modified = true;
      },
    ]) {
      const state = createSessionState('abcdefgh12345678', { a: 1 });
      act(new Session(state, { policy }));
      assert.equal(state.replaced, true);
    }
  });
});

describe('Session.toJSON', () => {
  test('returns a plain snapshot that later changes do not touch', () => {
    const { session } = makeSession(null, { a: 1, b: 'two' });
    const snapshot = session.toJSON();
    assert.deepEqual(snapshot, { a: 1, b: 'two' });
    assert.equal(Object.getPrototypeOf(snapshot), Object.prototype);
    session.set('a', 2);
    assert.equal(snapshot.a, 1);
    snapshot.b = 'changed';
    assert.equal(session.get('b'), 'two');
    assert.equal(session.accessed, true);
  });

  test('makes JSON.stringify(session) give the data', () => {
    const { session } = makeSession(null, { a: [1, { b: null }] });
    assert.equal(JSON.stringify(session), '{"a":[1,{"b":null}]}');
  });
});

describe('Session checkData hook', () => {
  class TooBig extends Error {}
  const refuseBig: SessionContext['checkData'] = (data) => {
    if (data.has('big') || data.size > 3) throw new TooBig('refused');
  };

  test('sees the data as it would be after the change', () => {
    const seen: Record<string, unknown>[] = [];
    const { session } = makeSession(
      null,
      { a: 1 },
      {
        checkData: (data) => {
          seen.push(Object.fromEntries(data));
        },
      },
    );
    session.set('b', 2);
    session.pop('a');
    assert.deepEqual(seen, [{ a: 1, b: 2 }, { b: 2 }]);
  });

  test('a refused set() is undone and the error reaches the caller', () => {
    const { session, state } = makeSession(null, { a: 1 }, { checkData: refuseBig });
    assert.throws(() => session.set('big', 'x'), TooBig);
    assert.deepEqual(Object.fromEntries(state.data), { a: 1 });
    assert.equal(session.modified, false);
  });

  test('a refused overwrite restores the previous value in its place', () => {
    const { session, state } = makeSession(
      null,
      { a: 1, big: 'small', c: 3 },
      {
        checkData: (data) => {
          if (data.get('big') === 'huge') throw new TooBig('refused');
        },
      },
    );
    assert.throws(() => session.set('big', 'huge'), TooBig);
    assert.deepEqual(
      [...state.data],
      [
        ['a', 1],
        ['big', 'small'],
        ['c', 3],
      ],
    );
  });

  test('a refused update() is undone entirely', () => {
    const { session, state } = makeSession(null, { a: 1 }, { checkData: refuseBig });
    assert.throws(() => session.update({ b: 2, c: 3, d: 4 }), TooBig);
    assert.deepEqual(Object.fromEntries(state.data), { a: 1 });
    assert.equal(session.modified, false);
  });

  test('changes the hook accepts go through', () => {
    const { session, state } = makeSession(null, {}, { checkData: refuseBig });
    session.update({ a: 1, b: 2 });
    assert.equal(session.modified, true);
    assert.deepEqual(Object.fromEntries(state.data), { a: 1, b: 2 });
  });
});

describe('setExpiry with Django 3.2 sharing the store', () => {
  // Django 3.2's get_expiry_age returns a string expiry unchanged, so its middleware answers 500
  // for the session and its clearsessions aborts: only seconds work there.
  test('refuses a Date with a TypeError that says to pass seconds, changing nothing', () => {
    const { session, state } = makeSession(null, { a: 1 }, { dateExpiry: false });
    session.accessed = false;
    assert.throws(() => session.setExpiry(new Date(Date.now() + 60_000)), {
      name: 'TypeError',
      message: /Django 3\.2.*seconds/,
    });
    assert.equal(state.data.has('_session_expiry'), false);
    assert.equal(session.modified, false);
  });

  test('takes seconds, 0 and null as before', () => {
    const { session } = makeSession(null, {}, { dateExpiry: false });
    session.setExpiry(300);
    assert.equal(session.get('_session_expiry' as never), 300);
    session.setExpiry(0);
    assert.equal(session.getExpireAtBrowserClose(), true);
    session.setExpiry(null);
    assert.equal(session.has('_session_expiry' as never), false);
  });

  test('without the setting a Date is stored as current Django stores it', () => {
    const { session } = makeSession();
    session.setExpiry(new Date(Date.UTC(2030, 0, 1)));
    assert.equal(session.get('_session_expiry' as never), '2030-01-01T00:00:00+00:00');
  });
});
