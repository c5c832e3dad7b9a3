/**
 * `sourceip doctor examples/guide/` reports the problems the guide's troubleshooting section
 * describes; Lab 2 (MetalLB + ingress-nginx with use-forwarded-headers and the default
 * proxy-real-ip-cidr) is reported as spoofable.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { doctorOn, REPO } from './run.ts';

const guide = join(REPO, 'examples/guide');

test('examples/guide: exactly the expected rules fire', async () => {
  const result = await doctorOn([guide]);
  assert.deepEqual(result.errors, []);
  const ids = [...new Set(result.findings.map((f) => f.ruleId))].sort();
  assert.deepEqual(ids, [
    'SIP-102',
    'SIP-105',
    'SIP-110',
    'SIP-202',
    'SIP-305',
    'SIP-401',
    'SIP-402',
    'SIP-404',
    'SIP-408',
    'SIP-412',
  ]);
});

test('Lab 2 alone is reported as spoofable: SIP-401 error on the controller ConfigMap, at use-forwarded-headers', async () => {
  const result = await doctorOn([join(guide, 'lab2')]);
  const spoof = result.findings.find((f) => f.ruleId === 'SIP-401');
  assert.ok(spoof);
  assert.equal(spoof.severity, 'error');
  assert.deepEqual(spoof.object, { kind: 'ConfigMap', namespace: 'ingress-nginx', name: 'ingress-nginx-controller' });
  assert.ok(spoof.file?.endsWith('lab2/ingress-nginx-configmap.yaml'));
  assert.equal(spoof.line, 11);
  assert.match(spoof.message, /0\.0\.0\.0\/0/);
  // MetalLB L2 + a one-replica Deployment behind Local: uneven/one-node load.
  assert.ok(result.findings.some((f) => f.ruleId === 'SIP-202'));
  // The nginx test app trusts only the pod network: not flagged.
  assert.ok(!result.findings.some((f) => f.ruleId === 'SIP-411'));
});

test('Lab 1: NodePort + Local on a Deployment: direct clients time out, per-node balancing', async () => {
  const result = await doctorOn([join(guide, 'lab1')]);
  assert.deepEqual([...new Set(result.findings.map((f) => f.ruleId))].sort(), ['SIP-102', 'SIP-105', 'SIP-110']);
});

test('Kong values: trusted_ips 0.0.0.0/0,::/0 is reported at the values line', async () => {
  const result = await doctorOn([join(guide, 'kong/values.yaml')]);
  const kong = result.findings.find((f) => f.ruleId === 'SIP-404');
  assert.ok(kong);
  assert.equal(kong.severity, 'error');
  assert.equal(kong.line, 9);
});
