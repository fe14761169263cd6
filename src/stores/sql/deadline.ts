/**
 * A time bound on every statement a server database runs, and the rule that a connection which
 * failed or went quiet is never used again. Shared by `postgres.ts` and `mysql.ts`.
 *
 * A path to the database can go silent (a failover, a firewall that forgot the flow): bytes
 * vanish and nothing is reset, so a driver without a timeout waits forever, and a pool fills
 * with connections that will never answer, even after the path heals. Here each statement,
 * waiting for a connection included, ends within the store's `timeout`; a connection whose
 * statement timed out or failed for any reason but a plain SQL one (a taken key) is destroyed,
 * not handed back; and after a timeout, connections that sat idle since before it are destroyed
 * when next checked out instead of being trusted, since they crossed the same silent path.
 *
 * @module
 */

/** A connection checked out for one statement. */
export interface Lease<Connection> {
  readonly connection: Connection;
  /** The same object for the same underlying connection at every checkout. */
  readonly identity: object;
  /** Whether it came from a pool that replaces what is destroyed (not the app's one client). */
  readonly pooled: boolean;
  /** Hands it back to the pool, sound. */
  release(): void;
  /** Closes it and takes it out of the pool. */
  destroy(): void;
}

/** The error a statement that outlived the timeout fails with (the cause of a 503). */
function timeoutError(database: string, timeout: number): Error {
  return new Error(
    `no answer from ${database} within ${timeout} ms (the store's timeout option); ` +
      'the connection was closed and will be replaced',
  );
}

/** Runs statements under a deadline, deciding which connections may be used again. */
export class StatementDeadline {
  readonly #timeout: number;
  readonly #database: string;
  /** When, on `performance.now()`'s clock, a statement last timed out. */
  #lastTimeout = Number.NEGATIVE_INFINITY;
  /** When each connection last answered. */
  readonly #lastAnswer = new WeakMap<object, number>();

  constructor(timeout: number, database: string) {
    this.#timeout = timeout;
    this.#database = database;
  }

  /**
   * Checks a connection out with `acquire`, runs `use` on it and hands it back; rejects after
   * the timeout whatever the driver does. `sound(error)` says whether a failed statement left
   * its connection fit for reuse.
   */
  run<Connection, T>(
    acquire: () => Promise<Lease<Connection>>,
    use: (connection: Connection) => Promise<T>,
    sound: (error: unknown) => boolean,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let current: Lease<Connection> | undefined;
      const timer = setTimeout(() => {
        settled = true;
        this.#lastTimeout = performance.now();
        // It may never answer again: close it, so no later request waits on it.
        current?.destroy();
        reject(timeoutError(this.#database, this.#timeout));
      }, this.#timeout);
      const settle = () => {
        settled = true;
        clearTimeout(timer);
      };
      const attempt = async () => {
        for (;;) {
          const lease = await acquire();
          if (settled) {
            lease.release(); // came after the deadline, unused and sound
            return;
          }
          const answered = this.#lastAnswer.get(lease.identity);
          if (lease.pooled && answered !== undefined && answered < this.#lastTimeout) {
            // Idle since a statement went unanswered: likely as silent. Try another, or a new one.
            lease.destroy();
            continue;
          }
          current = lease;
          let value: T;
          try {
            value = await use(lease.connection);
          } catch (error) {
            if (settled) return; // already destroyed and answered by the timer
            settle();
            if (sound(error)) {
              this.#lastAnswer.set(lease.identity, performance.now());
              lease.release();
            } else {
              lease.destroy();
            }
            reject(error);
            return;
          }
          if (settled) return;
          settle();
          this.#lastAnswer.set(lease.identity, performance.now());
          lease.release();
          resolve(value);
          return;
        }
      };
      attempt().catch((error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      });
    });
  }
}

/** Checks a store's `timeout` option: a positive whole number of milliseconds. */
export function checkTimeout(value: unknown, store: string): number {
  if (value === undefined) return DEFAULT_TIMEOUT;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(
      `coatcheck: ${store} timeout must be a positive whole number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

/** How long a statement may take, waiting for a connection included, by default. */
export const DEFAULT_TIMEOUT = 5000;
