/**
 * SARIF output validated with ajv against the official SARIF 2.1.0 JSON schema
 * (test/doctor/fixtures/sarif-schema-2.1.0.json, oasis-tcs/sarif-spec sarif-2.1/schema, errata01).
 * The schema is draft-04; its only draft-04-specific keyword is the top-level `id`, which is
 * renamed to `$id` so Ajv's draft-07 mode reads it. GitHub code scanning's own constraints
 * (relative artifact URIs, region.startLine, rule ids in tool.driver.rules) are checked too.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Log } from 'sarif';
import { renderSarif } from '../../src/doctor/report/sarif.ts';
import { doctorOn, doctorOnText, FIXTURES, REPO } from './run.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function validator() {
  const schema = JSON.parse(readFileSync(join(FIXTURES, 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  const { id, $schema: _draft, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile({ $id: String(id), ...rest });
}

const validate = validator();

test('SARIF for the guide validates against the 2.1.0 schema and carries GitHub-ready locations', async () => {
  const result = await doctorOn([join(REPO, 'examples/guide')]);
  const text = renderSarif(result, REPO);
  const log = JSON.parse(text) as Log;
  assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  const run = log.runs[0]!;
  const ruleIds = run.tool.driver.rules!.map((r) => r.id);
  assert.ok(ruleIds.includes('SIP-401'));
  assert.ok(run.results!.length === result.findings.length && run.results!.length > 0);
  for (const r of run.results!) {
    assert.ok(ruleIds.includes(r.ruleId!));
    assert.equal(run.tool.driver.rules![r.ruleIndex!]!.id, r.ruleId);
    assert.ok(['error', 'warning', 'note'].includes(r.level!));
    const loc = r.locations![0]!.physicalLocation!;
    assert.match(loc.artifactLocation!.uri!, /^examples\/guide\/[a-z0-9/-]+\.ya?ml$/);
    assert.ok(loc.region!.startLine! >= 1);
  }
  const spoof = run.results!.find((r) => r.ruleId === 'SIP-401')!;
  assert.equal(spoof.level, 'error');
  assert.equal(spoof.locations![0]!.physicalLocation!.region!.startLine, 11);
  for (const rule of run.tool.driver.rules!) {
    assert.ok(rule.shortDescription?.text && rule.help?.text && rule.help.markdown);
  }
});

test('SARIF of a clean run, of stdin input and of input errors validates too', async () => {
  const clean = await doctorOnText('apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {type: ClusterIP}\n');
  assert.ok(validate(JSON.parse(renderSarif(clean))), JSON.stringify(validate.errors?.slice(0, 3)));
  const broken = await doctorOnText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n---\nkind: x\n');
  assert.ok(broken.errors.length > 0);
  const log = JSON.parse(renderSarif(broken)) as Log;
  assert.ok(validate(log), JSON.stringify(validate.errors?.slice(0, 3)));
  assert.equal(log.runs[0]!.invocations![0]!.executionSuccessful, false);
  const spoof = await doctorOnText(readFileSync(join(FIXTURES, 'rules/sip-401/fires.yaml'), 'utf8'));
  const spoofLog = JSON.parse(renderSarif(spoof)) as Log;
  assert.ok(validate(spoofLog));
  assert.equal(spoofLog.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri, 'stdin');
});

test('fail: the validator rejects a result without a message (the check can fail)', () => {
  const bad = { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'SIP-101' }] }] };
  assert.equal(validate(bad), false);
});

test('live findings (no file) get a cluster/ pseudo-path (GitHub needs an artifact location) and validate', async () => {
  const { runDoctor } = await import('../../src/doctor/engine.ts');
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    name: 'edge',
    namespace: 'prod',
    raw: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'edge', namespace: 'prod' },
      spec: { type: 'NodePort', externalTrafficPolicy: 'Local' },
    },
    source: {},
    lineOf: () => undefined,
  };
  const result = runDoctor({ mode: 'live', objects: [service], errors: [] });
  const log = JSON.parse(renderSarif(result)) as Log;
  assert.ok(validate(log));
  const loc = log.runs[0]!.results![0]!.locations![0]!;
  assert.equal(loc.physicalLocation!.artifactLocation!.uri, 'cluster/Service/prod/edge');
  assert.equal(loc.physicalLocation!.region!.startLine, 1);
  assert.equal(loc.logicalLocations![0]!.fullyQualifiedName, 'Service/prod/edge');
});
