/**
 * The `coatcheck` command, run as a user runs it: the built bin (`npm run build` first), through
 * a symlink as npm installs it, in a child process of the Node.js running the tests (`npm test`
 * runs them on Node 24 and on Node 22.13, the oldest `engines` allows), against real databases.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSessions } from '../../src/middleware/lifecycle.ts';
import { sqliteStore } from '../../src/stores/sql/sqlite.ts';
import {
  assertReachable,
  POSTGRES_URL,
  postgresSchema,
  skipWithoutPostgres,
} from '../helpers/databases.ts';

const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
const SECRET = 'cli-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';

/** Whether `text` holds a control character other than a newline or a tab. */
function hasControl(text: string): boolean {
  return [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\n' && c !== '\t') || (code >= 0x7f && code < 0xa0);
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, SECRET_KEY: '', ...env }, cwd },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

const directory = mkdtempSync(join(tmpdir(), 'coatcheck-cli-'));
after(() => rmSync(directory, { recursive: true, force: true }));

// npm links a package's bin into node_modules/.bin through a symlink.
assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build first`);
const CLI = join(directory, 'coatcheck');
symlinkSync(BIN, CLI);

/** Saves sessions through the library, as an application would, with a pinned clock. */
async function seed(path: string, sessions: { data: Record<string, unknown>; expiry: number }[]) {
  const app = createSessions({ secretKey: SECRET, engine: sqliteStore({ path }) });
  const keys: string[] = [];
  for (const { data, expiry } of sessions) {
    const ctx = app.begin(undefined);
    const session = await ctx.session();
    session.update(data);
    session.setExpiry(expiry);
    await ctx.finish({ status: 200 });
    keys.push(session.sessionKey ?? '');
  }
  await app.close();
  return keys;
}

describe('coatcheck on SQLite', () => {
  const path = join(directory, 'sessions.sqlite3');
  const database = `sqlite:${path}`;
  let keys: string[] = [];

  before(async () => {
    keys = await seed(path, [
      { data: { user: 'alice', cart: [1, 2], id: 2n ** 64n }, expiry: 3600 },
      { data: { user: 'bob' }, expiry: -3600 },
      { data: { user: 'carol' }, expiry: -60 },
    ]);
  });

  test('migrate leaves an existing table as it is', async () => {
    const result = await run(['migrate', '--database', database]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Table django_session already exists/);
  });

  test('migrate creates a missing table', async () => {
    const result = await run(['migrate', '--database', `sqlite:${join(directory, 'new.sqlite3')}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Created table django_session/);
  });

  test('stats counts sessions and expired ones', async () => {
    const result = await run(['stats', '--database', database, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const stats = JSON.parse(result.stdout);
    assert.equal(stats.total, 3);
    assert.equal(stats.expired, 2);
    assert.ok(stats.dataLength.min > 0 && stats.dataLength.max >= stats.dataLength.min);
  });

  test('inspect decodes a session with the secret from SECRET_KEY', async () => {
    const result = await run(['inspect', keys[0] ?? '', '--database', database], {
      SECRET_KEY: SECRET,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /"user": "alice"/);
    assert.match(result.stdout, /"id": 18446744073709551616/, 'a big int, digit for digit');
    assert.match(result.stdout, /expires {2}\d{4}-\d\d-\d\dT.*\(in \d+ s\)/);
  });

  test('inspect without a secret shows the stored text and says how to decode it', async () => {
    const result = await run(['inspect', keys[0] ?? '', '--database', database]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /pass --secret or set SECRET_KEY/);
  });

  test('inspect with the wrong secret says so and exits 1', async () => {
    const result = await run([
      'inspect',
      keys[0] ?? '',
      '--database',
      database,
      '--secret',
      'wrong',
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /does not verify with this secret key/);
  });

  test('inspect of an unknown key exits 1', async () => {
    const result = await run(['inspect', 'x'.repeat(32), '--database', database]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No session with key/);
  });

  test('clearsessions deletes the expired sessions only, and prints a plain count off a terminal', async () => {
    const result = await run(['clearsessions', '--database', database, '--batch-size', '1']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'Deleted 2 expired sessions.\n');
    const stats = JSON.parse((await run(['stats', '--database', database, '--json'])).stdout);
    assert.deepEqual([stats.total, stats.expired], [1, 0]);
  });

  test('a missing table is an error that says to migrate', async () => {
    const result = await run(['stats', '--database', `sqlite:${join(directory, 'empty.sqlite3')}`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /coatcheck migrate/);
  });

  test('reads the store from coatcheck.config.mjs', async () => {
    const project = mkdtempSync(join(directory, 'project-'));
    // The built module, as an installed package's config file imports it.
    const store = new URL('../../dist/stores/sql/sqlite.js', import.meta.url).href;
    writeFileSync(
      join(project, 'coatcheck.config.mjs'),
      `import { sqliteStore } from ${JSON.stringify(store)};\n` +
        `export default { secretKey: ${JSON.stringify(SECRET)}, engine: sqliteStore({ path: ${JSON.stringify(path)} }) };\n`,
    );
    const result = await run(['inspect', keys[0] ?? ''], {}, project);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /"user": "alice"/);
  });
});

describe('coatcheck usage', () => {
  test('--help prints the commands and exits 0', async () => {
    const result = await run(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /migrate.*\n.*clearsessions.*\n.*inspect KEY.*\n.*stats/);
  });

  test('each command has its own --help', async () => {
    for (const command of ['migrate', 'clearsessions', 'inspect', 'stats']) {
      const result = await run([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: coatcheck ${command}`));
    }
  });

  test('a wrong command line exits 2 with the usage', async () => {
    for (const args of [
      [],
      ['bogus'],
      ['stats', '--nope'],
      ['inspect'],
      ['stats', '--database', 'redis://x'],
      ['clearsessions', '--batch-size', '0'],
    ]) {
      const result = await run(args, {}, directory);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /Usage: coatcheck/);
    }
  });

  test('an unreachable database exits 1 with the reason', async () => {
    const result = await run(['stats', '--database', 'postgres://postgres@127.0.0.1:1/test']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ECONNREFUSED/);
  });

  test('a password in the URL never reaches the output', async () => {
    for (const [url, password] of [
      ['postgres://postgres:hunter2@127.0.0.1:1/test', /hunter2/],
      ['postgresql+psycopg://app:hunter2@127.0.0.1:1/db', /hunter2/],
      ['postgres://app:p@ss@word@127.0.0.1:1/db', /p@ss|ss@word|word@/],
      ['postgres://app:p%40ss%2Fword@127.0.0.1:1/db', /p%40ss|ss%2Fword|p@ss|ss\/word/],
      ['mysql://app:hunter2@127.0.0.1:1/db', /hunter2/],
      ['redis://app:hunter2@127.0.0.1:1/db', /hunter2/],
      ['postgres://app:hunter2@127.0.0.1:1/db?sslmode=bogus', /hunter2/],
    ] as const) {
      for (const command of ['stats', 'migrate', 'clearsessions']) {
        const result = await run([command, '--database', url]);
        assert.notEqual(result.code, 0, url);
        assert.doesNotMatch(result.stdout + result.stderr, password, `${command} ${url}`);
      }
    }
  });

  test('the secret key never reaches the output', async () => {
    const result = await run([
      'inspect',
      'x'.repeat(32),
      '--database',
      'sqlite:',
      '--secret',
      'tops3cret-value',
    ]);
    assert.doesNotMatch(result.stdout + result.stderr, /tops3cret/);
  });

  test('a command line the CLI cannot use exits 2 with one line saying why, never a stack trace', async () => {
    for (const args of [
      ['stats', '--database', 'sqlite:'],
      ['stats', '--database', 'sqlite://'],
      ['stats', '--database', 'sqlite://relative.db'],
      ['stats', '--database', `sqlite:${join(directory, 'x.sqlite3')}`, '--table', 'x; DROP'],
      ['stats', '--database', 'postgres://u@127.0.0.1:1/db', '--table', 'a.b.c'],
      ['stats', '--database', 'postgres://u:hunter2@[bad/db'],
      ['stats', '--database', 'mysql://u@127.0.0.1:99999/db'],
    ]) {
      const result = await run(args, {}, directory);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^coatcheck: [^\n]+\n/, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /, args.join(' '));
      assert.doesNotMatch(result.stderr, /hunter2/, args.join(' '));
    }
  });

  test('output cut short by a closed pipe ends quietly', async () => {
    const script = `"${process.execPath}" "${CLI}" --help | true; echo "\${PIPESTATUS[0]}"`;
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile('/bin/bash', ['-c', script], (_error, stdout, stderr) =>
        resolve({ stdout, stderr }),
      );
    });
    assert.equal(
      result.stderr.replace(/.*ExperimentalWarning.*\n|.*--trace-warnings.*\n/g, ''),
      '',
    );
    assert.equal(result.stdout, '0\n');
  });

  test('control characters from the command line or the store are escaped, never sent to the terminal', async () => {
    const result = await run([
      'inspect',
      '\x1b]0;pwned\x07\x1b[31mabc',
      '--database',
      'sqlite:/nonexistent-dir/x.db',
    ]);
    assert.ok(!hasControl(result.stdout + result.stderr), result.stderr);
    const key = await run([
      'inspect',
      '\x1b[31mabc',
      '--database',
      `sqlite:${join(directory, 'sessions.sqlite3')}`,
    ]);
    assert.equal(key.code, 1);
    assert.match(key.stderr, /\\x1b\[31mabc/);
    assert.ok(!hasControl(key.stderr), key.stderr);
  });

  test('read-only commands on a missing SQLite file exit 1, and create nothing', async () => {
    const missing = join(directory, 'typo', 'sessions.sqlite3');
    for (const command of [['stats'], ['clearsessions'], ['inspect', 'x'.repeat(32)]]) {
      const result = await run([...command, '--database', `sqlite:${missing}`]);
      assert.equal(result.code, 1, command[0]);
      assert.match(result.stderr, /^coatcheck: no SQLite database at .*typo\/sessions\.sqlite3/);
      assert.equal(existsSync(join(directory, 'typo')), false, `${command[0]} made the directory`);
    }
  });

  test('sqlite: URLs read as SQLAlchemy and dj-database-url read them', async () => {
    const project = mkdtempSync(join(directory, 'slashes-'));
    // Three slashes: relative to the working directory. Four: absolute.
    const relative = await run(['migrate', '--database', 'sqlite:///rel.sqlite3'], {}, project);
    assert.equal(relative.code, 0, relative.stderr);
    assert.deepEqual(readdirSync(project), ['rel.sqlite3']);
    const absolutePath = join(project, 'abs.sqlite3');
    const absolute = await run(
      ['migrate', '--database', `sqlite:///${absolutePath}`],
      {},
      directory,
    );
    assert.equal(absolute.code, 0, absolute.stderr);
    assert.ok(existsSync(absolutePath));
    const plain = await run(['stats', '--database', 'sqlite:rel.sqlite3', '--json'], {}, project);
    assert.equal(plain.code, 0, plain.stderr);
  });
});

describe('coatcheck on PostgreSQL', { skip: skipWithoutPostgres }, () => {
  let place: Awaited<ReturnType<typeof postgresSchema>>;
  before(async () => {
    assertReachable('postgres');
    place = await postgresSchema('coatcheck_cli');
  });
  after(() => place?.drop());

  test('migrates, counts and clears a table of its own', async () => {
    const args = ['--database', POSTGRES_URL, '--table', `${place.schema}.django_session`];
    const migrated = await run(['migrate', ...args]);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /Created table/);
    assert.match((await run(['migrate', ...args])).stdout, /already exists/);
    await place.pool.query(
      `INSERT INTO "${place.schema}".django_session VALUES ('a'||repeat('0', 31), 'e30:1r31eq:x', now() - interval '1 hour'), ('b'||repeat('0', 31), 'e30:1r31eq:x', now() + interval '1 hour')`,
    );
    const stats = JSON.parse((await run(['stats', ...args, '--json'])).stdout);
    assert.deepEqual([stats.total, stats.expired], [2, 1]);
    assert.equal((await run(['clearsessions', ...args])).stdout, 'Deleted 1 expired session.\n');
  });

  test('a password given as a query parameter (?password=, which pg, mysql2 and libpq read) never reaches the output, when the command works too', async () => {
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('password', 'hunter2');
    const table = ['--table', `${place.schema}.query_password`];
    for (const command of [['migrate'], ['stats'], ['inspect', 'x'.repeat(32)]]) {
      const result = await run([...command, '--database', url.href, ...table], {
        SECRET_KEY: SECRET,
      });
      assert.ok(result.code === 0 || command[0] === 'inspect', result.stderr);
      assert.match(result.stdout + result.stderr, /password=\*\*\*/, command[0]);
      assert.doesNotMatch(result.stdout + result.stderr, /hunter2/, command[0]);
    }
  });
});
