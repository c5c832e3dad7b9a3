/**
 * `npm run bench`: runs every `bench/*.bench.ts` in name order (or only those named on the
 * command line, e.g. `npm run bench -- resolve-xff`). Each file exports `run(): Promise<string>`
 * returning a markdown section body; the runner prints it and rewrites that file's section of
 * bench/RESULTS.md (bench/results-file.ts) — nobody edits RESULTS.md by hand.
 */
import { readdirSync } from 'node:fs';
import { writeResultsSection } from './results-file.ts';

interface BenchModule {
  run(): Promise<string>;
}

const dir = new URL('./', import.meta.url);
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));

if (files.length === 0) {
  process.stderr.write(`bench: no bench/*.bench.ts matched ${wanted.join(' ')}\n`);
  process.exitCode = 2;
}
for (const file of files) {
  const name = file.slice(0, -'.bench.ts'.length);
  process.stderr.write(`bench: running ${name}…\n`);
  const mod = (await import(new URL(file, dir).href)) as BenchModule;
  const markdown = await mod.run();
  process.stdout.write(`## ${name}\n\n${markdown.trim()}\n\n`);
  const command = wanted.length === 0 ? 'npm run bench' : `npm run bench -- ${wanted.join(' ')}`;
  writeResultsSection(name, command, markdown);
}
