/**
 * The file store: the shared contract, then Django's FileSessionTests and the file engine's
 * exact rules (django-spec §5.4): names, content, expiry from the mtime, the integer-expiry
 * quirk, clearsessions, temporary files and atomic writes.
 *
 * Expired files still exist until they are loaded or cleared, as in Django (`exists()` is
 * `os.path.exists`), so their keys cannot be created again until then.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ImproperlyConfigured, SuspiciousSession } from '../../src/errors.ts';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { DJANGO_SESSION_SALT } from '../../src/session/encoding.ts';
import { EXPIRY_KEY, toPythonIsoFormat } from '../../src/session/expiry.ts';
import { generateSessionKey } from '../../src/session/keys.ts';
import type { Settings } from '../../src/settings.ts';
import { loads } from '../../src/signing/dumps.ts';
import { fileStore } from '../../src/stores/file.ts';
import type { SessionStore, StoreContext } from '../../src/stores/store.ts';
import { SECRET_KEY as VECTOR_SECRET_KEY, vectors } from '../helpers/vectors.ts';
import { describeConcurrentWriters } from './concurrency.ts';
import {
  Browser,
  type CapturingLogger,
  capturingLogger,
  describeSessionContract,
  describeStoreContract,
  recordOf,
  SECRET,
  storeContext,
} from './contract.ts';

const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function tempDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'coatcheck-file-store-'));
  directories.push(directory);
  return directory;
}

describeStoreContract('file', () => fileStore({ directory: tempDirectory() }), {
  expiredRecordsExist: true,
  derivesDefaultExpiry: true,
});
describeSessionContract('file', () => fileStore({ directory: tempDirectory() }), {
  serverSide: true,
});
describe('file store under concurrent writers', () =>
  describeConcurrentWriters(() => fileStore({ directory: tempDirectory() }), 50));

/** A store opened with the settings the lifecycle would give it, over a new directory. */
async function openStore(settings: Partial<Settings> = {}): Promise<{
  store: SessionStore;
  directory: string;
  context: StoreContext;
  logger: CapturingLogger;
}> {
  const directory = tempDirectory();
  const store = fileStore({ directory });
  const logger = capturingLogger();
  const context = storeContext(settings, logger);
  await store.open?.(context);
  return { store, directory, context, logger };
}

function lifecycle(directory: string, settings: Partial<Settings> = {}) {
  return createSessions({
    secretKey: SECRET,
    engine: fileStore({ directory }),
    logger: capturingLogger(),
    ...settings,
  });
}

/** Sets a file's mtime (and atime) `seconds` into the past. */
function age(path: string, seconds: number): void {
  const when = (Date.now() - seconds * 1000) / 1000;
  utimesSync(path, when, when);
}

/** A deterministic text that compresses poorly: SHA-256 digests in base64url, end to end. */
function noise(length: number, seed = 1): string {
  let text = '';
  for (let counter = 0; text.length < length; counter++) {
    text += createHash('sha256').update(`${seed}:${counter}`).digest('base64url');
  }
  return text.slice(0, length);
}

describe('fileStore', () => {
  describe('configuration (test_configuration_check)', () => {
    test('a missing directory throws ImproperlyConfigured at construction, naming the path', () => {
      const missing = join(tempDirectory(), 'if', 'this', 'directory', 'exists');
      assert.throws(
        () => fileStore({ directory: missing }),
        (error: unknown) =>
          error instanceof ImproperlyConfigured && error.message.includes(missing),
      );
    });

    test('a path that is a file throws ImproperlyConfigured, naming the path', () => {
      const file = join(tempDirectory(), 'not-a-directory');
      writeFileSync(file, '');
      assert.throws(
        () => fileStore({ directory: file }),
        (error: unknown) => error instanceof ImproperlyConfigured && error.message.includes(file),
      );
    });

    test('a relative directory is resolved once, at construction', async () => {
      const directory = tempDirectory();
      const cwd = process.cwd();
      process.chdir(dirname(directory));
      let store: SessionStore;
      try {
        store = fileStore({ directory: directory.slice(dirname(directory).length + 1) });
      } finally {
        process.chdir(cwd);
      }
      await store.open?.(storeContext());
      const key = generateSessionKey();
      await store.create(key, recordOf({ a: 1 }));
      assert.ok(existsSync(join(directory, `sessionid${key}`)));
    });
  });

  describe('invalid keys never touch the filesystem (test_invalid_key_backslash, test_invalid_key_forwardslash)', () => {
    const INVALID = [
      'a/b/c',
      'a\\b\\c',
      '..',
      '/../outside',
      `${'a'.repeat(8)}_out_x`,
      'ABCDEFGH',
      '',
    ];

    for (const key of INVALID) {
      test(`${JSON.stringify(key)} is refused by every method, and no file appears`, async () => {
        const { store, directory } = await openStore();
        const before = readdirSync(dirname(directory)).length;
        const record = recordOf({ planted: true });
        await assert.rejects(async () => store.load(key), SuspiciousSession);
        await assert.rejects(store.exists(key), SuspiciousSession);
        await assert.rejects(async () => store.create(key, record), SuspiciousSession);
        await assert.rejects(
          async () => store.save(key, record, { mustExist: false }),
          SuspiciousSession,
        );
        await assert.rejects(store.delete(key), SuspiciousSession);
        assert.deepEqual(readdirSync(directory), []);
        assert.equal(readdirSync(dirname(directory)).length, before);
      });
    }

    test('a session file reachable by a traversing key is not read, written or deleted', async () => {
      const { store, directory, context } = await openStore();
      const encoded = context.djangoCodec.encode({ stolen: true });
      // `sessionid` + 'a/b/c' and `sessionid` + '/../outside' name these files.
      mkdirSync(join(directory, 'sessionida', 'b'), { recursive: true });
      const nested = join(directory, 'sessionida', 'b', 'c');
      const outside = join(directory, 'outside');
      writeFileSync(nested, encoded);
      writeFileSync(outside, encoded);
      for (const key of ['a/b/c', '/../outside']) {
        await assert.rejects(async () => store.load(key), SuspiciousSession);
        await assert.rejects(
          async () => store.save(key, recordOf({ x: 1 }), { mustExist: true }),
          SuspiciousSession,
        );
        await assert.rejects(store.delete(key), SuspiciousSession);
      }
      assert.equal(readFileSync(nested, 'latin1'), encoded);
      assert.equal(readFileSync(outside, 'latin1'), encoded);
    });

    test('cookies with such keys bring a fresh session, and saving it makes one new file', async () => {
      const directory = tempDirectory();
      const sessions = lifecycle(directory);
      for (const cookie of ['a/b/c', 'a\\b\\c', '..', '../../etc/passwd']) {
        const browser = new Browser(sessions, cookie);
        assert.deepEqual(await browser.data(), {});
        await browser.session((session) => session.set('x', 1));
        assert.ok(browser.cookie !== undefined && /^[a-z0-9]{32}$/.test(browser.cookie));
      }
      const names = readdirSync(directory);
      assert.equal(names.length, 4);
      for (const name of names) assert.match(name, /^sessionid[a-z0-9]{32}$/);
    });
  });

  describe('files', () => {
    test('are named <cookieName><key>, with no separator', async () => {
      const directory = tempDirectory();
      const browser = new Browser(lifecycle(directory));
      await browser.session((session) => session.set('x', 1));
      assert.deepEqual(readdirSync(directory), [`sessionid${browser.cookie}`]);
    });

    test('take a custom cookie name as their prefix', async () => {
      const directory = tempDirectory();
      const browser = new Browser(lifecycle(directory, { cookieName: 'custom_session' }));
      await browser.session((session) => session.set('x', 1));
      assert.deepEqual(readdirSync(directory), [`custom_session${browser.cookie}`]);
      // A store under the default name does not see them: renaming the cookie orphans them.
      const other = new Browser(lifecycle(directory), browser.cookie);
      assert.deepEqual(await other.data(), {});
    });

    test('hold exactly Django’s encoded session data, and nothing else', async () => {
      const directory = tempDirectory();
      const browser = new Browser(lifecycle(directory));
      const data = { 'a test key': 'a test value', n: 1.5, list: [1, 'é', null] };
      await browser.session((session) => session.update(data));
      const text = readFileSync(join(directory, `sessionid${browser.cookie}`), 'latin1');
      assert.match(text, /^\.?[A-Za-z0-9_-]+:[A-Za-z0-9]+:[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(loads(text, { key: SECRET, salt: DJANGO_SESSION_SALT }), data);
      assert.deepEqual(storeContext().djangoCodec.decode(text), data);
    });

    test('are compressed when that helps, as Django’s encode(compress=True)', async () => {
      const directory = tempDirectory();
      const browser = new Browser(lifecycle(directory));
      await browser.session((session) => session.set('text', 'abc'.repeat(500)));
      const text = readFileSync(join(directory, `sessionid${browser.cookie}`), 'latin1');
      assert.ok(text.startsWith('.'), text.slice(0, 20));
      assert.deepEqual(await browser.data(), { text: 'abc'.repeat(500) });
    });

    test('written by Django 5.2 (the recorded session_encode vectors) load with the same data', async () => {
      const { store, directory } = await openStore({ secretKey: VECTOR_SECRET_KEY });
      let checked = 0;
      for (const vector of vectors.session_encode.cases) {
        const key = generateSessionKey();
        writeFileSync(join(directory, `sessionid${key}`), vector.session_data);
        const loaded = await store.load(key);
        const expiry = vector.decode.ok[EXPIRY_KEY];
        if (typeof expiry === 'string' && Date.parse(expiry) < Date.now()) {
          // Recorded with the clock at 2023-11-14, so its own expiry has passed, as in Django.
          assert.equal(loaded, null, vector.session_data);
        } else {
          assert.deepEqual(loaded?.data, vector.decode.ok, vector.session_data);
          checked++;
        }
      }
      assert.ok(checked >= 10, `only ${checked} vectors loaded`);
    });

    test('are readable and writable by their owner only, as Django’s mkstemp makes them', async () => {
      const directory = tempDirectory();
      const browser = new Browser(lifecycle(directory));
      await browser.session((session) => session.set('x', 1));
      const path = join(directory, `sessionid${browser.cookie}`);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      await browser.session((session) => session.set('x', 2));
      assert.equal(statSync(path).mode & 0o777, 0o600);
    });

    test('an empty placeholder file loads as an empty session under its key, as in Django', async () => {
      const { store, directory } = await openStore();
      const key = generateSessionKey();
      writeFileSync(join(directory, `sessionid${key}`), '');
      assert.deepEqual((await store.load(key))?.data, {});
      assert.equal(await store.exists(key), true);
    });

    test('a file signed with another secret loads as an empty session and is reported', async () => {
      const { store, directory, logger } = await openStore();
      const other = storeContext({ secretKey: `${SECRET}-rotated` });
      const key = generateSessionKey();
      writeFileSync(join(directory, `sessionid${key}`), other.djangoCodec.encode({ a: 1 }));
      assert.deepEqual((await store.load(key))?.data, {});
      assert.ok(logger.warnings.includes('Session data corrupted'), logger.warnings.join('; '));
    });

    test('a file signed with a fallback secret loads', async () => {
      const { store, directory } = await openStore({ secretKeyFallbacks: [`${SECRET}-old`] });
      const old = storeContext({ secretKey: `${SECRET}-old` });
      const key = generateSessionKey();
      writeFileSync(join(directory, `sessionid${key}`), old.djangoCodec.encode({ a: 1 }));
      assert.deepEqual((await store.load(key))?.data, { a: 1 });
    });
  });

  describe('expiry (django-spec §5.4)', () => {
    const settings = { cookieAge: 3600 };

    test('without its own expiry a session lives cookieAge from the file’s mtime', async () => {
      const { store, directory } = await openStore(settings);
      const key = generateSessionKey();
      const path = join(directory, `sessionid${key}`);
      await store.create(key, recordOf({ a: 1 }, { cookieAge: 3600 }));
      age(path, 3590);
      const loaded = await store.load(key);
      assert.deepEqual(loaded?.data, { a: 1 });
      const expected = statSync(path).mtimeMs + 3600_000;
      assert.ok(Math.abs((loaded?.expiresAt.getTime() ?? 0) - expected) < 1000);
      age(path, 3610);
      assert.equal(await store.load(key), null);
      assert.equal(existsSync(path), false, 'the expired file is deleted when loaded');
    });

    test('a save moves the mtime, and so the expiry', async () => {
      const { store, directory } = await openStore(settings);
      const key = generateSessionKey();
      const path = join(directory, `sessionid${key}`);
      await store.create(key, recordOf({ a: 1 }, { cookieAge: 3600 }));
      age(path, 3500);
      await store.save(key, recordOf({ a: 2 }, { cookieAge: 3600 }), { mustExist: true });
      age(path, 0);
      assert.ok(Date.now() - statSync(path).mtimeMs < 5000);
      assert.deepEqual((await store.load(key))?.data, { a: 2 });
    });

    test('an integer _session_expiry is never expired by the file store (Django’s quirk)', async () => {
      const { store, directory } = await openStore(settings);
      const key = generateSessionKey();
      await store.create(key, { data: { [EXPIRY_KEY]: 300, a: 1 }, expiresAt: new Date() });
      age(join(directory, `sessionid${key}`), 10 * 86_400);
      assert.deepEqual((await store.load(key))?.data, { [EXPIRY_KEY]: 300, a: 1 });
      assert.equal(await store.clearExpired(), 0);
      assert.equal(await store.exists(key), true);
    });

    test('a negative integer _session_expiry is expired at once', async () => {
      const { store, directory } = await openStore(settings);
      const key = generateSessionKey();
      await store.create(key, { data: { [EXPIRY_KEY]: -1 }, expiresAt: new Date() });
      assert.equal(await store.load(key), null);
      assert.equal(existsSync(join(directory, `sessionid${key}`)), false);
    });

    test('a past ISO _session_expiry is expired, however fresh the file', async () => {
      const { store } = await openStore(settings);
      const key = generateSessionKey();
      const past = new Date(Date.now() - 2000);
      await store.create(key, {
        data: { [EXPIRY_KEY]: toPythonIsoFormat(past) },
        expiresAt: past,
      });
      assert.equal(await store.load(key), null);
    });

    test('a future ISO _session_expiry outlives an mtime older than cookieAge', async () => {
      const { store, directory } = await openStore(settings);
      const key = generateSessionKey();
      const future = new Date(Date.now() + 86_400_000);
      const data = { [EXPIRY_KEY]: toPythonIsoFormat(future) };
      await store.create(key, { data, expiresAt: future });
      age(join(directory, `sessionid${key}`), 2 * 86_400);
      const loaded = await store.load(key);
      assert.deepEqual(loaded?.data, data);
      assert.equal(loaded?.expiresAt.getTime(), future.getTime());
    });

    test('_session_expiry 0 (browser close) falls back to mtime + cookieAge', async () => {
      const { store, directory } = await openStore(settings);
      const key = generateSessionKey();
      await store.create(key, { data: { [EXPIRY_KEY]: 0 }, expiresAt: new Date() });
      const path = join(directory, `sessionid${key}`);
      age(path, 3000);
      assert.deepEqual((await store.load(key))?.data, { [EXPIRY_KEY]: 0 });
      age(path, 3700);
      assert.equal(await store.load(key), null);
    });
  });

  test('clearExpired removes what Django’s clearsessions removes (test_clearsessions_command)', async () => {
    // Django's test sets SESSION_COOKIE_AGE = 0 so that C, with no expiry, is already past;
    // coatcheck refuses a zero cookie age, so C's file is made old instead.
    const directory = tempDirectory();
    const sessions = lifecycle(directory, { cookieAge: 60 });
    const save = async (expiry: number | null) => {
      const browser = new Browser(sessions);
      const visit = await browser.session((session) => {
        session.set('foo', 'bar');
        if (expiry !== null) session.setExpiry(expiry);
      });
      return visit.sent?.value ?? '';
    };
    assert.deepEqual(readdirSync(directory), []);
    const a = await save(3600);
    const b = await save(-3600);
    const c = await save(null);
    age(join(directory, `sessionid${c}`), 120);
    assert.equal(readdirSync(directory).length, 3);
    assert.equal(await sessions.clearExpired(), 2);
    assert.deepEqual(readdirSync(directory), [`sessionid${a}`]);
    assert.notEqual(a, b);
  });

  test('clearExpired passes over what is not a session file, as Django’s does', async () => {
    const { store, directory } = await openStore({ cookieAge: 60 });
    const [live, expired] = [generateSessionKey(), generateSessionKey()];
    await store.create(live, recordOf({ live: true }, { cookieAge: 60 }));
    await store.create(expired, recordOf({ live: false }, { cookieAge: 60 }));
    age(join(directory, `sessionid${expired}`), 120);
    // SESSION_FILE_PATH defaults to the system temp directory in Django, shared with anything.
    mkdirSync(join(directory, 'sessionidabcdefgh'));
    writeFileSync(join(directory, 'sessionid'), 'x');
    writeFileSync(join(directory, 'sessionid.bak'), 'x');
    writeFileSync(join(directory, 'unrelated'), 'x');
    assert.equal(await store.clearExpired(), 1);
    assert.deepEqual(
      readdirSync(directory).sort(),
      ['sessionid', 'sessionid.bak', `sessionid${live}`, 'sessionidabcdefgh', 'unrelated'].sort(),
    );
    assert.equal(await store.load('abcdefgh'), null);
  });

  describe('temporary files', () => {
    test('a temporary _out_ file is never read as a session', async () => {
      const { store, directory, context } = await openStore();
      const key = generateSessionKey();
      const temp = `${key}_out_k2j3h4x9`;
      writeFileSync(join(directory, `sessionid${temp}`), context.djangoCodec.encode({ a: 1 }));
      assert.equal(await store.load(key), null);
      assert.equal(await store.exists(key), false);
      await assert.rejects(async () => store.load(temp), SuspiciousSession);
      const browser = new Browser(lifecycle(directory), temp);
      assert.deepEqual(await browser.data(), {});
    });

    test('clearExpired removes one older than a minute, keeps a fresh one, and counts neither', async () => {
      const { store, directory, context } = await openStore();
      const encoded = context.djangoCodec.encode({ a: 1 });
      const fresh = `sessionid${generateSessionKey()}_out_fresh123`;
      const stale = `sessionid${generateSessionKey()}_out_stale123`;
      writeFileSync(join(directory, fresh), encoded);
      writeFileSync(join(directory, stale), encoded);
      age(join(directory, fresh), 30);
      age(join(directory, stale), 61);
      assert.equal(await store.clearExpired(), 0);
      assert.deepEqual(readdirSync(directory), [fresh]);
    });

    test('opening the store removes temporary files older than a minute', async () => {
      const directory = tempDirectory();
      const fresh = `sessionid${generateSessionKey()}_out_fresh123`;
      const stale = `sessionid${generateSessionKey()}_out_stale123`;
      const foreign = `other${generateSessionKey()}_out_stale123`;
      for (const name of [fresh, stale, foreign]) writeFileSync(join(directory, name), 'x');
      age(join(directory, stale), 61);
      age(join(directory, foreign), 61);
      await fileStore({ directory }).open?.(storeContext());
      assert.deepEqual(readdirSync(directory).sort(), [foreign, fresh].sort());
    });

    test('a save leaves no temporary file behind', async () => {
      const { store, directory } = await openStore();
      const key = generateSessionKey();
      await store.create(key, recordOf({ a: 1 }));
      for (let i = 0; i < 5; i++) await store.save(key, recordOf({ i }), { mustExist: true });
      assert.deepEqual(readdirSync(directory), [`sessionid${key}`]);
    });
  });

  describe('the session lock', () => {
    /** The pid of a process that has exited. */
    async function deadPid(): Promise<number> {
      const child = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => child.on('exit', resolve));
      return child.pid ?? 0;
    }

    async function lockedSession(owner: string, ageSeconds = 0) {
      const opened = await openStore();
      const key = generateSessionKey();
      await opened.store.create(key, recordOf({ a: 1 }));
      const lock = join(opened.directory, `sessionid${key}_lock`);
      writeFileSync(lock, owner);
      if (ageSeconds > 0) age(lock, ageSeconds);
      return { ...opened, key, lock };
    }

    test('a lock left by a process of this host that has exited is broken at once', async () => {
      const { store, key, lock, directory } = await lockedSession(
        `${await deadPid()} ${hostname()} ${Date.now()} abc\n`,
      );
      const started = Date.now();
      await store.save(key, recordOf({ a: 2 }), { mustExist: true });
      assert.ok(Date.now() - started < 1000, 'the save waited for a dead owner');
      assert.deepEqual((await store.load(key))?.data, { a: 2 });
      assert.equal(existsSync(lock), false);
      assert.deepEqual(readdirSync(directory), [`sessionid${key}`]);
    });

    test('a lock older than ten seconds is broken, whoever holds it', async () => {
      const { store, key } = await lockedSession(`1 elsewhere.example ${Date.now()} abc\n`, 11);
      await store.delete(key);
      assert.equal(await store.exists(key), false);
    });

    test('a lock held by a live process makes writers wait for its release', async () => {
      const { store, key, lock } = await lockedSession(`${process.pid} ${hostname()} 1 abc\n`);
      const started = Date.now();
      setTimeout(() => rmSync(lock), 300);
      await store.save(key, recordOf({ a: 2 }), { mustExist: true });
      assert.ok(Date.now() - started >= 250, 'the save did not wait for the lock');
      assert.deepEqual((await store.load(key))?.data, { a: 2 });
    });

    test('clearExpired removes abandoned locks and keeps live ones, counting neither', async () => {
      const { store, directory } = await openStore();
      const dead = `sessionid${generateSessionKey()}_lock`;
      const old = `sessionid${generateSessionKey()}_lock`;
      const live = `sessionid${generateSessionKey()}_lock`;
      writeFileSync(join(directory, dead), `${await deadPid()} ${hostname()} 1 abc\n`);
      writeFileSync(join(directory, old), `1 elsewhere.example 1 abc\n`);
      age(join(directory, old), 11);
      writeFileSync(join(directory, live), `${process.pid} ${hostname()} 1 abc\n`);
      assert.equal(await store.clearExpired(), 0);
      assert.deepEqual(readdirSync(directory), [live]);
    });
  });

  describe('atomic writes', () => {
    test('a reader running concurrently with many writers never sees a torn or empty decode', async () => {
      const { store } = await openStore();
      const key = generateSessionKey();
      const payload = noise(1_000_000);
      await store.create(key, recordOf({ n: 0, payload }));
      let writing = true;
      const writers = Promise.all(
        Array.from({ length: 4 }, async (_, writer) => {
          for (let n = 1; n <= 15; n++) {
            await store.save(key, recordOf({ n, writer, payload }), { mustExist: true });
          }
        }),
      ).finally(() => {
        writing = false;
      });
      const readers = Array.from({ length: 3 }, async () => {
        let reads = 0;
        for (let i = 0; i < 500 && (writing || reads === 0); i++) {
          const loaded = await store.load(key);
          assert.ok(loaded !== null, 'the session vanished mid-write');
          assert.equal(typeof loaded.data.n, 'number', 'a torn or empty file was decoded');
          assert.equal(loaded.data.payload, payload);
          reads++;
        }
        return reads;
      });
      // Every reader and writer settles before the verdict, so none outlives the test.
      const [written, ...read] = await Promise.allSettled([writers, ...readers]);
      for (const outcome of [written, ...read]) {
        if (outcome?.status === 'rejected') throw outcome.reason;
      }
      const reads = read.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 0));
      assert.ok(
        reads.every((count) => count > 0),
        `reads: ${reads.join(', ')}`,
      );
      assert.equal((await store.load(key))?.data.payload, payload);
    });

    test('a writer killed mid-save leaves the previous session intact and loadable', async () => {
      const { store, directory } = await openStore();
      const key = generateSessionKey();
      await store.create(key, recordOf({ version: 'before' }));
      const payload = noise(4_000_000, 7);
      let leftovers = 0;
      for (let attempt = 0; attempt < 3 && leftovers === 0; attempt++) {
        await killWriterMidSave(directory, key, payload);
        const loaded = await store.load(key);
        assert.ok(loaded !== null, 'the session was lost');
        if (loaded.data.version === 'before') {
          assert.deepEqual(loaded.data, { version: 'before' });
        } else {
          assert.equal(loaded.data.version, 'child');
          assert.equal(loaded.data.payload, payload, 'a torn write was loaded');
        }
        leftovers = readdirSync(directory).filter((name) => name.includes('_out_')).length;
      }
      // The kill landed mid-save: a temporary file was left, and it is no session.
      assert.ok(leftovers > 0, 'no save was in flight when the writer was killed');
      const names = readdirSync(directory);
      for (const name of names.filter((n) => n.includes('_out_'))) age(join(directory, name), 7200);
      assert.equal(await store.clearExpired(), 0);
      assert.deepEqual(readdirSync(directory), [`sessionid${key}`]);
    });
  });
});

const FILE_STORE = new URL('../../src/stores/file.ts', import.meta.url).href;
const ENCODING = new URL('../../src/session/encoding.ts', import.meta.url).href;
const LIFECYCLE = new URL('../../src/middleware/lifecycle.ts', import.meta.url).href;

describe('file store writers in several processes', () => {
  test('two processes, 25 requests each on one session, each setting its own key: all 50 keep their change', async () => {
    const directory = tempDirectory();
    const sessions = lifecycle(directory);
    const first = sessions.begin(undefined);
    (await first.session()).set('shared', 'start');
    const cookie = (await first.finish({ status: 200 })).setCookie[0]?.split(';')[0] ?? '';
    await writeFromProcesses(directory, cookie, [0, 25], 25);
    const data = (await sessions.begin(cookie).session()).toJSON();
    for (let i = 0; i < 50; i++) assert.equal(data[`writer${i}`], i, `writer${i} lost`);
    assert.equal(data.shared, 'start');
    assert.deepEqual(readdirSync(directory), [`sessionid${cookie.split('=')[1]}`]);
  });
});

/**
 * Runs one child process per entry of `offsets`; each loads `count` requests on the session in
 * `cookie`, waits until every process has loaded, then has each request set its own key
 * (`writer<offset + i>`) and save, all at once.
 */
async function writeFromProcesses(
  directory: string,
  cookie: string,
  offsets: number[],
  count: number,
): Promise<void> {
  const code = `
    import { createSessions } from ${JSON.stringify(LIFECYCLE)};
    import { fileStore } from ${JSON.stringify(FILE_STORE)};
    const [directory, cookie, secret, offset, count] = process.argv.slice(1);
    const sessions = createSessions({
      secretKey: secret,
      engine: fileStore({ directory }),
      logger: { warn() {}, error() {} },
    });
    const contexts = Array.from({ length: Number(count) }, () => sessions.begin(cookie));
    const loaded = await Promise.all(contexts.map((ctx) => ctx.session()));
    for (const [i, session] of loaded.entries()) session.set('writer' + (Number(offset) + i), Number(offset) + i);
    process.stdout.write('loaded\\n');
    for await (const _ of process.stdin) break;
    await Promise.all(contexts.map((ctx) => ctx.finish({ status: 200 })));
    process.stdout.write('saved\\n');
    process.exit(0);
  `;
  const children = offsets.map((offset) =>
    spawn(
      process.execPath,
      ['--input-type=module', '-e', code, directory, cookie, SECRET, String(offset), String(count)],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    ),
  );
  const said = (child: (typeof children)[number], word: string) =>
    new Promise<void>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes(word)) resolve();
      });
      child.on('exit', (exitCode) =>
        reject(new Error(`a writer exited (${exitCode}) before "${word}"`)),
      );
    });
  const saved = Promise.all(children.map((child) => said(child, 'saved')));
  saved.catch(() => undefined); // reported below, unless loading failed first
  try {
    await Promise.all(children.map((child) => said(child, 'loaded')));
    for (const child of children) child.stdin.write('go\n');
    await saved;
  } finally {
    for (const child of children) child.kill();
  }
}

/**
 * Runs a child Node process that saves a huge session under `key` over and over, several saves
 * in flight at once, and SIGKILLs it once it has been writing for a while.
 */
async function killWriterMidSave(directory: string, key: string, payload: string): Promise<void> {
  const code = `
    import { fileStore } from ${JSON.stringify(FILE_STORE)};
    import { djangoSessionCodec } from ${JSON.stringify(ENCODING)};
    const [directory, key, secret] = process.argv.slice(1);
    const logger = { warn() {}, error() {} };
    const store = fileStore({ directory });
    store.open({
      djangoCodec: djangoSessionCodec({ secretKey: secret, logger }),
      cookieName: 'sessionid',
      policy: { cookieAge: 1209600, expireAtBrowserClose: false },
      logger,
    });
    let payload = '';
    process.stdin.setEncoding('latin1');
    for await (const chunk of process.stdin) payload += chunk;
    const record = { data: { version: 'child', payload }, expiresAt: new Date(Date.now() + 1e9) };
    let saves = 0;
    const writer = async () => {
      for (;;) {
        await store.save(key, record, { mustExist: true });
        if (++saves === 4) process.stdout.write('saving\\n');
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
  `;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', code, directory, key, SECRET],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  child.stdin.end(payload, 'latin1');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve());
    child.on('exit', (exitCode) => reject(new Error(`the writer exited early (${exitCode})`)));
  });
  // Writes take turns under the session's lock, so most of the time is spent encoding: wait
  // until a temporary file is on disk, which is a write in flight, and kill the writer then.
  const until = Date.now() + 5000;
  while (Date.now() < until && !readdirSync(directory).some((name) => name.includes('_out_'))) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}
