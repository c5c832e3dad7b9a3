/**
 * Writes a type-stripped JavaScript copy of src/ and bench/gateway/peers/ to bench/out/js, so the proxies
 * under test run as plain JavaScript (as the published package does from dist/) — without the type
 * stripper in their memory (about 18 MB of RSS in Node 24).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const JS_ROOT = join(ROOT, 'bench', 'out', 'js');

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (!name.endsWith('.test.ts')) yield path;
  }
}

/** Returns the path of `file` (relative to the repository) in the JavaScript copy. */
export function buildJs(): (file: string) => string {
  rmSync(JS_ROOT, { recursive: true, force: true });
  for (const dir of ['src', join('bench', 'gateway', 'peers')]) {
    for (const file of walk(join(ROOT, dir))) {
      if (!file.endsWith('.ts')) {
        // data files (JSON presets) next to the code
        const out = join(JS_ROOT, relative(ROOT, file));
        mkdirSync(dirname(out), { recursive: true });
        copyFileSync(file, out);
        continue;
      }
      const code = stripTypeScriptTypes(readFileSync(file, 'utf8'), { mode: 'strip' }).replace(
        /(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g,
        '$1$2$3.js$2',
      );
      const out = join(JS_ROOT, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, code);
    }
  }
  // ESM, and the version the CLI prints (src/cli/version.ts reads ../../package.json).
  const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, string>;
  writeFileSync(join(JS_ROOT, 'package.json'), `${JSON.stringify({ name, version, type: 'module' })}\n`);
  return (file) => join(JS_ROOT, file.replace(/\.ts$/, '.js'));
}
