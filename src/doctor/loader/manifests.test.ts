import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputError, K8sObject } from '../types.ts';
import { parseManifestText } from './manifests.ts';

function parse(text: string, file = 'm.yaml') {
  const objects: K8sObject[] = [];
  const errors: InputError[] = [];
  parseManifestText(text, file, objects, errors);
  return { objects, errors };
}

test('multi-document YAML: every object with its own line, nested paths resolve to their line', () => {
  const { objects, errors } = parse(
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: n\ndata:\n  k: v\n',
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(
    objects.map((o) => [o.kind, o.namespace, o.name, o.source.line]),
    [
      ['Service', '', 'a', 1],
      ['ConfigMap', 'n', 'b', 8],
    ],
  );
  assert.equal(objects[1]!.lineOf(['data', 'k']), 14);
  // A missing path falls back to its nearest existing parent.
  assert.equal(objects[1]!.lineOf(['data', 'missing', 3]), 14);
});

test('List objects are flattened with paths into items', () => {
  const { objects } = parse(
    '{"apiVersion":"v1","kind":"List","items":[\n{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}},\n{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},\n"spec":{}}]}',
  );
  assert.deepEqual(
    objects.map((o) => o.name),
    ['x', 'p'],
  );
  assert.equal(objects[1]!.lineOf(['spec']), 4);
});

test('Helm # Source comments are kept', () => {
  const { objects } = parse(
    '---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n',
  );
  assert.equal(objects[0]!.source.helmSource, 'chart/templates/svc.yaml');
  assert.equal(objects[0]!.source.line, 3);
});

test('fail: a broken document is an error with its line; the good ones stay', () => {
  const { objects, errors } = parse(
    'apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\nkind: [\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n',
  );
  assert.deepEqual(
    objects.map((o) => o.name),
    ['ok', 'p'],
  );
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.file, 'm.yaml');
  assert.ok(errors[0]!.line! >= 5);
});

test('fail: alias bombs are refused, not expanded', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++)
    lines.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}]`,
    );
  const { errors } = parse(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  ${lines.join('\n  ')}\n`);
  assert.equal(errors.length, 1);
});

test('a sourceip.yaml file and chart values files become objects', () => {
  assert.equal(parse('listeners: []\n', 'deploy/sourceip.yaml').objects[0]!.kind, 'SourceipConfig');
  const kong = parse('env:\n  trusted_ips: 0.0.0.0/0\nproxy:\n  type: LoadBalancer\n', 'values.yaml').objects;
  assert.deepEqual(
    kong.map((o) => o.kind),
    ['Deployment', 'Service'],
  );
  assert.equal(kong[0]!.lineOf(['spec', 'template', 'spec', 'containers', 0, 'env', 0, 'value']), 2);
  const nginx = parse(
    'controller:\n  kind: DaemonSet\n  config:\n    use-forwarded-headers: "true"\n',
    'values.yaml',
  ).objects;
  assert.deepEqual(
    nginx.map((o) => o.kind),
    ['ConfigMap', 'DaemonSet', 'Service'],
  );
  assert.equal(nginx[0]!.lineOf(['data', 'use-forwarded-headers']), 4);
  const traefik = parse(
    'image: {repository: traefik}\ndeployment: {kind: DaemonSet}\nports:\n  web:\n    proxyProtocol:\n      trustedIPs: [10.0.0.0/8]\nadditionalArguments: [--log.level=DEBUG]\nservice:\n  spec: {externalTrafficPolicy: Local}\n',
    'values.yaml',
  ).objects;
  assert.deepEqual(
    traefik.map((o) => o.kind),
    ['DaemonSet', 'Service'],
  );
  const args = (traefik[0]!.raw as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template
    .spec.containers[0]!.args;
  assert.deepEqual(args, ['--entryPoints.web.proxyProtocol.trustedIPs=10.0.0.0/8', '--log.level=DEBUG']);
  assert.equal(traefik[0]!.lineOf(['spec', 'template', 'spec', 'containers', 0, 'args', 0]), 6);
  assert.equal(traefik[1]!.lineOf(['spec', 'externalTrafficPolicy']), 9);
  assert.deepEqual(parse('replicas: 3\nfoo: bar\n').objects, []);
});
