/**
 * The shared scenarios through coatcheck/next. The app (test/adapters/next-app/) is one route
 * handler that Next builds, with coatcheck/next compiled from src/; this process serves it with
 * Next's own request handler (`next({ dev: false })`, as `next start` does), so the route can
 * take each mount's sessions and the scenario routes from the test (next-app/mounts.ts). The
 * build is kept between runs while the app, src/ and Next are unchanged.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Next from 'next';
import { listen } from '../helpers/fetch-server.ts';
import { MOUNT_HEADER, mounts } from './next-app/mounts.ts';
import { describeAdapter, routes } from './scenarios.ts';

// Node gives a CommonJS module's `module.exports` (Next's `createServer`) as its default export;
// Next's types, read as ESM, describe it one `default` deeper.
const next = Next.default as unknown as typeof Next.default.default;

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'test/adapters/next-app');
const distDir = join(dir, '.next-test');
const stampFile = join(distDir, 'coatcheck-sources.sha256');

/** Every file that goes into the build, as paths from the repository's root. */
function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.startsWith(distDir))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((path) => !path.endsWith('next-env.d.ts'))
    .sort();
}

function sourcesHash(): string {
  const hash = createHash('sha256').update(
    readFileSync(join(root, 'node_modules/next/package.json')),
  );
  for (const path of [...sources(dir), ...sources(join(root, 'src'))]) {
    hash.update(path).update(readFileSync(join(root, path)));
  }
  return hash.digest('hex');
}

/** `next build`, unless the last build was of the same sources. */
async function build(): Promise<void> {
  const hash = sourcesHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return;
  rmSync(distDir, { recursive: true, force: true });
  const nextBin = join(root, 'node_modules/next/dist/bin/next');
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const child = spawn(process.execPath, [nextBin, 'build', dir], { cwd: root, env });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`next build exited ${code}:\n${output}`);
  writeFileSync(stampFile, hash);
}

let handler: Promise<ReturnType<ReturnType<typeof next>['getRequestHandler']>> | undefined;

/** Next's request handler for the built app, made once for every mount. */
function nextHandler() {
  handler ??= (async () => {
    await build();
    const app = next({ dev: false, dir, quiet: true });
    await app.prepare();
    return app.getRequestHandler();
  })();
  return handler;
}

describeAdapter(
  'next',
  async (sessions) => {
    const handle = await nextHandler();
    const id = randomUUID();
    mounts().set(id, { sessions, routes });
    const served = await listen(
      createServer((req, res) => {
        req.headers[MOUNT_HEADER] = id;
        void handle(req, res);
      }),
    );
    return {
      url: served.url,
      close: async () => {
        mounts().delete(id);
        await served.close();
      },
    };
  },
  { cookieLines: 'next', storeDownStatus: 500, addsVaryTokens: true },
);
