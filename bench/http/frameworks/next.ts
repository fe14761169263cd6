/**
 * Visit counters on Next.js: route handlers in bench/http/next-app/ (none, coatcheck/next's,
 * iron-session's), built once per bench run and served as `next start` serves them, by Next's
 * request handler on node:http.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = fileURLToPath(new URL('../next-app/', import.meta.url));

let built: Promise<void> | undefined;

/** `next build` of the app, once per process however many contenders ask. */
export function build(): Promise<void> {
  built ??= new Promise((resolve, reject) => {
    const nextBin = `${root}node_modules/next/dist/bin/next`;
    const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
    const child = spawn(process.execPath, [nextBin, 'build', dir], { cwd: root, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`next build exited ${code}:\n${output}`)),
    );
  });
  return built;
}

/** The built app on node:http; each contender is one of its paths. */
export async function server(): Promise<Server> {
  // As `next start` sets it, before Next is loaded: Next reads it to choose its runtime.
  Object.assign(process.env, { NODE_ENV: 'production' }); // Next's types make it read-only
  const Next = await import('next');
  // Node gives a CommonJS module's `module.exports` (Next's `createServer`) as its default
  // export; Next's types, read as ESM, describe it one `default` deeper.
  const next = Next.default as unknown as typeof Next.default.default;
  const app = next({ dev: false, dir, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  return createServer((req, res) => void handle(req, res));
}
