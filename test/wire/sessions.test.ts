/**
 * Sessions shared with the real Django 3.2, both ways: the signed-cookie engine (the cookie a
 * Django response sets loads in coatcheck, and back) and the file engine (Django and coatcheck
 * pointed at one directory, with the same SECRET_KEY and SESSION_COOKIE_NAME).
 *
 * Each exchange alternates between the two sides, so each Django step is its own peer run
 * (a request through SessionMiddleware, or a SessionStore call). Neither clock is pinned: the
 * file engine reads file mtimes and datetime.now(), which the peer's time patch cannot reach.
 *
 * Django 3.2 stores a custom expiry only as an int: its set_expiry(datetime) keeps a datetime
 * that the JSON serializer refuses, and it cannot read the ISO string current Django (and
 * coatcheck's setExpiry(Date)) writes. Expiries cross here as ints; the last two tests pin
 * down both 3.2 failures (django-spec §3.5, §10.8).
 *
 * One difference is left open, as a `todo` test naming it: replaying an expired file session,
 * Django 3.2 answers with a new key and an empty-session file, coatcheck deletes the cookie.
 */
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createSessions, type Sessions } from '../../src/middleware/lifecycle.ts';
import { EXPIRY_KEY } from '../../src/session/expiry.ts';
import { CREATED_KEY, SEEN_KEY } from '../../src/session/timeouts.ts';
import type { Settings } from '../../src/settings.ts';
import { fileStore } from '../../src/stores/file.ts';
import { signedCookies } from '../../src/stores/signed-cookie.ts';
import type { SessionStore } from '../../src/stores/store.ts';
import { Browser, capturingLogger, openedStore, sentCookie } from '../stores/contract.ts';
import {
  type Action,
  checkChangesCrossBothWays,
  checkFlushSeenByDjango,
  checkOpenedSessionsCross,
  checkUntouchedValuesRoundTrip,
  DjangoSide,
  type DjangoVisit,
  SAMPLE,
  TWO_WEEKS,
} from './django-side.ts';
import { datetime, runPeer, SECRET_KEY, skipWithoutDjango } from './helpers.ts';

const logger = capturingLogger();
const coatcheck = (settings: Partial<Settings> & Pick<Settings, 'engine'>): Sessions =>
  createSessions({ secretKey: SECRET_KEY, logger, ...settings });

describe('sessions (wire, Django 3.2)', { skip: skipWithoutDjango }, () => {
  describe('signed-cookie sessions', () => {
    const django = new DjangoSide({
      SESSION_ENGINE: 'django.contrib.sessions.backends.signed_cookies',
    });
    const browser = () => new Browser(coatcheck({ engine: signedCookies() }));

    test('a session Django saved loads in coatcheck with the same data', async () => {
      const b = browser();
      const visit = django.visit(b, [{ do: 'update', values: SAMPLE }]);
      assert.ok(visit.set_cookie?.startsWith('sessionid='));
      assert.deepEqual(await b.data(), SAMPLE);
    });

    test('a session coatcheck saved loads in Django with the same data', async () => {
      const b = browser();
      await b.session((session) => session.update(SAMPLE));
      const visit = django.visit(b);
      assert.deepEqual(visit.data, SAMPLE);
      assert.equal(visit.set_cookie, null, 'Django accepted the cookie as it is');
    });

    test('values coatcheck left alone reach Django exactly as Django wrote them (big ints, 1.0, key order)', async () => {
      await checkUntouchedValuesRoundTrip(django, browser());
    });

    test('both ways after a second modification', async () => {
      const b = browser();
      django.visit(b, [{ do: 'update', values: { a: 1, b: 'two' } }]);
      await b.session((session) => {
        assert.deepEqual(session.toJSON(), { a: 1, b: 'two' });
        session.set('c', [3]);
        session.delete('a');
      });
      const visit = django.visit(b, [
        { do: 'set', key: 'd', value: 'four' },
        { do: 'delete', key: 'b' },
      ]);
      assert.deepEqual(visit.data, { c: [3], d: 'four' });
      assert.deepEqual(await b.data(), { c: [3], d: 'four' });
    });

    test('a flush in Django deletes the cookie, and coatcheck then sees an empty session', async () => {
      const b = browser();
      await b.session((session) => session.set('user', 1));
      const visit = django.visit(b, [{ do: 'flush' }]);
      assert.equal(sentCookie([visit.set_cookie ?? ''], 'sessionid')?.expired, true);
      assert.equal(b.cookie, undefined);
      assert.deepEqual(await b.data(), {});
    });

    test('a flush in coatcheck deletes the cookie, and Django then sees an empty session', async () => {
      const b = browser();
      django.visit(b, [{ do: 'set', key: 'user', value: 1 }]);
      const visit = await b.session((session) => session.flush());
      assert.equal(visit.sent?.expired, true);
      assert.equal(b.cookie, undefined);
      assert.deepEqual(django.visit(b).data, {});
    });

    test('an int expiry crosses both ways with the same expiry age', async () => {
      const b = browser();
      const visit = django.visit(b, [{ do: 'set_expiry', value: 300 }]);
      assert.equal(visit.expiry_age, 300);
      const age = await b.session((session) => {
        const seen = session.getExpiryAge();
        session.setExpiry(600);
        return seen;
      });
      assert.equal(age.value, 300);
      assert.equal(django.visit(b).expiry_age, 600);
    });

    test('a tampered coatcheck cookie is an empty session in Django too', async () => {
      const b = browser();
      await b.session((session) => session.set('user', 1));
      const good = b.cookie ?? '';
      b.cookie = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
      const visit = django.visit(b);
      assert.deepEqual(visit.data, {});
      // Django replaces the bad cookie with an empty session's, which coatcheck reads as one.
      assert.ok(visit.set_cookie?.startsWith('sessionid=e30:'), visit.set_cookie ?? '');
      assert.deepEqual(await b.data(), {});
    });
  });

  describe('file sessions', () => {
    const directories: string[] = [];
    after(() => {
      for (const directory of directories) rmSync(directory, { recursive: true, force: true });
    });

    /** Django and coatcheck sharing one new session directory. */
    function shared(cookieName = 'sessionid', settings: Partial<Settings> = {}) {
      const directory = mkdtempSync(join(tmpdir(), 'coatcheck-wire-files-'));
      directories.push(directory);
      const django = new DjangoSide({
        SESSION_ENGINE: 'django.contrib.sessions.backends.file',
        SESSION_FILE_PATH: directory,
        SESSION_COOKIE_NAME: cookieName,
      });
      const sessions = coatcheck({ engine: fileStore({ directory }), cookieName, ...settings });
      const store = (): Promise<SessionStore> => openedStore(sessions);
      const file = (key: string) => join(directory, `${cookieName}${key}`);
      return { directory, django, sessions, store, file, browser: () => new Browser(sessions) };
    }

    test('a session Django creates loads in coatcheck with the same data and expiry', async () => {
      const { django, store, file, browser } = shared();
      const b = browser();
      django.visit(b, [{ do: 'update', values: SAMPLE }]);
      const key = b.cookie ?? '';
      assert.match(key, /^[a-z0-9]{32}$/);
      const loaded = await (await store()).load(key);
      assert.deepEqual(loaded?.data, SAMPLE);
      // Django's rule: the file's mtime plus SESSION_COOKIE_AGE.
      const expected = statSync(file(key)).mtimeMs + TWO_WEEKS * 1000;
      assert.ok(Math.abs((loaded?.expiresAt.getTime() ?? 0) - expected) < 1000);
      const visit = await b.session((session) => ({
        key: session.sessionKey,
        data: session.toJSON(),
        age: session.getExpiryAge(),
      }));
      assert.deepEqual(visit.value, { key, data: SAMPLE, age: TWO_WEEKS });
    });

    test('a session coatcheck creates loads in Django with the same data', async () => {
      const { django, file, browser } = shared();
      const b = browser();
      await b.session((session) => session.update(SAMPLE));
      const key = b.cookie ?? '';
      assert.deepEqual(django.call('session.load', { key }), {
        data: SAMPLE,
        session_key: key,
        exists: true,
      });
      assert.deepEqual(
        django.call('session.decode', { text: readFileSync(file(key), 'latin1') }),
        SAMPLE,
      );
    });

    test('a session opened by key outside a request crosses to Django and back (sessions.open)', async () => {
      const { django, sessions } = shared();
      await checkOpenedSessionsCross(django, sessions);
    });

    test('the idle and absolute timeout stamps are keys Django carries and ignores', async () => {
      const { django, browser } = shared('sessionid', { idleTimeout: 600, absoluteTimeout: 3600 });
      const b = browser();
      await b.session((session) => session.set('x', 1));
      const visit = django.visit(b, [{ do: 'set', key: 'y', value: 2 }]);
      assert.equal(visit.status, 200);
      const { [SEEN_KEY]: seen, [CREATED_KEY]: created, ...rest } = visit.data;
      assert.deepEqual(rest, { x: 1, y: 2 });
      assert.equal(typeof seen, 'number');
      assert.equal(created, seen);
      const back = await b.session((session) => session.toJSON());
      assert.deepEqual(back.value, visit.data);
    });

    test('both sides write files with the same name pattern and owner-only mode', async () => {
      const { django, directory, browser } = shared();
      const fromDjango = browser();
      django.visit(fromDjango, [{ do: 'set', key: 'by', value: 'django' }]);
      const fromCoatcheck = browser();
      await fromCoatcheck.session((session) => session.set('by', 'coatcheck'));
      const names = readdirSync(directory).sort();
      assert.deepEqual(
        names,
        [`sessionid${fromDjango.cookie}`, `sessionid${fromCoatcheck.cookie}`].sort(),
      );
      for (const name of names) assert.equal(statSync(join(directory, name)).mode & 0o777, 0o600);
    });

    test('values coatcheck left alone reach Django exactly as Django wrote them (big ints, 1.0, key order)', async () => {
      const { django, browser } = shared();
      await checkUntouchedValuesRoundTrip(django, browser());
    });

    test('modifications cross both ways under the same key', async () => {
      const { django, browser } = shared();
      await checkChangesCrossBothWays(django, browser());
    });

    test('a coatcheck cycleKey: Django sees the old key gone and the data under the new one', async () => {
      const { django, browser } = shared();
      const b = browser();
      django.visit(b, [{ do: 'update', values: SAMPLE }]);
      const old = b.cookie ?? '';
      await b.session((session) => session.cycleKey());
      const fresh = b.cookie ?? '';
      assert.notEqual(fresh, old);
      assert.deepEqual(django.call('session.load', { key: old }), {
        data: {},
        session_key: null,
        exists: false,
      });
      assert.deepEqual(django.call('session.load', { key: fresh }), {
        data: SAMPLE,
        session_key: fresh,
        exists: true,
      });
    });

    test('a Django cycle_key: coatcheck sees the old key gone and the data under the new one', async () => {
      const { django, store, browser } = shared();
      const b = browser();
      await b.session((session) => session.update(SAMPLE));
      const old = b.cookie ?? '';
      const visit = django.visit(b, [{ do: 'cycle_key' }]);
      assert.ok(visit.session_key !== null && visit.session_key !== old);
      assert.equal(b.cookie, visit.session_key);
      assert.equal(await (await store()).exists(old), false);
      assert.deepEqual(await b.data(), SAMPLE);
    });

    test('a Django flush: coatcheck finds no session', async () => {
      const { django, store, browser } = shared();
      const b = browser();
      await b.session((session) => session.set('user', 1));
      const key = b.cookie ?? '';
      const visit = django.visit(b, [{ do: 'flush' }]);
      assert.equal(sentCookie([visit.set_cookie ?? ''], 'sessionid')?.expired, true);
      const opened = await store();
      assert.equal(await opened.load(key), null);
      assert.equal(await opened.exists(key), false);
      const replay = await new Browser(b.sessions, key).session((session) => session.sessionKey);
      assert.equal(replay.value, null);
      assert.equal(replay.sent?.expired, true);
    });

    test('a coatcheck flush: Django finds no session', async () => {
      const { django, browser } = shared();
      await checkFlushSeenByDjango(django, browser());
    });

    test('an int expiry crosses both ways with the same expiry age', async () => {
      const { django, store, browser } = shared();
      const b = browser();
      const visit = django.visit(b, [
        { do: 'set', key: 'x', value: 1 },
        { do: 'set_expiry', value: 300 },
      ]);
      assert.equal(visit.expiry_age, 300);
      assert.match(visit.set_cookie ?? '', /Max-Age=300;/);
      const key = b.cookie ?? '';
      assert.deepEqual((await (await store()).load(key))?.data, { x: 1, [EXPIRY_KEY]: 300 });
      const seen = await b.session((session) => {
        const age = session.getExpiryAge();
        session.setExpiry(600);
        return age;
      });
      assert.equal(seen.value, 300);
      assert.match(seen.sent?.line ?? '', /Max-Age=600;/);
      assert.equal(django.call('session.get_expiry_age', { key }), 600);
    });

    test('Django’s clearsessions removes coatcheck’s expired files', async () => {
      const { django, directory, file, browser } = shared();
      const save = async (expiry: number | null) => {
        const visit = await browser().session((session) => {
          session.set('foo', 'bar');
          if (expiry !== null) session.setExpiry(expiry);
        });
        return visit.sent?.value ?? '';
      };
      const a = await save(3600);
      const b = await save(-3600);
      const c = await save(null);
      // No expiry of its own: mtime + SESSION_COOKIE_AGE, so an mtime older than that is expired.
      backdate(file(c), TWO_WEEKS + 60);
      assert.deepEqual(
        readdirSync(directory).sort(),
        [a, b, c].map((key) => `sessionid${key}`).sort(),
      );
      assert.deepEqual(django.call('clearsessions'), [`sessionid${a}`]);
    });

    test('Django’s clearsessions passes over coatcheck’s lock and temporary files', async () => {
      const { django, file, browser } = shared();
      const visit = await browser().session((session) => session.set('foo', 'bar'));
      const key = visit.sent?.value ?? '';
      // What a writer holds mid-save: the session's lock file and its temporary file.
      const leftovers = [`${file(key)}_lock`, `${file(key)}_out_0a1b2c3d4e5f`];
      for (const path of leftovers) writeFileSync(path, `${process.pid} here 1 x\n`);
      assert.deepEqual(
        django.call('clearsessions'),
        [`sessionid${key}`, `sessionid${key}_lock`, `sessionid${key}_out_0a1b2c3d4e5f`].sort(),
      );
      for (const path of leftovers) rmSync(path);
    });

    test('coatcheck’s clearExpired removes Django’s expired files', async () => {
      const { django, directory, sessions, file, browser } = shared();
      const save = (actions: Action[]) =>
        django.visit(browser(), [{ do: 'set', key: 'foo', value: 'bar' }, ...actions])
          .session_key ?? '';
      const a = save([{ do: 'set_expiry', value: 3600 }]);
      // Django's response deletes B's cookie at once (Max-Age is negative); its file stays.
      const b = save([{ do: 'set_expiry', value: -3600 }]);
      const c = save([]);
      backdate(file(c), TWO_WEEKS + 60);
      assert.deepEqual(
        readdirSync(directory).sort(),
        [a, b, c].map((key) => `sessionid${key}`).sort(),
      );
      assert.equal(await sessions.clearExpired(), 2);
      assert.deepEqual(readdirSync(directory), [`sessionid${a}`]);
    });

    test('a custom SESSION_COOKIE_NAME is the file prefix on both sides', async () => {
      const { django, directory, browser } = shared('custom_sid');
      const b = browser();
      django.visit(b, [{ do: 'set', key: 'x', value: 1 }]);
      assert.deepEqual(readdirSync(directory), [`custom_sid${b.cookie}`]);
      assert.deepEqual(await b.data(), { x: 1 });
      await b.session((session) => session.set('y', 2));
      assert.deepEqual(django.visit(b).data, { x: 1, y: 2 });
    });

    /** A session Django saved with set_expiry(-10): its cookie is dropped, its file stays. */
    function expiredByDjango(django: DjangoSide, browser: Browser): string {
      const visit = django.visit(browser, [
        { do: 'set', key: 'a', value: 1 },
        { do: 'set_expiry', value: -10 },
      ]);
      assert.equal(browser.cookie, undefined);
      return visit.session_key ?? '';
    }

    test('an expired file session replayed to either side is empty, and its file is deleted', async () => {
      const { django, file, browser } = shared();
      const forDjango = expiredByDjango(django, browser());
      const forCoatcheck = expiredByDjango(django, browser());
      const djangoReply = django.call('session.request', {
        cookie: `sessionid=${forDjango}`,
      }) as DjangoVisit;
      const coatcheckReply = await new Browser(browser().sessions, forCoatcheck).session(
        (session) => session.toJSON(),
      );
      assert.deepEqual(djangoReply.data, {});
      assert.deepEqual(coatcheckReply.value, {});
      assert.equal(statSafe(file(forDjango)), false);
      assert.equal(statSafe(file(forCoatcheck)), false);
    });

    test('an expired file session replayed gets a new key and an empty-session file, as Django 3.2 answers', {
      todo:
        'mismatch: Django 3.2 load() deletes the expired file, then create()s a new key with an ' +
        'empty file (e30:…) and sets that cookie (Max-Age=1209600); coatcheck creates no record ' +
        'on load (store contract) and deletes the cookie (Max-Age=0)',
    }, async () => {
      const { django, directory, sessions, browser } = shared();
      const forDjango = expiredByDjango(django, browser());
      const djangoReply = django.call('session.request', {
        cookie: `sessionid=${forDjango}`,
      }) as DjangoVisit;
      const djangoSent = sentCookie([djangoReply.set_cookie ?? ''], 'sessionid');
      assert.ok(djangoSent !== undefined && !djangoSent.expired);
      assert.equal(djangoSent.maxAge, TWO_WEEKS);
      assert.deepEqual(readdirSync(directory), [`sessionid${djangoSent.value}`]);

      const forCoatcheck = expiredByDjango(django, browser());
      const before = new Set(readdirSync(directory));
      const coatcheckReply = await new Browser(sessions, forCoatcheck).session((session) =>
        session.toJSON(),
      );
      assert.deepEqual(coatcheckReply.value, djangoReply.data);
      assert.equal(coatcheckReply.sent?.expired, false, coatcheckReply.sent?.line);
      assert.equal(coatcheckReply.sent?.maxAge, TWO_WEEKS);
      const created = readdirSync(directory).filter((name) => !before.has(name));
      assert.deepEqual(created, [`sessionid${coatcheckReply.sent?.value}`]);
    });

    test('Django 3.2 cannot save a datetime expiry with the JSON serializer', () => {
      const { django } = shared();
      const [outcome] = runPeer(
        [
          {
            op: 'session.request',
            actions: [{ do: 'set_expiry', value: datetime('2030-01-01T00:00:00') }],
          },
        ],
        django.settings,
      );
      assert.ok(outcome !== undefined && 'error' in outcome);
      assert.equal(outcome.error, 'TypeError');
      assert.match(outcome.message, /not JSON serializable/);
    });

    test('Django 3.2 cannot read the ISO date expiry coatcheck writes for setExpiry(Date), as current Django can', async () => {
      const { django, browser } = shared();
      const b = browser();
      await b.session((session) => {
        session.set('x', 1);
        session.setExpiry(new Date(Date.now() + 3_600_000));
      });
      const [outcome] = runPeer([{ op: 'session.load', key: b.cookie }], django.settings);
      // 3.2 returns the string from get_expiry_age and compares it with 0.
      assert.ok(outcome !== undefined && 'error' in outcome, JSON.stringify(outcome));
      assert.equal(outcome.error, 'TypeError');
      const data = await b.data();
      assert.equal(data.x, 1);
      assert.equal(typeof data[EXPIRY_KEY], 'string');
    });

    test('with djangoVersion 3.2, setExpiry(Date) is refused and seconds work: Django 3.2 reads the session and its clearsessions runs', async () => {
      const { django, directory, browser } = shared('sessionid', { djangoVersion: '3.2' });
      const refused = await browser().session((session) => {
        session.set('x', 1);
        assert.throws(() => session.setExpiry(new Date(Date.now() + 3_600_000)), {
          name: 'TypeError',
          message: /Django 3\.2.*seconds/,
        });
        return session.has('_session_expiry');
      });
      assert.equal(refused.value, false);
      const live = browser();
      await live.session((session) => {
        session.set('x', 1);
        session.setExpiry(3600);
      });
      const expired = browser();
      await expired.session((session) => {
        session.set('x', 2);
        session.setExpiry(-3600);
      });
      const visit = django.visit(live);
      assert.equal(visit.status, 200);
      assert.equal(visit.expiry_age, 3600);
      assert.deepEqual(visit.data, { x: 1, _session_expiry: 3600 });
      const left = django.call('clearsessions') as string[];
      assert.ok(left.includes(`sessionid${live.cookie}`), 'the live session stays');
      assert.ok(!left.includes(`sessionid${expired.cookie}`), 'the expired one is cleared');
      assert.deepEqual(readdirSync(directory).sort(), [...left].sort());
    });
  });
});

/** Sets a file's mtime `seconds` into the past. */
function backdate(path: string, seconds: number): void {
  const when = (Date.now() - seconds * 1000) / 1000;
  utimesSync(path, when, when);
}

function statSafe(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
