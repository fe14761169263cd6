import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
type Conditions = { types: string; default: string };
const entries = Object.entries(pkg.exports as Record<string, Conditions | string>).filter(
  (entry): entry is [string, Conditions] => typeof entry[1] !== 'string',
);

// `npm test` builds before it tests, so dist/ is what a user would install.
describe('package exports', () => {
  test('every entry points to a built module and its types', () => {
    for (const [subpath, { types, default: js }] of entries) {
      assert.ok(existsSync(`${root}${js}`), `${subpath}: ${js} was not built`);
      assert.ok(existsSync(`${root}${types}`), `${subpath}: ${types} was not built`);
    }
  });

  test('every entry is built from a source file under src/', () => {
    for (const [subpath, { default: js }] of entries) {
      const source = js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      assert.ok(existsSync(`${root}${source}`), `${subpath}: no ${source}`);
    }
  });

  test('every entry imports by the package name and exports something', async () => {
    for (const [subpath] of entries) {
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      const module = await import(specifier);
      assert.ok(Object.keys(module).length > 0, `${specifier} exports nothing`);
    }
  });

  test('every source entry file opens with a @module description', () => {
    for (const [subpath, { default: js }] of entries) {
      const source = js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
      assert.match(readFileSync(`${root}${source}`, 'utf8'), /@module/, subpath);
    }
  });

  test('is ESM only and asks for Node.js 22.13 or later', () => {
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.engines.node, '>=22.13');
    assert.deepEqual(pkg.files, ['dist']);
  });
});

describe('tsconfig paths', () => {
  test('map every package entry to its source, so examples type-check before a build', () => {
    const tsconfig = JSON.parse(readFileSync(`${root}tsconfig.json`, 'utf8'));
    const expected = Object.fromEntries(
      entries.map(([subpath, { default: js }]) => [
        subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
        [`./${js.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')}`],
      ]),
    );
    assert.deepEqual(tsconfig.compilerOptions.paths, expected);
  });
});

describe('package bin', () => {
  test('the coatcheck command is built, starts with a shebang, and answers --help', async () => {
    const { execFileSync } = await import('node:child_process');
    for (const [name, path] of Object.entries(pkg.bin as Record<string, string>)) {
      const file = `${root}${path}`;
      assert.ok(existsSync(file), `${name}: ${path} was not built`);
      assert.match(readFileSync(file, 'utf8'), /^#!\/usr\/bin\/env node\n/);
      assert.match(
        execFileSync(process.execPath, [file, '--help'], { encoding: 'utf8' }),
        /^Usage: coatcheck/,
      );
    }
  });
});
