/**
 * Session expiry: Django's `set_expiry`, `get_expiry_age`, `get_expiry_date` and
 * `get_expire_at_browser_close` (django-spec.md §3.5), against the `expiry` vectors recorded
 * from Django 5.2.17 at t = 1700000000, and SessionTestsMixin rows 26–31.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { djangoSessionCodec } from '../../src/session/encoding.ts';
import {
  EXPIRY_KEY,
  type Expiry,
  type ExpiryPolicy,
  expiresAtBrowserClose,
  expiryAge,
  expiryDate,
  parseIsoDate,
  toPythonIsoFormat,
} from '../../src/session/expiry.ts';
import { createSessionState, Session, type SessionState } from '../../src/session/session.ts';
import { atTime } from '../helpers/clock.ts';
import { SECRET_KEY, vectors } from '../helpers/vectors.ts';

const NOW = vectors.meta.fixed_time as number;
const COOKIE_AGE = vectors.expiry.SESSION_COOKIE_AGE as number;
const policy: ExpiryPolicy = { cookieAge: COOKIE_AGE, expireAtBrowserClose: false };
const atBrowserClose: ExpiryPolicy = { cookieAge: COOKIE_AGE, expireAtBrowserClose: true };

function makeSession(sessionPolicy: ExpiryPolicy = policy): {
  state: SessionState;
  session: Session;
} {
  const state = createSessionState(null);
  return { state, session: new Session(state, { policy: sessionPolicy }) };
}

/** A recorded `{ $datetime }` (Python's isoformat, any offset) as the instant it names. */
function instant(value: { $datetime: string }): Date {
  const time = Date.parse(value.$datetime);
  assert.ok(!Number.isNaN(time), value.$datetime);
  return new Date(time);
}

/** A recorded set_expiry argument as setExpiry takes it. */
function expiryArgument(value: unknown): Expiry {
  if (value === null || typeof value === 'number') return value;
  const recorded = value as { $datetime?: string; $timedelta_seconds?: number };
  if (recorded.$datetime !== undefined) return instant({ $datetime: recorded.$datetime });
  // Python's timedelta has no JavaScript counterpart. Django stores `now + delta` as a datetime,
  // which is exactly what setExpiry(new Date(now + delta)) stores, so the case is kept that way.
  assert.equal(typeof recorded.$timedelta_seconds, 'number');
  return new Date(Date.now() + (recorded.$timedelta_seconds as number) * 1000);
}

describe('setExpiry against Django’s set_expiry vectors', () => {
  const cases = vectors.expiry.set_expiry;

  test('the vectors cover ints, zero, None, negatives, timedelta and aware datetimes', () => {
    assert.deepEqual(
      cases.map((c: { name: string }) => c.name),
      [
        'int_300',
        'zero',
        'none',
        'negative_-10',
        'timedelta_10s',
        'aware_datetime_plus_1h',
        'aware_datetime_non_utc',
      ],
    );
  });

  for (const c of cases) {
    test(`${c.name}: stores, ages, dates and flags the session as Django does`, () => {
      atTime(NOW, () => {
        const { session, state } = makeSession();
        session.setExpiry(expiryArgument(c.value));
        const stored = state.data.get(EXPIRY_KEY);
        const recorded = c.stored__session_expiry;
        if (recorded === '<absent>') {
          assert.equal(state.data.has(EXPIRY_KEY), false);
        } else if (typeof recorded === 'number') {
          assert.equal(stored, recorded);
        } else if (recorded.endsWith('+00:00')) {
          assert.equal(stored, recorded);
        } else {
          // A non-UTC aware datetime: JavaScript's Date has no offset, so coatcheck stores the
          // same instant in the +00:00 form.
          assert.equal(typeof stored, 'string');
          assert.equal(parseIsoDate(stored as string)?.getTime(), Date.parse(recorded));
          assert.match(stored as string, /\+00:00$/);
        }
        assert.equal(session.getExpiryAge(), c.get_expiry_age.ok);
        assert.equal(session.getExpiryDate().getTime(), instant(c.get_expiry_date.ok).getTime());
        assert.equal(session.getExpireAtBrowserClose(), c.get_expire_at_browser_close.ok);
        assert.equal(session.modified, c.modified);
        assert.equal(session.accessed, true);
        if (
          recorded === '<absent>' ||
          typeof recorded === 'number' ||
          recorded.endsWith('+00:00')
        ) {
          const codec = djangoSessionCodec({ secretKey: SECRET_KEY, logger: console });
          assert.equal(codec.encode(session.toJSON()), c.encode_json.ok);
        }
      });
    });
  }
});

describe('getExpiryAge and getExpiryDate with explicit options', () => {
  for (const c of vectors.expiry.expiry_with_kwargs) {
    test(`${c.name}: gives Django’s age and date`, () => {
      const { expiry, modification } = c.kwargs;
      const options = {
        modification: instant(modification),
        expiry:
          expiry !== null && typeof expiry === 'object'
            ? instant(expiry)
            : (expiry as number | string | null),
      };
      // The session's own expiry must be ignored when `expiry` is given.
      const { session } = makeSession();
      session.setExpiry(77);
      assert.equal(session.getExpiryAge(options), c.get_expiry_age.ok);
      assert.equal(
        session.getExpiryDate(options).getTime(),
        instant(c.get_expiry_date.ok).getTime(),
      );
    });
  }

  test('an explicit expiry does not read the session, so it is not marked accessed', () => {
    const { session } = makeSession();
    session.getExpiryAge({ expiry: null });
    session.getExpiryDate({ expiry: 10 });
    assert.equal(session.accessed, false);
    session.getExpiryAge();
    assert.equal(session.accessed, true);
  });

  test('the modification instant defaults to now', () => {
    atTime(NOW, () => {
      const { session } = makeSession();
      session.setExpiry(new Date((NOW + 42) * 1000));
      assert.equal(session.getExpiryAge(), 42);
      session.setExpiry(null);
      assert.equal(session.getExpiryDate().getTime(), (NOW + COOKIE_AGE) * 1000);
    });
  });
});

describe('Session expiry (SessionTestsMixin)', () => {
  const m = new Date(1700000000123);

  // SessionTestsMixin.test_default_expiry
  test('the default age is the cookie age, and stays it after setExpiry(0)', () => {
    const { session } = makeSession();
    assert.equal(session.getExpiryAge(), COOKIE_AGE);
    session.setExpiry(0);
    assert.equal(session.getExpiryAge(), COOKIE_AGE);
  });

  test('the cookie age comes from the policy', () => {
    const { session } = makeSession({ cookieAge: 86400, expireAtBrowserClose: false });
    session.setExpiry(0);
    assert.equal(session.getExpiryAge(), 86400);
  });

  // SessionTestsMixin.test_custom_expiry_seconds
  test('custom seconds give modification + seconds, and the seconds as age', () => {
    const { session } = makeSession();
    session.setExpiry(10);
    assert.equal(session.getExpiryDate({ modification: m }).getTime(), m.getTime() + 10_000);
    assert.equal(session.getExpiryAge({ modification: m }), 10);
  });

  // SessionTestsMixin.test_custom_expiry_timedelta: timedelta has no JavaScript form; Django
  // stores now + delta, which is a Date here.
  test('now plus a delta, as a Date, gives that date and the delta as age', () => {
    atTime(m.getTime() / 1000, () => {
      const { session } = makeSession();
      session.setExpiry(new Date(Date.now() + 10_000));
      assert.equal(session.getExpiryDate({ modification: m }).getTime(), m.getTime() + 10_000);
      assert.equal(session.getExpiryAge({ modification: m }), 10);
    });
  });

  // SessionTestsMixin.test_custom_expiry_datetime
  test('a custom Date survives storage to the millisecond', () => {
    const { session, state } = makeSession();
    session.setExpiry(new Date(m.getTime() + 10_000));
    assert.equal(state.data.get(EXPIRY_KEY), '2023-11-14T22:13:30.123000+00:00');
    assert.equal(session.getExpiryDate({ modification: m }).getTime(), m.getTime() + 10_000);
    assert.equal(session.getExpiryAge({ modification: m }), 10);
  });

  // SessionTestsMixin.test_custom_expiry_reset
  test('setExpiry(null) returns to the cookie age', () => {
    const { session, state } = makeSession();
    session.setExpiry(null);
    session.setExpiry(10);
    session.setExpiry(null);
    assert.equal(session.getExpiryAge(), COOKIE_AGE);
    assert.equal(state.data.has(EXPIRY_KEY), false);
  });

  // SessionTestsMixin.test_get_expire_at_browser_close
  test('expire at browser close follows the custom expiry, else the policy (policy off)', () => {
    const { session } = makeSession(policy);
    session.setExpiry(10);
    assert.equal(session.getExpireAtBrowserClose(), false);
    session.setExpiry(0);
    assert.equal(session.getExpireAtBrowserClose(), true);
    session.setExpiry(null);
    assert.equal(session.getExpireAtBrowserClose(), false);
  });

  test('expire at browser close follows the custom expiry, else the policy (policy on)', () => {
    const { session } = makeSession(atBrowserClose);
    session.setExpiry(10);
    assert.equal(session.getExpireAtBrowserClose(), false);
    session.setExpiry(0);
    assert.equal(session.getExpireAtBrowserClose(), true);
    session.setExpiry(null);
    assert.equal(session.getExpireAtBrowserClose(), true);
    session.setExpiry(new Date(m.getTime() + 10_000));
    assert.equal(session.getExpireAtBrowserClose(), false);
  });
});

describe('Session.setExpiry', () => {
  test('setExpiry(null) without a custom expiry leaves the session unmodified', () => {
    const { session } = makeSession();
    session.setExpiry(null);
    assert.equal(session.modified, false);
  });

  test('setExpiry(null) removing a custom expiry modifies the session', () => {
    const state = createSessionState(null, { [EXPIRY_KEY]: 300 });
    const session = new Session(state, { policy });
    session.setExpiry(null);
    assert.equal(session.modified, true);
    assert.equal(state.data.has(EXPIRY_KEY), false);
  });

  test('keeps a fractional number of seconds as it is, as Python does', () => {
    const { session } = makeSession();
    session.setExpiry(1.5);
    assert.equal(session.getExpiryAge(), 1.5);
  });

  for (const [what, value] of [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an invalid Date', new Date(Number.NaN)],
    ['a string', '300'],
    ['undefined', undefined],
  ] as const) {
    test(`refuses ${what} with a TypeError and changes nothing`, () => {
      const { session, state } = makeSession();
      session.setExpiry(300);
      session.modified = false;
      assert.throws(() => session.setExpiry(value as unknown as Expiry), TypeError);
      assert.equal(state.data.get(EXPIRY_KEY), 300);
      assert.equal(session.modified, false);
    });
  }
});

describe('expiryAge', () => {
  const modification = new Date(NOW * 1000);

  test('returns a non-zero number as it is, whatever the modification', () => {
    assert.equal(expiryAge(policy, 300, new Date(0)), 300);
    assert.equal(expiryAge(policy, -10, modification), -10);
  });

  test('gives the cookie age for no expiry, zero or an empty string (falsy in Python)', () => {
    for (const stored of [undefined, null, 0, '']) {
      assert.equal(expiryAge(policy, stored, modification), COOKIE_AGE, String(stored));
    }
  });

  test('floors to whole seconds, as timedelta.days * 86400 + .seconds does', () => {
    const at = (ms: number) => new Date(NOW * 1000 + ms);
    assert.equal(expiryAge(policy, at(1500), modification), 1);
    assert.equal(expiryAge(policy, at(999), modification), 0);
    assert.equal(expiryAge(policy, at(-500), modification), -1);
    assert.equal(expiryAge(policy, at(-1000), modification), -1);
  });

  test('reads an ISO string Django wrote, microseconds and offsets included', () => {
    assert.equal(expiryAge(policy, '2023-11-14T22:13:30.999999+00:00', modification), 10);
    assert.equal(expiryAge(policy, '2023-11-15T00:13:20+02:00', modification), 0);
  });
});

describe('expiryDate', () => {
  const modification = new Date(NOW * 1000);

  test('returns a stored instant as it is', () => {
    const date = expiryDate(policy, '2023-11-15T01:13:20+02:00', modification);
    assert.equal(date.toISOString(), '2023-11-14T23:13:20.000Z');
  });

  test('adds the seconds, or the cookie age for zero and none, to the modification', () => {
    assert.equal(expiryDate(policy, 10, modification).getTime(), (NOW + 10) * 1000);
    assert.equal(expiryDate(policy, 0, modification).getTime(), (NOW + COOKIE_AGE) * 1000);
    assert.equal(expiryDate(policy, null, modification).getTime(), (NOW + COOKIE_AGE) * 1000);
  });
});

describe('expiresAtBrowserClose', () => {
  test('is the policy without a custom expiry, and only zero otherwise', () => {
    assert.equal(expiresAtBrowserClose(policy, undefined), false);
    assert.equal(expiresAtBrowserClose(atBrowserClose, null), true);
    assert.equal(expiresAtBrowserClose(atBrowserClose, 0), true);
    assert.equal(expiresAtBrowserClose(atBrowserClose, 300), false);
    assert.equal(expiresAtBrowserClose(atBrowserClose, '2023-11-14T22:13:30+00:00'), false);
  });
});

describe('toPythonIsoFormat', () => {
  test('writes Python’s isoformat() of an aware UTC datetime', () => {
    assert.equal(toPythonIsoFormat(new Date(NOW * 1000)), vectors.meta.fixed_time_iso);
    assert.equal(toPythonIsoFormat(new Date(0)), '1970-01-01T00:00:00+00:00');
  });

  test('writes microseconds, six digits, only when there is a fraction', () => {
    assert.equal(toPythonIsoFormat(new Date(NOW * 1000 + 5)), '2023-11-14T22:13:20.005000+00:00');
    assert.equal(toPythonIsoFormat(new Date(NOW * 1000 + 120)), '2023-11-14T22:13:20.120000+00:00');
  });

  test('pads the year to four digits, as Python does', () => {
    assert.equal(toPythonIsoFormat(new Date('0999-01-02T03:04:05Z')), '0999-01-02T03:04:05+00:00');
  });

  test('round-trips through parseIsoDate to the millisecond', () => {
    for (const ms of [0, 1, 999, NOW * 1000 + 123, Date.UTC(9999, 11, 31, 23, 59, 59, 999)]) {
      assert.equal(parseIsoDate(toPythonIsoFormat(new Date(ms)))?.getTime(), ms);
    }
  });
});

describe('parseIsoDate', () => {
  test('reads Python’s isoformat with an offset', () => {
    assert.equal(parseIsoDate('2023-11-14T22:13:20+00:00')?.getTime(), NOW * 1000);
    assert.equal(parseIsoDate('2023-11-15T01:13:20+02:00')?.getTime(), NOW * 1000 + 3_600_000);
    assert.equal(parseIsoDate('2023-11-14T22:13:20Z')?.getTime(), NOW * 1000);
  });

  test('reads microseconds, keeping the milliseconds JavaScript can hold', () => {
    assert.equal(parseIsoDate('2023-11-14T22:13:20.123456+00:00')?.getTime(), NOW * 1000 + 123);
    assert.equal(parseIsoDate('2023-11-14T22:13:20.999999+00:00')?.getTime(), NOW * 1000 + 999);
  });

  // Django with USE_TZ=False writes naive datetimes. Read as UTC, the result does not depend on
  // the time zone this process happens to run in.
  test('reads a naive datetime as UTC, whatever the process time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const zone of ['UTC', 'Asia/Tokyo', 'America/Chicago']) {
        process.env.TZ = zone;
        assert.equal(parseIsoDate('2023-11-14T22:13:20')?.getTime(), NOW * 1000, zone);
        assert.equal(parseIsoDate('2023-11-14T22:13:20.500000')?.getTime(), NOW * 1000 + 500, zone);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  test('returns undefined for text that is not a date', () => {
    for (const text of ['', 'garbage', '2023-13-45T99:99:99+00:00']) {
      assert.equal(parseIsoDate(text), undefined, text);
    }
  });

  test('a session whose stored expiry is not a date falls back to the cookie age', () => {
    const state = createSessionState(null, { [EXPIRY_KEY]: 'not a date' });
    const session = new Session(state, { policy });
    assert.equal(session.getExpiryAge(), COOKIE_AGE);
  });
});
