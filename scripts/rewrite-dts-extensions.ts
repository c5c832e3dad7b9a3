/**
 * After `tsc -p tsconfig.build.json`: TypeScript rewrites `./x.ts` to `./x.js` in emitted
 * JavaScript (rewriteRelativeImportExtensions) but leaves `.ts` specifiers in declaration files,
 * which consumers without `allowImportingTsExtensions` cannot resolve. Rewrite them to `.js`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../dist/', import.meta.url).pathname;
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

visit(root);
