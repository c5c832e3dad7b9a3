import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { InputError } from '../types.ts';
import { renderKustomization } from './kustomize.ts';
import { loadManifests } from './manifests.ts';

const root = mkdtempSync(join(tmpdir(), 'sourceip-kustomize-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 't-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const base = {
  'base/kustomization.yaml': 'resources: [svc.yaml, cm.yaml]\nnamespace: edge\n',
  'base/svc.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: gw\nspec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  ports:\n    - name: http\n      port: 80\n',
  'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  a: "1"\n',
};

test('overlay: base resources, namespace, strategic-merge patch with provenance of every node', () => {
  const dir = tree({
    ...base,
    'overlay/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: svc.yaml\n',
    'overlay/svc.yaml':
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: gw\n  annotations:\n    x/y: "1"\nspec:\n  ports:\n    - name: http\n      port: 8080\n',
  });
  const errors: InputError[] = [];
  const notes: string[] = [];
  const objects = renderKustomization(join(dir, 'overlay'), errors, notes);
  assert.deepEqual(errors, []);
  assert.deepEqual(notes, []);
  const svc = objects.find((o) => o.kind === 'Service')!;
  assert.equal(svc.namespace, 'edge');
  const raw = svc.raw as {
    metadata: { annotations: Record<string, string> };
    spec: { type: string; ports: { port: number }[] };
  };
  assert.equal(raw.spec.type, 'LoadBalancer');
  assert.equal(raw.metadata.annotations['x/y'], '1');
  assert.equal(raw.spec.ports[0]!.port, 8080, 'lists of named maps merge by name');
  assert.deepEqual(svc.locate!(['metadata', 'annotations', 'x/y']), { file: join(dir, 'overlay/svc.yaml'), line: 6 });
  assert.deepEqual(svc.locate!(['spec', 'externalTrafficPolicy']), { file: join(dir, 'base/svc.yaml'), line: 7 });
});

test('configMapGenerator files and literals; target patches; inline patches', () => {
  const dir = tree({
    ...base,
    'k/kustomization.yaml':
      'resources: [../base]\nconfigMapGenerator:\n  - name: gen\n    files: [sourceip.yaml]\n    literals: [k=v]\npatches:\n  - target: {kind: ConfigMap, name: conf}\n    patch: |\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: whatever}\n      data: {b: "2"}\n',
    'k/sourceip.yaml': 'listeners: []\n',
  });
  const errors: InputError[] = [];
  const objects = renderKustomization(join(dir, 'k'), errors, []);
  assert.deepEqual(errors, []);
  const gen = objects.find((o) => o.name === 'gen')!;
  assert.deepEqual(gen.raw.data, { 'sourceip.yaml': 'listeners: []\n', k: 'v' });
  assert.equal(gen.source.line, 3);
  assert.deepEqual(objects.find((o) => o.name === 'conf')!.raw.data, { a: '1', b: '2' });
});

test('fail: unsupported fields and JSON 6902 patches are notes; missing targets and files are errors', () => {
  const dir = tree({
    ...base,
    'k/kustomization.yaml':
      'resources: [../base, missing.yaml, https://example.com/x.yaml]\nhelmCharts: []\npatches:\n  - path: json.yaml\n    target: {kind: Service}\n  - path: ghost.yaml\n',
    'k/json.yaml': '- op: add\n  path: /metadata/labels/x\n  value: y\n',
    'k/ghost.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: nope}\n',
  });
  const errors: InputError[] = [];
  const notes: string[] = [];
  renderKustomization(join(dir, 'k'), errors, notes);
  assert.equal(notes.length, 3, notes.join('\n'));
  assert.ok(notes.some((n) => n.includes('helmCharts')));
  assert.ok(notes.some((n) => n.includes('remote resource')));
  assert.ok(notes.some((n) => n.includes('JSON 6902')));
  assert.equal(errors.length, 2, JSON.stringify(errors));
  assert.ok(errors.some((e) => e.message.includes('missing.yaml')));
  assert.ok(errors.some((e) => e.message.includes('Service/nope not found')));
});

test('loadManifests renders kustomization directories and groups them (overlays are alternatives)', async () => {
  const dir = tree({
    ...base,
    'a/kustomization.yaml': 'resources: [../base]\n',
    'b/kustomization.yaml': 'resources: [../base]\n',
    'loose.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: edge}\n',
  });
  const snapshot = await loadManifests([dir]);
  assert.deepEqual(snapshot.errors, []);
  assert.deepEqual([...new Set(snapshot.objects.map((o) => o.group?.slice(dir.length) ?? 'loose'))].sort(), [
    '/a',
    '/b',
    '/base',
    'loose',
  ]);
});
