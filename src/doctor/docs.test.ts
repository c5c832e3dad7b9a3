import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderDocsPage, renderExplain } from './docs.ts';
import { RULES } from './rules/index.ts';

test('docs/doctor.md is generated from the rules and up to date (node src/doctor/docs.ts --write)', () => {
  const page = readFileSync(new URL('../../docs/doctor.md', import.meta.url), 'utf8');
  assert.equal(page, renderDocsPage());
  for (const rule of RULES) assert.ok(page.includes(`### ${rule.id}`));
});

test('--explain text names the rule, why, fix and suppression', () => {
  const text = renderExplain(RULES[0]!);
  assert.match(text, /^SIP-101 etp-cluster-snat \(warning\)\n/);
  assert.match(text, /\nWhy\n/);
  assert.match(text, /\nFix\n/);
  assert.match(text, /sourceip\.dev\/ignore/);
});
