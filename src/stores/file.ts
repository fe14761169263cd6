/**
 * `coatcheck/stores/file`: Django's file engine. One file per session, named `<cookie
 * name><key>` in one directory, holding Django's encoded session data, so a Django app
 * pointed at the same directory with the same `SECRET_KEY` shares the sessions.
 *
 * Writes go to a temporary file that is then renamed over the session file: a rename is
 * atomic on POSIX, so a crash mid-save leaves the old session or the new one, never half of
 * one. Readers take no lock.
 *
 * Writers do: every write holds the session's lock file (`<cookie name><key>_lock`, see
 * `file-lock.ts`), and an update is a compare-and-save under it, so concurrent requests that
 * change different keys of one session all keep their change, in this process and across
 * processes sharing the directory. Django's own file engine writes without the lock, so a
 * Django process writing the same session at the same moment can still overwrite a change.
 *
 * Temporary files (`_out_`) left by a process killed mid-write, and abandoned lock files,
 * are removed when the store opens and by every `clearExpired` once they are a minute old.
 * Neither kind can be mistaken for a session, by this store or by Django's `clearsessions`:
 * their names hold an underscore, which no session key does.
 *
 * An expired file still exists (Django's `exists()` is `os.path.exists`) until a load or
 * `clearExpired` deletes it, so its key cannot be created again until then.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { accessSync, constants, type Dirent, statSync } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  CreateError,
  ImproperlyConfigured,
  StoreUnavailable,
  SuspiciousSession,
  UpdateError,
} from '../errors.ts';
import type { SessionCodec } from '../session/encoding.ts';
import { EXPIRY_KEY, expiryAge, expiryDate } from '../session/expiry.ts';
import { lockLeftover, removeIfAbandoned, SessionFileLocks } from './file-lock.ts';
import type {
  CompareAndSaveOutcome,
  SessionStore,
  StoreContext,
  StoreRecord,
  StoreSaveOptions,
} from './store.ts';

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /** The directory that holds the session files. Django's `SESSION_FILE_PATH`. It must exist. */
  directory: string;
}

// Temporary files carry this marker; an underscore never occurs in a session key, so a
// half-written temporary file is never mistaken for a session.
const TEMP_MARKER = '_out_';
// A write lives for milliseconds; a temporary file a minute old belongs to a dead writer.
const STALE_TEMP_MS = 60 * 1000;
// The lock file beside each session file; the underscore keeps it from reading as a session.
const LOCK_MARKER = '_lock';
// Owner only, as Django's files are (mkstemp creates them 0600): session data is signed, not
// encrypted, and other local users have no business reading it.
const FILE_MODE = 0o600;
const SESSION_KEY = /^[a-z0-9]+$/;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function unavailable(action: string, path: string, error: unknown): StoreUnavailable {
  return new StoreUnavailable(`coatcheck: file store could not ${action} ${path}`, {
    cause: error,
  });
}

class FileStore implements SessionStore {
  readonly kind = 'store';
  readonly name = 'file';
  readonly directory: string;
  readonly #locks = new SessionFileLocks();
  #context: StoreContext | undefined;

  constructor(directory: string) {
    this.directory = directory;
  }

  async open(context: StoreContext): Promise<void> {
    this.#context = context;
    // What a process killed mid-write left behind goes now, not at the next clearExpired.
    await this.#sweepLeftovers().catch(() => undefined);
  }

  get #settings(): StoreContext {
    if (this.#context === undefined) {
      throw new ImproperlyConfigured(
        'coatcheck: the file store is used before createSessions opened it',
      );
    }
    return this.#context;
  }

  get #codec(): SessionCodec {
    return this.#settings.djangoCodec;
  }

  #path(key: string): string {
    // The engine only passes well-formed keys; this guard keeps the directory closed to a
    // caller that does not (no "/", "\\" or ".." can pass). Django raises InvalidSessionKey, a
    // SuspiciousOperation, here.
    if (!SESSION_KEY.test(key)) {
      throw new SuspiciousSession(
        `coatcheck: invalid characters in session key ${JSON.stringify(key)}`,
      );
    }
    return join(this.directory, `${this.#settings.cookieName}${key}`);
  }

  // Django's expiry for files: the session's own expiry when it has one, otherwise the file's
  // modification time plus the cookie age. An integer expiry is returned as it is, so Django
  // never expires such a file on its own (only the cookie's Max-Age ends it); we match that.
  #expiry(data: StoreRecord['data'], modified: Date): { age: number; date: Date } {
    const { policy } = this.#settings;
    const custom = data[EXPIRY_KEY];
    const stored = custom ? custom : expiryDate(policy, null, modified);
    const now = new Date(Date.now());
    return { age: expiryAge(policy, stored, now), date: expiryDate(policy, stored, modified) };
  }

  async load(key: string): Promise<StoreRecord | null> {
    const path = this.#path(key);
    let text: string;
    let modified: Date;
    try {
      const handle = await open(path, 'r');
      try {
        modified = (await handle.stat()).mtime;
        text = await handle.readFile('latin1');
      } finally {
        await handle.close();
      }
    } catch (error) {
      // A directory under a session file's name is no session either (Django's load() treats
      // every OSError as "no session").
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'EISDIR') return null;
      throw unavailable('read', path, error);
    }
    // An empty file is the placeholder a concurrent create leaves before its first write.
    const { data, origin } =
      text === '' ? { data: {}, origin: undefined } : this.#codec.decodeWithOrigin(text);
    const expiry = this.#expiry(data, modified);
    if (expiry.age <= 0) {
      await this.delete(key);
      return null;
    }
    return { data, expiresAt: expiry.date, version: text, origin };
  }

  /** Writes Django's encoded `text` to `path` through a temporary file and a rename. */
  async #write(path: string, text: string): Promise<void> {
    const temp = `${path}${TEMP_MARKER}${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(temp, text, {
        encoding: 'latin1',
        flag: 'wx',
        mode: FILE_MODE,
      });
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw unavailable('write', path, error);
    }
  }

  /** Runs `action` holding the lock of the session file at `path`. */
  #locked<T>(path: string, action: () => Promise<T>): Promise<T> {
    return this.#locks.withLock(`${path}${LOCK_MARKER}`, action);
  }

  async create(key: string, record: StoreRecord): Promise<void> {
    const path = this.#path(key);
    try {
      // Claims the name atomically: O_EXCL fails when the file exists.
      await (await open(path, 'wx', FILE_MODE)).close();
    } catch (error) {
      if (errorCode(error) === 'EEXIST')
        throw new CreateError(`coatcheck: session file ${path} exists`);
      throw unavailable('create', path, error);
    }
    // Encoded before taking the lock, so the lock is held only for the file system's work.
    const text = this.#codec.encode(record.data, record.origin);
    await this.#locked(path, () => this.#write(path, text));
  }

  async save(key: string, record: StoreRecord, options: StoreSaveOptions): Promise<void> {
    const path = this.#path(key);
    const text = this.#codec.encode(record.data, record.origin);
    await this.#locked(path, async () => {
      if (options.mustExist) {
        try {
          await stat(path);
        } catch (error) {
          if (errorCode(error) === 'ENOENT') {
            throw new UpdateError('coatcheck: the session was deleted before it could be saved');
          }
          throw unavailable('read', path, error);
        }
      }
      await this.#write(path, text);
    });
  }

  async compareAndSave(
    key: string,
    record: StoreRecord,
    version: string,
  ): Promise<CompareAndSaveOutcome> {
    const path = this.#path(key);
    const text = this.#codec.encode(record.data, record.origin);
    return this.#locked(path, async () => {
      let current: string;
      try {
        current = await readFile(path, 'latin1');
      } catch (error) {
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EISDIR') return 'missing';
        throw unavailable('read', path, error);
      }
      // The version is the text load() read: any write since, by anyone, changed it.
      if (current !== version) return 'conflict';
      await this.#write(path, text);
      return 'saved';
    });
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    // Under the lock, so a save that compared before the delete cannot bring the file back.
    await this.#locked(path, async () => {
      try {
        await unlink(path);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw unavailable('delete', path, error);
      }
    });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.#path(key));
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw unavailable('read', this.#path(key), error);
    }
  }

  async #list(): Promise<{ name: string; rest: string }[]> {
    const prefix = this.#settings.cookieName;
    let entries: Dirent[];
    try {
      entries = await readdir(this.directory, { withFileTypes: true });
    } catch (error) {
      throw unavailable('list', this.directory, error);
    }
    // The directory may be shared (Django's default is the system temp directory): only
    // regular files under the prefix are ours.
    return entries
      .filter((entry) => entry.isFile() && entry.name.startsWith(prefix))
      .map(({ name }) => ({ name, rest: name.slice(prefix.length) }));
  }

  /** Whether `rest` (a file name after the prefix) is a leftover, which it then removes if stale. */
  async #sweepLeftover(name: string, rest: string): Promise<boolean> {
    const path = join(this.directory, name);
    if (rest.includes(TEMP_MARKER)) {
      await removeIfOlder(path, STALE_TEMP_MS);
      return true;
    }
    const lock = lockLeftover(rest, LOCK_MARKER);
    if (lock === 'lock') await removeIfAbandoned(path);
    else if (lock === 'broken') await removeIfOlder(path, STALE_TEMP_MS);
    return lock !== undefined;
  }

  async #sweepLeftovers(): Promise<void> {
    for (const { name, rest } of await this.#list()) await this.#sweepLeftover(name, rest);
  }

  async clearExpired(): Promise<number> {
    let removed = 0;
    for (const { name, rest } of await this.#list()) {
      if (await this.#sweepLeftover(name, rest)) continue;
      if (SESSION_KEY.test(rest)) {
        // load() deletes an expired file as it finds it.
        const existed = await this.exists(rest);
        if (existed && (await this.load(rest)) === null) removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {}
}

// A temporary file outlives its save only when the process died mid-write.
async function removeIfOlder(path: string, ms: number): Promise<void> {
  try {
    if (Date.now() - (await stat(path)).mtimeMs > ms) await unlink(path);
  } catch {
    // Renamed or removed by its writer meanwhile: nothing left to clean.
  }
}

/**
 * A store that keeps each session in its own file, as Django's file engine does.
 * Throws `ImproperlyConfigured` at once when the directory is missing or not writable.
 *
 * @example
 * const sessions = createSessions({ secretKey, engine: fileStore({ directory: '/var/lib/sessions' }) });
 */
export function fileStore(options: FileStoreOptions): SessionStore {
  const directory = resolve(options.directory);
  try {
    if (!statSync(directory).isDirectory()) throw new Error('not a directory');
    accessSync(directory, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new ImproperlyConfigured(
      `coatcheck: the session directory ${directory} does not exist or is not writable; ` +
        'create it and give this process read and write access',
      { cause: error },
    );
  }
  return new FileStore(directory);
}
