/**
 * One fixture per rule that fires and one that does not (test/doctor/fixtures/rules/<id>/fires.*,
 * passes.*): real-world shaped manifests, Helm-like output and `kubectl get -o json` dumps.
 * Every finding of the rule under test must name a file and a line.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RULES } from '../../src/doctor/rules/index.ts';
import { doctorOn, FIXTURES } from './run.ts';

const dir = join(FIXTURES, 'rules');

for (const rule of RULES) {
  const ruleDir = join(dir, rule.id.toLowerCase());
  const files = readdirSync(ruleDir);
  const fires = files.find((f) => f.startsWith('fires.'));
  const passes = files.find((f) => f.startsWith('passes.'));

  test(`${rule.id} ${rule.slug}: fires on ${fires}`, async () => {
    assert.ok(fires, `missing fires.* fixture for ${rule.id}`);
    const result = await doctorOn([join(ruleDir, fires)]);
    assert.deepEqual(result.errors, []);
    const mine = result.findings.filter((f) => f.ruleId === rule.id);
    assert.ok(mine.length > 0, `${rule.id} did not fire; got ${result.findings.map((f) => f.ruleId).join(', ')}`);
    for (const f of mine) {
      assert.equal(f.slug, rule.slug);
      assert.ok(f.file?.endsWith(fires));
      assert.ok(typeof f.line === 'number' && f.line > 0, `no line for ${f.message}`);
      assert.ok(f.message.length > 10 && !f.message.includes('\n'));
    }
  });

  test(`${rule.id} ${rule.slug}: silent on ${passes}`, async () => {
    assert.ok(passes, `missing passes.* fixture for ${rule.id}`);
    const result = await doctorOn([join(ruleDir, passes)]);
    assert.deepEqual(result.errors, []);
    const mine = result.findings.filter((f) => f.ruleId === rule.id);
    assert.deepEqual(mine, []);
  });
}

test('at least 24 rules, unique ids and slugs, catalogue numbering', () => {
  assert.ok(RULES.length >= 24);
  assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
  assert.equal(new Set(RULES.map((r) => r.slug)).size, RULES.length);
  for (const r of RULES) {
    assert.match(r.id, /^SIP-[1-4]\d\d$/);
    assert.match(r.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(r.why.length > 40 && r.fix.length > 20 && r.title.length > 10);
  }
});

test("the guide's four troubleshooting symptoms are each covered by a rule", () => {
  for (const symptom of ['source-ip-is-node-ip', 'xff-empty', 'spoofing-possible', 'uneven-load'] as const) {
    assert.ok(
      RULES.some((r) => r.symptom === symptom),
      symptom,
    );
  }
});
