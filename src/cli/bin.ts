#!/usr/bin/env node
/**
 * The `coatcheck` executable: runs {@link main} with the process's arguments and streams.
 *
 * A file of its own, so that running the command never depends on telling "run" from
 * "imported" (`import.meta.main` arrived only in Node.js 22.18, and `engines` allows 22.13).
 *
 * @module
 */

import { main } from './main.ts';

// `coatcheck stats | head -1`: the reader has what it wanted and closed the pipe. Not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Node 22 warns that node:sqlite is experimental each time a command opens a database; the
// command's user can do nothing about it, and it would mix into every command's output.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (/SQLite is an experimental feature/.test(text)) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

process.exitCode = await main(process.argv.slice(2));
