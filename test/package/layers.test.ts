import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

// Layers from the bottom up (DESIGN.md): a module may import its own layer and those below.
const LAYERS = [
  'errors.ts',
  'signing',
  'cookies',
  'session',
  'stores',
  'settings.ts',
  'middleware',
  'testing',
  'messages',
  'adapters',
  'cli',
  'index.ts',
];

function layerOf(file: string): number {
  const top = relative(src, file).split('/')[0] ?? '';
  const level = LAYERS.indexOf(top);
  assert.notEqual(level, -1, `${relative(src, file)} belongs to no layer; add it to LAYERS`);
  return level;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('source layers', () => {
  test('each module imports only from its own layer and the layers below', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[1] ?? match[2] ?? '';
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier);
        if (layerOf(target) > layerOf(file)) {
          violations.push(`${relative(src, file)} imports ${relative(src, target)}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  test('relative imports name the .ts file, so Node runs the sources directly', () => {
    for (const file of sourceFiles(src)) {
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const specifier = match[1] ?? match[2] ?? '';
        if (specifier.startsWith('.'))
          assert.match(specifier, /\.ts$/, `${relative(src, file)}: ${specifier}`);
      }
    }
  });
});
