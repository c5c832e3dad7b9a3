/**
 * deploy/: every overlay (and the base), rendered by a small Kustomize merge, passes our own doctor
 * with nothing at warning or above, and its sourceip.yaml passes the gateway's config check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { runDoctor } from '../../src/doctor/engine.ts';
import { loadManifests } from '../../src/doctor/loader/manifests.ts';
import { checkConfigText } from '../../src/gateway/config/load.ts';
import { deployDir, renderKustomization, renderToYaml } from './kustomize.ts';

const TARGETS = ['base', 'overlays/aws-nlb', 'overlays/gke', 'overlays/aks', 'overlays/metallb'];

for (const target of TARGETS) {
  test(`deploy/${target}: rendered output has no doctor finding at warning or above`, async () => {
    const text = renderToYaml(deployDir(target));
    const result = runDoctor(await loadManifests(['-'], async () => text));
    assert.deepEqual(result.errors, []);
    const serious = result.findings.filter((f) => f.severity !== 'info');
    assert.deepEqual(serious, [], serious.map((f) => `${f.ruleId} ${f.message}`).join('\n'));
    // The doctor really looked at the gateway: a DaemonSet, a LoadBalancer Service with Local, its config.
    const kinds = result.objects;
    assert.ok(kinds >= 4);
  });

  test(`deploy/${target}: sourceip.yaml is a valid gateway config with strict trust`, () => {
    const objects = renderKustomization(deployDir(target));
    const cm = objects.find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
    const text = cm.data['sourceip.yaml']!;
    const check = checkConfigText(text, `${target}/sourceip.yaml`, {});
    assert.deepEqual(
      check.errors.map((e) => e.message),
      [],
    );
    for (const profile of check.config!.trustProfiles) assert.equal(profile.semantics, 'strict');
    const service = objects.find((o) => o.kind === 'Service') as { spec: Record<string, unknown> };
    assert.equal(service.spec.externalTrafficPolicy, 'Local');
    assert.equal(service.spec.type, 'LoadBalancer');
    const ds = objects.find((o) => o.kind === 'DaemonSet') as { metadata: { labels: Record<string, string> } };
    assert.equal(ds.metadata.labels['app.kubernetes.io/name'], 'sourceip');
  });
}

test('sourceip doctor deploy/ (the loader renders every kustomization, each on its own): nothing at warning or above', async () => {
  const result = runDoctor(await loadManifests([deployDir('')]));
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.notes, []);
  assert.deepEqual(
    result.findings.filter((f) => f.severity !== 'info'),
    [],
  );
  assert.ok(result.objects >= 5 * 4);
});

test('fail: an overlay that adds the PROXY annotation without the listener patch is reported at the patch line', async () => {
  const { mkdtempSync, writeFileSync, rmSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/sourceip-overlay-`);
  try {
    writeFileSync(
      `${dir}/kustomization.yaml`,
      `resources:\n  - ${deployDir('base')}\npatches:\n  - path: service.yaml\n`,
    );
    copyFileSync(`${deployDir('overlays/aws-nlb')}/service.yaml`, `${dir}/service.yaml`);
    const result = runDoctor(await loadManifests([dir]));
    const mismatch = result.findings.find((f) => f.ruleId === 'SIP-301');
    assert.ok(mismatch, JSON.stringify(result.findings));
    assert.equal(mismatch.file, `${dir}/service.yaml`);
    assert.equal(mismatch.line, 14);
    assert.deepEqual(mismatch.object, { kind: 'Service', namespace: 'sourceip', name: 'sourceip-gateway' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deploy/overlays/aws-nlb: PROXY v2 on the NLB and required PROXY on the listener, trusting only the VPC', () => {
  const objects = renderKustomization(deployDir('overlays/aws-nlb'));
  const service = objects.find((o) => o.kind === 'Service') as {
    metadata: { annotations: Record<string, string>; namespace: string };
  };
  assert.equal(service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-proxy-protocol'], '*');
  assert.equal(service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-nlb-target-type'], 'ip');
  assert.equal(service.metadata.namespace, 'sourceip');
  // IP targets: the NLB health-checks the gateway's own readiness (fails as soon as it drains).
  assert.equal(
    service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-healthcheck-path'],
    '/readyz',
  );
  assert.equal(service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-healthcheck-port'], '9090');
  const cm = objects.find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
  const config = parse(cm.data['sourceip.yaml']!) as {
    listeners: { proxyProtocol: { mode: string; trusted: string[] } }[];
  };
  assert.equal(config.listeners[0]!.proxyProtocol.mode, 'required');
  assert.deepEqual(config.listeners[0]!.proxyProtocol.trusted, ['10.0.0.0/16']);
});

test('fail: the doctor would notice if the aws-nlb overlay lost its listener patch (SIP-301)', async () => {
  const objects = renderKustomization(deployDir('overlays/aws-nlb'));
  const base = renderKustomization(deployDir('base'));
  const broken = objects.map((o) => (o.kind === 'ConfigMap' ? base.find((b) => b.kind === 'ConfigMap')! : o));
  const text = broken.map((o) => JSON.stringify(o)).join('\n---\n');
  const result = runDoctor(await loadManifests(['-'], async () => text));
  assert.ok(result.findings.some((f) => f.ruleId === 'SIP-301' && f.severity === 'error'));
});

test('base: every source-IP setting carries a comment', async () => {
  const { readFileSync } = await import('node:fs');
  const service = readFileSync(`${deployDir('base')}/service.yaml`, 'utf8');
  assert.match(service, /# Source IP:.*\n(.*\n)*\s*externalTrafficPolicy: Local/);
  const config = readFileSync(`${deployDir('base')}/configmap.yaml`, 'utf8');
  for (const key of ['proxyProtocol:', 'semantics:', 'trusted:']) {
    const line = config.split('\n').findIndex((l) => l.trim().startsWith(key));
    assert.ok(line > 0, key);
    assert.ok(config.split('\n')[line - 1]!.trim().startsWith('#'), `no comment above ${key}`);
  }
});
