/**
 * The adapters are thin: frameworks are optional peer dependencies, so an adapter may only
 * `import type` from one (the type is erased; nothing is loaded at run time), and the shared core
 * imports nothing but node: built-ins and src/core.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const FRAMEWORKS = /^(express|fastify|koa|hono|@hono\/.*|fastify-plugin)(\/.*)?$/;
const FILES = ['node.ts', 'express.ts', 'fastify.ts', 'koa.ts', 'hono.ts', 'shared.ts'];

/** Every static import/export-from in a source file: its specifier and whether it is type-only. */
function imports(source: string): Array<{ specifier: string; typeOnly: boolean }> {
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?[^'";]*?\s+from\s+'([^']+)'/gms;
  for (const match of source.matchAll(pattern)) found.push({ specifier: match[3]!, typeOnly: match[2] !== undefined });
  for (const match of source.matchAll(/import\(\s*'([^']+)'\s*\)/g))
    found.push({ specifier: match[1]!, typeOnly: false });
  return found;
}

for (const file of FILES) {
  test(`${file}: frameworks only as import type; otherwise node: built-ins and relative paths`, () => {
    const source = readFileSync(new URL(file, import.meta.url), 'utf8');
    const all = imports(source);
    assert.ok(all.length > 0, 'no imports found: the pattern is broken');
    for (const { specifier, typeOnly } of all) {
      if (FRAMEWORKS.test(specifier)) {
        assert.ok(typeOnly, `${file} loads ${specifier} at run time`);
      } else {
        assert.ok(specifier.startsWith('node:') || specifier.startsWith('.'), `${file} depends on ${specifier}`);
      }
    }
  });
}

test('the import scanner sees a value import of a framework', () => {
  assert.deepEqual(imports("import express from 'express';\nimport type { X } from 'koa';"), [
    { specifier: 'express', typeOnly: false },
    { specifier: 'koa', typeOnly: true },
  ]);
});
