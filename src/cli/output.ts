/**
 * Where the CLI writes, so tests can capture it and commands can tell a terminal from a pipe.
 *
 * @module
 */

/** The CLI's output streams. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current terminal line (progress bars); absent when output is not a terminal. */
  progress?: ((line: string) => void) | undefined;
}

/** The process's own streams; progress only when stdout is a terminal. */
export function processOutput(): Output {
  const tty = process.stdout.isTTY === true;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: tty ? (line) => process.stdout.write(`\r\x1b[2K${line}`) : undefined,
  };
}
