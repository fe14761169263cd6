/**
 * `coatcheck/stores/file`: Django's file engine. One file per session, named `<cookie
 * name><key>` in one directory, holding Django's encoded session data, so a Django app
 * pointed at the same directory with the same `SECRET_KEY` shares the sessions.
 *
 * Writes go to a temporary file that is then renamed over the session file: a rename is
 * atomic on POSIX, so a crash mid-save leaves the old session or the new one, never half of
 * one.
 *
 * An expired file still exists (Django's `exists()` is `os.path.exists`) until a load or
 * `clearExpired` deletes it, so its key cannot be created again until then.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { accessSync, constants, type Dirent, statSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
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
import type { SessionStore, StoreContext, StoreRecord, StoreSaveOptions } from './store.ts';

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /** The directory that holds the session files. Django's `SESSION_FILE_PATH`. It must exist. */
  directory: string;
}

// Temporary files carry this marker; an underscore never occurs in a session key, so a
// half-written temporary file is never mistaken for a session.
const TEMP_MARKER = '_out_';
const STALE_TEMP_MS = 60 * 60 * 1000;
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
  #context: StoreContext | undefined;

  constructor(directory: string) {
    this.directory = directory;
  }

  open(context: StoreContext): void {
    this.#context = context;
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

  async #write(path: string, record: StoreRecord): Promise<void> {
    const temp = `${path}${TEMP_MARKER}${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(temp, this.#codec.encode(record.data, record.origin), {
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
    await this.#write(path, record);
  }

  async save(key: string, record: StoreRecord, options: StoreSaveOptions): Promise<void> {
    const path = this.#path(key);
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
    await this.#write(path, record);
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw unavailable('delete', path, error);
    }
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

  async clearExpired(): Promise<number> {
    const prefix = this.#settings.cookieName;
    let entries: Dirent[];
    try {
      entries = await readdir(this.directory, { withFileTypes: true });
    } catch (error) {
      throw unavailable('list', this.directory, error);
    }
    let removed = 0;
    for (const entry of entries) {
      const { name } = entry;
      // The directory may be shared (Django's default is the system temp directory): only
      // regular files under the prefix can be sessions.
      if (!entry.isFile() || !name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      if (rest.includes(TEMP_MARKER)) {
        await this.#removeStaleTemp(join(this.directory, name));
      } else if (SESSION_KEY.test(rest)) {
        // load() deletes an expired file as it finds it.
        const existed = await this.exists(rest);
        if (existed && (await this.load(rest)) === null) removed++;
      }
    }
    return removed;
  }

  // A temporary file outlives its save only when the process died mid-write.
  async #removeStaleTemp(path: string): Promise<void> {
    try {
      if (Date.now() - (await stat(path)).mtimeMs > STALE_TEMP_MS) await unlink(path);
    } catch {
      // Renamed or removed by its writer meanwhile: nothing left to clean.
    }
  }

  async close(): Promise<void> {}
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
