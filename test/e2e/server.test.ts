/**
 * `node demo/server.ts` as a user runs it: a child process that prints its address, answers
 * there, and stops cleanly on Ctrl-C; and one clear line, not a stack trace, when it cannot
 * start.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENGINES } from '../../demo/engines.ts';

const SERVER = fileURLToPath(new URL('../../demo/server.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'coatcheck-demo-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [SERVER, ...args], {
    env: { ...process.env, PORT: '0', COATCHECK_DEMO_DATA: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

const running = new Set<ChildProcess>();
after(() => {
  // A test that failed half-way must not leave its server running, or the run never ends.
  for (const child of running) child.kill('SIGKILL');
});

/** The address the demo printed, once its whole banner (which ends with "Ctrl-C to stop") is out. */
async function address(server: Run): Promise<string> {
  running.add(server.child);
  for (let waited = 0; waited < 20_000; waited += 50) {
    const match = /coatcheck demo on (http:\/\/\S+)/.exec(server.stdout());
    if (match?.[1] !== undefined && server.stdout().includes('Ctrl-C to stop')) return match[1];
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no address printed; stdout: ${server.stdout()} stderr: ${server.stderr()}`);
}

describe('node demo/server.ts', () => {
  test('prints its address, answers there, and exits 0 on SIGINT', async () => {
    const server = run(['--engine', 'memory'], { SECRET_KEY: '' });
    const url = await address(server);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(server.stdout(), /engine: memory/);
    assert.match(server.stdout(), /secret key: generated and saved to .*secret-key/);

    const home = await fetch(url);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Django's sessions and cookies, in Node\.js/);
    const visits = await fetch(`${url}/visits`);
    assert.match(visits.headers.getSetCookie().join('\n'), /^sessionid=/m);

    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0);
    assert.match(server.stdout(), /SIGINT: stopping the demo/);
    assert.equal(server.stderr(), '');
  });

  test('keeps the generated secret key across restarts, and stops on SIGTERM too', async () => {
    const server = run(['--engine', 'memory'], { SECRET_KEY: '' });
    await address(server);
    assert.match(
      server.stdout(),
      /secret key: read from .*secret-key, so sessions survive restarts/,
    );
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });

  test('an unknown engine is one line naming the choices, and exit 1', async () => {
    const server = run(['--engine', 'floppy']);
    assert.equal(await server.exited, 1);
    assert.match(
      server.stderr(),
      /^coatcheck demo: "floppy" is not an engine; choose one of .*memory/,
    );
    assert.equal(server.stderr().trim().split('\n').length, 1);
  });

  const servers = ['postgres', 'mysql'].filter((name) => ENGINES[name]?.available());
  for (const name of servers) {
    test(`an unreachable ${name} server is one line saying how to start it, and exit 1`, async () => {
      const server = run(['--engine', name], {
        POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/test',
        MYSQL_URL: 'mysql://root@127.0.0.1:1/test',
      });
      assert.equal(await server.exited, 1);
      const lines = server.stderr().trim().split('\n');
      assert.equal(lines.length, 1, server.stderr());
      assert.match(
        lines[0] ?? '',
        /^coatcheck demo: cannot reach \S+ at \S+:1\/test \(ECONNREFUSED\); start it with `sudo service \w+ start`/,
      );
    });
  }
});
