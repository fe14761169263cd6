/**
 * What `npm publish` would ship, as `npm pack --dry-run` lists it: the built code, its types,
 * the README, the LICENSE and package.json, and nothing that points at files left behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

function packedFiles(): string[] {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [packed] = JSON.parse(json) as { files: { path: string }[] }[];
  return (packed?.files ?? []).map((file) => file.path);
}

describe('the published package', () => {
  const files = packedFiles();

  test('ships the LICENSE, BSD-3-Clause by the coatcheck authors, as package.json says', () => {
    assert.ok(files.includes('LICENSE'), files.join(', '));
    assert.equal(pkg.license, 'BSD-3-Clause');
    const license = readFileSync(`${root}LICENSE`, 'utf8');
    assert.match(license, /^BSD 3-Clause License\n/);
    assert.match(license, /Copyright \(c\) The coatcheck authors\./);
    assert.match(license, /Neither the name of the copyright holder/);
  });

  test('ships no source maps: src/ is not published, so they would point at nothing', () => {
    assert.deepEqual(
      files.filter((file) => file.endsWith('.map')),
      [],
    );
    assert.deepEqual(
      files.filter((file) => file.startsWith('src/')),
      [],
    );
    for (const file of files.filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'))) {
      assert.doesNotMatch(readFileSync(`${root}${file}`, 'utf8'), /sourceMappingURL/, file);
    }
  });

  test('ships the built entry points, the bin and the README', () => {
    for (const file of [
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      pkg.bin.coatcheck,
    ]) {
      assert.ok(files.includes(file), `${file} is not packed`);
    }
  });

  test('names its repository', () => {
    assert.deepEqual(pkg.repository, {
      type: 'git',
      url: 'git+https://github.com/coatcheck/coatcheck.git',
    });
  });

  test('npm test runs the CLI and package tests on the oldest Node.js engines allows', () => {
    assert.equal(pkg.engines.node, '>=22.13');
    assert.match(pkg.devDependencies.node22, /^npm:node@22\.13\.\d+$/);
    assert.match(pkg.scripts.test, /npm run test:node22/);
    assert.match(
      pkg.scripts['test:node22'],
      /node_modules\/node22\/bin\/node .*test\/cli\/.*test\/package\//,
    );
  });
});
