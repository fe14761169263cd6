/**
 * What an application gets from the built package: `coatcheck/express-session`'s declarations
 * beside the real `@types/express-session`, every declaration file checked (no skipLibCheck),
 * and `coatcheck/express`'s, which declares `req.session` as a method, never loaded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

const APP = `
import { createSessions } from 'coatcheck';
import { type ExpressSession, sessionMiddleware } from 'coatcheck/express-session';
import { memoryStore } from 'coatcheck/stores/memory';
import express from 'express';
import type { Session } from 'express-session';

declare module 'express-session' {
  interface SessionData {
    views: number;
  }
}

const app = express();
app.use(sessionMiddleware(createSessions({ secretKey: 'k', engine: memoryStore() })));
app.get('/', async (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  const id: string = req.sessionID;
  (await req.coatcheck.session()).get('views');
  // @ts-expect-error req.session is express-session's object, not coatcheck/express's method
  await req.session();
  res.send(id);
});

declare const object: ExpressSession;
const typed: Session = object;
void typed;
`;

describe('coatcheck/express-session types, as built', () => {
  test('compile beside @types/express-session, without loading coatcheck/express', () => {
    // Inside the package, so that `coatcheck` resolves to dist/ by its exports, as installed.
    mkdirSync(join(root, 'test-results'), { recursive: true });
    const dir = mkdtempSync(join(root, 'test-results', 'types-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'app.ts'), APP);
    const typesPackage = join(root, 'node_modules/express-session-types/index.d.ts');
    const compilerOptions = {
      module: 'nodenext',
      target: 'es2023',
      strict: true,
      noEmit: true,
      types: ['node'],
      skipLibCheck: false,
      // @types/express-session, installed here under another name (see DEVELOPERS.md).
      paths: { 'express-session': [typesPackage] },
    };
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: ['app.ts'] }),
    );
    const tsc = (...args: string[]) =>
      execFileSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir, ...args],
        {
          encoding: 'utf8',
        },
      );
    try {
      tsc();
    } catch (error) {
      assert.fail(`tsc found errors:\n${(error as { stdout?: string }).stdout}`);
    }
    const files = tsc('--listFilesOnly').split('\n');
    assert.ok(files.some((file) => file.endsWith('/dist/adapters/express-session.d.ts')));
    assert.ok(files.includes(typesPackage));
    assert.ok(!files.some((file) => file.endsWith('/dist/adapters/express.d.ts')));
  });
});
