/**
 * The deadlines of a store's commands in flight, all with the same timeout: one timer for all of
 * them instead of a `setTimeout` and a `clearTimeout` per command.
 *
 * Every command gets the same timeout, so the order commands start in is the order their
 * deadlines pass: the list is kept in that order, and its timer only ever needs to wake for the
 * first. A command that ends unlinks itself, and the timer is left alone: when it fires early
 * for a command that has ended since, it is armed again for the one that is now first.
 *
 * @module
 */

/** One command's deadline; {@link Deadline.end} when it settles, before acting on its outcome. */
export interface Deadline {
  /**
   * Ends the deadline. `true` when it had not passed: the command's own outcome stands.
   * `false` when it passed already: the command was failed for its timeout, and its late
   * outcome is to be dropped.
   */
  end(): boolean;
}

class Entry implements Deadline {
  readonly at: number;
  readonly onExpire: () => void;
  previous: Entry | undefined;
  next: Entry | undefined;
  // Still in the list: neither ended nor expired.
  live = true;
  readonly #list: Deadlines;

  constructor(list: Deadlines, at: number, onExpire: () => void) {
    this.#list = list;
    this.at = at;
    this.onExpire = onExpire;
  }

  end(): boolean {
    if (!this.live) return false;
    this.#list.unlink(this);
    return true;
  }
}

/** The deadlines of commands that all have `timeoutMs` to answer. */
export class Deadlines {
  readonly #timeoutMs: number;
  #head: Entry | undefined;
  #tail: Entry | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Starts a deadline: `onExpire` runs if it has not ended `timeoutMs` from now. */
  start(onExpire: () => void): Deadline {
    const entry = new Entry(this, performance.now() + this.#timeoutMs, onExpire);
    entry.previous = this.#tail;
    if (this.#tail === undefined) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
    return entry;
  }

  /** Takes an entry out of the list (it ended, or expired). */
  unlink(entry: Entry): void {
    const { previous, next } = entry;
    if (previous === undefined) this.#head = next;
    else previous.next = next;
    if (next === undefined) this.#tail = previous;
    else next.previous = previous;
    entry.previous = undefined;
    entry.next = undefined;
    entry.live = false;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(ms)));
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (let entry = this.#head; entry !== undefined && entry.at <= now; entry = this.#head) {
      this.unlink(entry);
      entry.onExpire();
    }
    if (this.#head !== undefined) this.#arm(this.#head.at - now);
  }
}
