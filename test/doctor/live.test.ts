/**
 * Live mode against a real HTTP API on loopback: the real @kubernetes/client-node, a generated
 * kubeconfig (http://127.0.0.1:PORT, token auth), recorded list responses; plus 403, timeout,
 * unreachable and namespace filtering, in-process and through the CLI.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runDoctor } from '../../src/doctor/engine.ts';
import { ClusterAccessError, loadCluster } from '../../src/doctor/live.ts';
import { type FakeApi, kubeconfigFor, startFakeApi } from './fake-apiserver.ts';
import { FIXTURES, REPO } from './run.ts';

const TOKEN = 'doctor-test-token-6f1d';
const fixture = join(FIXTURES, 'live/cluster.json');
let api: FakeApi;
let forbidden: FakeApi;
let hanging: FakeApi;
let noNodes: FakeApi;
let dir: string;
let kubeconfig: string;

before(async () => {
  api = await startFakeApi({ fixture, token: TOKEN });
  forbidden = await startFakeApi({ fixture, token: TOKEN, forbid: ['/api/v1/services'] });
  hanging = await startFakeApi({ fixture, token: TOKEN, hang: ['/api/v1/pods'] });
  noNodes = await startFakeApi({ fixture, token: TOKEN, forbid: ['/api/v1/nodes'] });
  dir = mkdtempSync(join(tmpdir(), 'sourceip-doctor-'));
  kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    kubeconfigFor({ lab: api.url, locked: forbidden.url, slow: hanging.url, 'no-nodes': noNodes.url }, 'lab', TOKEN),
  );
});

after(async () => {
  await Promise.all([api.close(), forbidden.close(), hanging.close(), noNodes.close()]);
  rmSync(dir, { recursive: true, force: true });
});

test('lists the cluster read-only with the token and finds the recorded problems', async () => {
  const before = api.requests.length;
  const snapshot = await loadCluster({ kubeconfig, timeoutMs: 2000 });
  const made = api.requests.slice(before);
  assert.ok(made.every((r) => r.method === 'GET' && r.authorization === `Bearer ${TOKEN}`));
  assert.ok(made.some((r) => r.path === '/apis/discovery.k8s.io/v1/endpointslices'));
  assert.equal(snapshot.mode, 'live');
  const service = snapshot.objects.find((o) => o.kind === 'Service' && o.name === 'ingress-nginx-controller');
  assert.ok(service);
  assert.equal(service.namespace, 'ingress-nginx');
  const result = runDoctor(snapshot);
  const byRule = new Map(result.findings.map((f) => [f.ruleId, f]));
  // Nodes b and c receive LB traffic but have no ready endpoint.
  assert.match(byRule.get('SIP-103')?.message ?? '', /node-b, node-c/);
  // XFF trusted from anyone; the nodes have public addresses, so the NodePort bypass is an error.
  assert.equal(byRule.get('SIP-401')?.severity, 'error');
  assert.equal(byRule.get('SIP-305')?.severity, 'error');
  assert.ok(byRule.has('SIP-109'), 'kube-proxy ipvs mode from kube-system/kube-proxy');
  assert.equal(byRule.get('SIP-401')?.file, undefined);
  // CRD lists that 404 (not installed) are not errors.
  assert.deepEqual(result.errors, []);
});

test('--namespace: only namespaced list paths, plus the kube-system dataplane ConfigMaps', async () => {
  const before = api.requests.length;
  const snapshot = await loadCluster({ kubeconfig, namespace: 'ingress-nginx', timeoutMs: 2000 });
  const paths = api.requests.slice(before).map((r) => r.path);
  assert.ok(paths.includes('/api/v1/namespaces/ingress-nginx/services'));
  assert.ok(!paths.includes('/api/v1/services'));
  assert.ok(paths.includes('/api/v1/namespaces/kube-system/configmaps/kube-proxy'));
  assert.ok(snapshot.objects.filter((o) => o.kind === 'Service').every((o) => o.namespace === 'ingress-nginx'));
  assert.ok(snapshot.objects.some((o) => o.kind === 'ConfigMap' && o.name === 'kube-proxy'));
});

test('fail: 403 on a required list is a ClusterAccessError quoting the API message', async () => {
  await assert.rejects(loadCluster({ kubeconfig, context: 'locked', timeoutMs: 2000 }), (error: unknown) => {
    assert.ok(error instanceof ClusterAccessError);
    assert.match(
      error.message,
      /list Service: HTTP 403: services is forbidden: User "system:serviceaccount:ci:doctor"/,
    );
    assert.ok(!error.message.includes('\n'));
    return true;
  });
});

test('403 on an optional list (nodes) is a note, not an error: the rest is still checked', async () => {
  const snapshot = await loadCluster({ kubeconfig, context: 'no-nodes', timeoutMs: 2000 });
  assert.deepEqual(snapshot.errors, []);
  assert.equal(snapshot.notes?.length, 1);
  assert.match(snapshot.notes![0]!, /list Node: HTTP 403: nodes is forbidden/);
  assert.ok(!snapshot.objects.some((o) => o.kind === 'Node'));
  const result = runDoctor(snapshot);
  assert.ok(result.findings.some((f) => f.ruleId === 'SIP-401'));
  // Without Node objects SIP-305 cannot know the nodes are public: warning, not error.
  assert.equal(result.findings.find((f) => f.ruleId === 'SIP-305')?.severity, 'warning');
});

test('fail: an API server that never answers hits the request deadline (bounded)', async () => {
  const started = Date.now();
  await assert.rejects(
    loadCluster({ kubeconfig, context: 'slow', timeoutMs: 300 }),
    /list Pod: no answer from http:\/\/127\.0\.0\.1:\d+ within 300 ms/,
  );
  assert.ok(Date.now() - started < 5000);
});

test('fail: unknown context and unreachable server are clear errors', async () => {
  await assert.rejects(loadCluster({ kubeconfig, context: 'nope' }), /no context "nope"/);
  const closed = await startFakeApi({ fixture, token: TOKEN });
  const url = closed.url;
  await closed.close();
  const file = join(dir, 'closed');
  writeFileSync(file, kubeconfigFor({ gone: url }, 'gone', TOKEN));
  await assert.rejects(loadCluster({ kubeconfig: file, timeoutMs: 1000 }), /cannot reach http:\/\/127\.0\.0\.1:\d+/);
});

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/sourceip.js'), ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('CLI --cluster: JSON findings and exit 1; 403 and timeout exit 2 with one line, no stack trace', async () => {
  const ok = await cli(['doctor', '--cluster', '--kubeconfig', kubeconfig, '--format', 'json']);
  assert.equal(ok.code, 1, ok.stderr);
  const json = JSON.parse(ok.stdout) as { mode: string; findings: { ruleId: string; object: { kind: string } }[] };
  assert.equal(json.mode, 'live');
  assert.ok(json.findings.some((f) => f.ruleId === 'SIP-401'));
  const denied = await cli(['doctor', '--cluster', '--kubeconfig', kubeconfig, '--context', 'locked']);
  assert.equal(denied.code, 2);
  assert.match(denied.stderr, /HTTP 403: services is forbidden/);
  assert.equal(denied.stderr.trim().split('\n').length, 1);
  assert.doesNotMatch(denied.stderr, /\n\s+at /);
  const slow = await cli(['doctor', '--cluster', '--context', 'slow', '--request-timeout', '300'], {
    KUBECONFIG: kubeconfig,
  });
  assert.equal(slow.code, 2);
  assert.match(slow.stderr, /within 300 ms/);
});
