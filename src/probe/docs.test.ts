import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { buildChecks, createCanaries } from './checks.ts';
import { CHECK_VERDICTS } from './probe.ts';

const doc = await readFile(new URL('../../docs/probe.md', import.meta.url), 'utf8');

test('every verdict word is in the table of docs/probe.md', () => {
  for (const verdict of CHECK_VERDICTS) assert.ok(doc.includes(`| \`${verdict}\` |`), `${verdict} missing`);
});

test('every check id is named in docs/probe.md', () => {
  const ids = ['baseline', ...buildChecks(createCanaries(1)).map((c) => c.id), 'proxy-protocol-v1'];
  for (const id of ids) assert.ok(doc.includes(`\`${id}\``), `${id} missing`);
});
