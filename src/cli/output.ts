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

/**
 * `text` made safe for a terminal: every control character but the newline and the tab is
 * written as an escape (`\x1b`), so a session key or stored data cannot move the cursor,
 * recolour the screen or retitle the window.
 */
export function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    const control =
      (code < 0x20 && char !== '\n' && char !== '\t') || (code >= 0x7f && code < 0xa0);
    out += control ? `\\x${code.toString(16).padStart(2, '0')}` : char;
  }
  return out;
}

/** Every spelling of `secret` that could reach a message: as given, URL-encoded and decoded. */
function spellings(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  try {
    forms.add(decodeURIComponent(secret));
  } catch {
    // Not valid percent-encoding: it can only appear as given.
  }
  return [...forms].filter((form) => form !== '').sort((a, b) => b.length - a.length);
}

/**
 * `output` with every line passed through {@link printable}, and every occurrence of a secret
 * (a database password, the secret key) replaced by `***`: whatever a driver puts in its error
 * messages, no password reaches the screen or a log.
 */
export function guardedOutput(output: Output, secrets: readonly string[]): Output {
  const forms = secrets.flatMap(spellings);
  const clean = (line: string) => {
    let text = line;
    for (const form of forms) text = text.replaceAll(form, '***');
    return printable(text);
  };
  const { progress } = output;
  return {
    out: (line) => output.out(clean(line)),
    err: (line) => output.err(clean(line)),
    progress: progress === undefined ? undefined : (line) => progress(clean(line)),
  };
}
