/**
 * Drivers are optional peer dependencies (STYLE.md, unstorage's rule): every package a store
 * imports that is not one of coatcheck's own dependencies must be declared in
 * `peerDependencies`, marked optional in `peerDependenciesMeta`, and installed here as a dev
 * dependency for the tests; and it must be imported lazily (`import('pg')`), so that loading a
 * store, or `coatcheck` itself, never requires a driver the application does not use.
 *
 * Adapters are held to the first rule only: `coatcheck/fastify` is loaded by Fastify apps alone,
 * so it may import `fastify-plugin` at load, but that package must still be a declared peer.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const STATIC = /(?:^|\n)\s*(?:import|export)\s(?!type\b)[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The package a bare specifier names: `mysql2/promise` is `mysql2`, `@a/b/c` is `@a/b`. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every package the source files under `dir` import at run time (type imports aside). */
function importsUnder(dir: string) {
  return sourceFiles(join(root, dir)).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const found = (pattern: RegExp, lazy: boolean) =>
      [...text.matchAll(pattern)].flatMap((match) => {
        const name = packageOf(match[1] ?? '');
        return name === undefined ? [] : [{ file: relative(root, file), name, lazy }];
      });
    return [...found(STATIC, false), ...found(DYNAMIC, true)];
  });
}

/** Fails unless `name` is a dependency, or an optional peer the tests have installed. */
function assertDeclared(file: string, name: string): void {
  if (name in (pkg.dependencies ?? {})) return;
  assert.ok(name in (pkg.peerDependencies ?? {}), `${file} imports ${name}, not a declared peer`);
  assert.equal(
    pkg.peerDependenciesMeta?.[name]?.optional,
    true,
    `${file} imports ${name}: mark it optional in peerDependenciesMeta`,
  );
  assert.ok(name in (pkg.devDependencies ?? {}), `${name} is a peer the tests cannot load`);
}

const imports = importsUnder('src/stores');

describe('store drivers', () => {
  test('the SQL and Redis stores import their drivers: pg, mysql2 and redis', () => {
    const drivers = new Set(imports.filter((i) => i.lazy).map((i) => i.name));
    for (const driver of ['mysql2', 'pg', 'redis']) assert.ok(drivers.has(driver), driver);
  });

  test('every package a store imports is a dependency or an optional peer', () => {
    for (const { file, name } of imports) assertDeclared(file, name);
  });

  test('optional peers are imported lazily, never at module load', () => {
    for (const { file, name, lazy } of imports) {
      if (name in (pkg.dependencies ?? {})) continue;
      assert.ok(lazy, `${file} imports the optional peer ${name} statically`);
    }
  });
});

describe('adapter frameworks', () => {
  test('every package an adapter imports at run time is a dependency or an optional peer', () => {
    const adapterImports = importsUnder('src/adapters');
    assert.ok(
      adapterImports.some((i) => i.name === 'fastify-plugin'),
      'the Fastify adapter imports fastify-plugin',
    );
    for (const { file, name } of adapterImports) assertDeclared(file, name);
  });
});
