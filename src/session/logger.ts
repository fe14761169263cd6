/**
 * Where coatcheck reports what it refused: tampered cookies, corrupted session data, failed
 * cache writes. Django logs these to `django.security.SuspiciousSession`; here the user may
 * pass any object with `warn` and `error`.
 *
 * @module
 */

/** Receives coatcheck's warnings. `console` fits; so do pino and winston loggers. */
export interface SessionLogger {
  /** Something from a client was refused (a bad signature, a malformed key). */
  warn(message: string): void;
  /** Something failed on our side and was worked around (a cache write, say). */
  error(message: string, cause?: unknown): void;
}

const MINUTE = 60_000;

/**
 * The default logger: `console.warn` and `console.error`, each at most once a minute, so a
 * client sending garbage cookies on every request cannot flood the log.
 */
export function rateLimitedConsoleLogger(intervalMs: number = MINUTE): SessionLogger {
  let lastWarn = Number.NEGATIVE_INFINITY;
  let lastError = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  const note = () => (suppressed > 0 ? ` (${suppressed} similar messages suppressed)` : '');
  return {
    warn(message) {
      const now = Date.now();
      if (now - lastWarn < intervalMs) {
        suppressed++;
        return;
      }
      lastWarn = now;
      console.warn(`coatcheck: ${message}${note()}`);
      suppressed = 0;
    },
    error(message, cause) {
      const now = Date.now();
      if (now - lastError < intervalMs) {
        suppressed++;
        return;
      }
      lastError = now;
      console.error(`coatcheck: ${message}${note()}`, cause ?? '');
      suppressed = 0;
    },
  };
}
