/**
 * The file store's per-session lock: an exclusive lock file beside the session file, so writers
 * in this process and in other processes (several Node workers on one directory) take turns at
 * a session's read-compare-write instead of overwriting each other's changes.
 *
 * The lock file is created with `O_EXCL`, which fails when it exists: only one writer can hold
 * it. It holds the owner's pid, host name and start time. A lock whose owner died is broken:
 * at once when the owner was a process on this host that no longer runs (a `kill -9`), and
 * after {@link STALE_LOCK_MS} otherwise (an owner on another host sharing the directory, or a
 * reused pid). A writer holds the lock for one read and one write of a session file, a few
 * milliseconds, so a lock that old is abandoned.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StoreUnavailable } from '../errors.ts';

/** A lock older than this is abandoned, whoever holds it. */
export const STALE_LOCK_MS = 10_000;
// Longer than the stale bound, so a writer waiting on a dead owner's lock breaks it rather
// than give up; past this, the store reports itself unavailable.
const LOCK_WAIT_MS = 15_000;
// What a broken lock is renamed to before it is removed (see breakStale).
const BROKEN_MARKER = '_broken_';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Whether the lock at `path` (as `seen`) is abandoned: its owner is a process of this host that
 * no longer runs, or it is older than {@link STALE_LOCK_MS}.
 */
async function isAbandoned(path: string, seen: Stats): Promise<boolean> {
  if (Date.now() - seen.mtimeMs > STALE_LOCK_MS) return true;
  let owner: string;
  try {
    owner = await readFile(path, 'utf8');
  } catch {
    return false; // released meanwhile: the next attempt to take it will tell
  }
  // Empty: its owner has created it and not yet written its name; it is alive.
  const [pid, host] = owner.split(' ');
  const number = Number(pid);
  return host === hostname() && Number.isSafeInteger(number) && number > 0 && !isRunning(number);
}

/**
 * Removes the abandoned lock `seen` at `path`. Renaming first makes the removal safe against a
 * writer that broke the same lock and took a fresh one meanwhile: only the file renamed away is
 * inspected, and a fresh lock taken by mistake is linked back in place.
 */
async function breakStale(path: string, seen: Stats): Promise<void> {
  const aside = `${path}${BROKEN_MARKER}${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else broke or released it
  }
  try {
    const moved = await stat(aside);
    if (moved.ino !== seen.ino || moved.mtimeMs !== seen.mtimeMs) {
      // A writer's fresh lock: give it back (EEXIST means a third writer has taken it since).
      await link(aside, path).catch(() => undefined);
    }
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

/** Whether `name` is a lock file or a broken lock's leftover (for the directory sweep). */
export function lockLeftover(name: string, marker: string): 'lock' | 'broken' | undefined {
  if (name.includes(`${marker}${BROKEN_MARKER}`)) return 'broken';
  return name.endsWith(marker) ? 'lock' : undefined;
}

/** Removes the lock at `path` when it is abandoned; for the directory sweep. */
export async function removeIfAbandoned(path: string): Promise<void> {
  let seen: Stats;
  try {
    seen = await stat(path);
  } catch {
    return;
  }
  if (await isAbandoned(path, seen)) await breakStale(path, seen);
}

/**
 * One lock per session file. Writers of this process queue up in memory (one file system
 * attempt at a time); the lock file orders them against other processes.
 */
export class SessionFileLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `action` holding the lock file at `path`; throws `StoreUnavailable` after waiting too long. */
  async withLock<T>(path: string, action: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(path) ?? Promise.resolve();
    let done = () => {};
    const turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    const tail = previous.then(() => turn);
    this.#tails.set(path, tail);
    await previous;
    try {
      const token = await acquire(path);
      try {
        return await action();
      } finally {
        await release(path, token);
      }
    } finally {
      done();
      if (this.#tails.get(path) === tail) this.#tails.delete(path);
    }
  }
}

async function acquire(path: string): Promise<string> {
  const token = `${process.pid} ${hostname()} ${Date.now()} ${randomBytes(6).toString('hex')}\n`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await writeFile(path, token, { flag: 'wx', mode: 0o600 });
      return token;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') {
        throw new StoreUnavailable(`coatcheck: file store could not lock ${path}`, {
          cause: error,
        });
      }
    }
    let seen: Stats | undefined;
    try {
      seen = await stat(path);
    } catch {
      continue; // released meanwhile: try again at once
    }
    if (await isAbandoned(path, seen)) {
      await breakStale(path, seen);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StoreUnavailable(
        `coatcheck: file store waited ${LOCK_WAIT_MS / 1000} s for the lock ${path}; ` +
          'another process holds it and is not releasing it',
      );
    }
    // Random, growing pauses keep many waiting processes from retrying in step.
    await pause(1 + Math.random() * Math.min(attempt, 20));
  }
}

async function release(path: string, token: string): Promise<void> {
  try {
    // Only our own lock: after a long stall it may have been broken and taken by another.
    if ((await readFile(path, 'utf8')) === token) await unlink(path);
  } catch {
    // Already gone (broken as stale): nothing to release.
  }
}
