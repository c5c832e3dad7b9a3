/**
 * src/core has zero dependencies: its sources may import only `node:` built-ins and relative
 * paths that stay inside src/core. Tests beside the sources may use anything.
 */
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const CORE = import.meta.dirname;

/** Source text with comments blanked out (string and template contents kept). */
function withoutComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a source refers to; `null` stands for a non-literal dynamic import. */
export function specifiersOf(source: string): Array<string | null> {
  const code = withoutComments(source);
  const found: Array<string | null> = [];
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*(['"])([^'"]+)\1/g, // import x from '…', export * from '…'
    /\bimport\s*(['"])([^'"]+)\1/g, // import '…'
    /\b(?:import|require)\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g, // import('…'), require('…')
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[2]!);
  for (const m of code.matchAll(/\b(?:import|require)\s*\(\s*([^'"`\s)])/g)) {
    if (m[1] !== undefined) found.push(null);
  }
  return found;
}

/** Why `specifier` in `file` breaks the rule, or undefined when it is allowed. */
export function violation(file: string, specifier: string | null): string | undefined {
  if (specifier === null) return 'dynamic import of a computed specifier';
  if (specifier.startsWith('node:')) return undefined;
  if (specifier.startsWith('./') || specifier.startsWith('../')) {
    const target = path.resolve(path.dirname(file), specifier);
    const rel = path.relative(CORE, target);
    return rel.startsWith('..') || path.isAbsolute(rel) ? `relative import leaves src/core: ${specifier}` : undefined;
  }
  return `package import: ${specifier}`;
}

test('the scanner finds every import form (so the real check can fail)', () => {
  const sample = [
    "import a from 'pkg-a';",
    'import { b,\n  c } from "pkg-b";',
    "import type { T } from 'pkg-type';",
    "export * from 'pkg-reexport';",
    "export { x } from './local.ts';",
    "import 'side-effect';",
    "const m = await import('pkg-dynamic');",
    'const n = await import(name);',
    "// import z from 'commented-out';",
    "/* import y from 'block-comment'; */",
    'const s = \'import q from "in-a-string"\';',
  ].join('\n');
  const specs = specifiersOf(sample);
  for (const want of ['pkg-a', 'pkg-b', 'pkg-type', 'pkg-reexport', './local.ts', 'side-effect', 'pkg-dynamic', null]) {
    assert.ok(specs.includes(want), `should find ${want}`);
  }
  assert.ok(!specs.includes('commented-out'));
  assert.ok(!specs.includes('block-comment'));
  const file = path.join(CORE, 'ip', 'x.ts');
  assert.equal(violation(file, 'node:net'), undefined);
  assert.equal(violation(file, '../errors.ts'), undefined);
  assert.equal(violation(file, './types.ts'), undefined);
  assert.match(violation(file, '../../gateway/config/types.ts')!, /leaves src\/core/);
  assert.match(violation(file, 'net')!, /package import/);
  assert.match(violation(file, 'fast-check')!, /package import/);
  assert.match(violation(file, null)!, /computed/);
});

test('src/core sources import only node: built-ins and src/core files', () => {
  const files = globSync('**/*.ts', { cwd: CORE }).filter((f) => !f.endsWith('.test.ts'));
  assert.ok(files.length >= 5, `found ${files.length} core sources`);
  const problems: string[] = [];
  for (const rel of files) {
    const file = path.join(CORE, rel);
    for (const spec of specifiersOf(readFileSync(file, 'utf8'))) {
      const why = violation(file, spec);
      if (why !== undefined) problems.push(`src/core/${rel}: ${why}`);
    }
  }
  assert.deepEqual(problems, []);
});
