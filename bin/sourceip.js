#!/usr/bin/env node
// Runs the TypeScript sources directly in a checkout (Node >= 22.18 strips types),
// and the compiled dist/ when installed as a package (Node does not strip types inside node_modules).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
const entry = existsSync(source) && !import.meta.url.includes('/node_modules/') ? source : compiled;
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
