/**
 * After `tsc -p tsconfig.build.json`:
 * 1. copy data folders that modules read at run time (every `data` folder under src, e.g. the CDN presets)
 *    into dist/, since tsc emits only what is imported;
 * 2. TypeScript rewrites `./x.ts` to `./x.js` in emitted
 * JavaScript (rewriteRelativeImportExtensions) but leaves `.ts` specifiers in declaration files,
 * which consumers without `allowImportingTsExtensions` cannot resolve. Rewrite them to `.js`.
 */

import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../dist/', import.meta.url).pathname;
const source = new URL('../src/', import.meta.url).pathname;
const specifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.ts(['"])/g;

function visit(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) visit(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const rewritten = text.replace(specifier, '$1$2.js$3');
      if (rewritten !== text) writeFileSync(path, rewritten);
    }
  }
}

function copyData(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === 'data') {
      const target = join(root, path.slice(source.length));
      if (existsSync(join(target, '..'))) cpSync(path, target, { recursive: true });
    } else copyData(path);
  }
}

copyData(source);
visit(root);
