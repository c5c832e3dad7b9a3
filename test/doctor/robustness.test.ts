/**
 * Partial and malformed objects never crash a rule: random objects of every kind the rules read,
 * with fields of the wrong type, missing or nested oddly (fast-check; SOURCEIP_FUZZ_RUNS for more).
 * A rule that throws shows up as a "could not run" input error, which this test forbids.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { runDoctor } from '../../src/doctor/engine.ts';
import type { K8sObject } from '../../src/doctor/types.ts';

const KINDS = [
  'Service',
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'Pod',
  'ConfigMap',
  'Ingress',
  'HTTPRoute',
  'EndpointSlice',
  'Node',
  'Gateway',
  'ClientTrafficPolicy',
  'EnvoyProxy',
  'Middleware',
  'KongPlugin',
  'FelixConfiguration',
  'IPAddressPool',
  'SourceipConfig',
];
const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 150);

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    'Local',
    'Cluster',
    'LoadBalancer',
    'NodePort',
    'true',
    '0.0.0.0/0',
    'proxy_protocol',
    'ingress-nginx',
    'kong',
    'traefik',
    'sourceip.yaml',
    'kube-proxy',
    'cilium-config',
  ),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom(
        'name',
        'type',
        'spec',
        'data',
        'env',
        'args',
        'containers',
        'template',
        'metadata',
        'labels',
        'annotations',
        'selector',
        'externalTrafficPolicy',
        'value',
        'ports',
        'endpoints',
        'conditions',
        'nodeName',
        'status',
        'loadBalancer',
        'ingress',
        'ip',
        'trusted',
        'listeners',
        'trustProfiles',
        'proxyProtocol',
        'clientIPDetection',
        'xForwardedFor',
        'trustedCIDRs',
        'infrastructure',
        'config.conf',
        'use-forwarded-headers',
        'proxy-real-ip-cidr',
        'nginx.conf',
        'sourceip.yaml',
        'traefik.yml',
        'app.kubernetes.io/name',
      ),
      tie('v'),
      { maxKeys: 4 },
    ),
  ),
})).v;

const object = fc.record({
  kind: fc.constantFrom(...KINDS),
  name: fc.string({ maxLength: 6 }),
  namespace: fc.constantFrom('', 'a', 'b'),
  body: fc.dictionary(
    fc.constantFrom(
      'spec',
      'data',
      'status',
      'metadata',
      'plugin',
      'config',
      'listeners',
      'trustProfiles',
      'endpoints',
    ),
    value,
    { maxKeys: 4 },
  ),
});

function toObject(o: { kind: string; name: string; namespace: string; body: Record<string, unknown> }): K8sObject {
  const raw = { apiVersion: 'v1', kind: o.kind, ...o.body };
  return {
    apiVersion: 'v1',
    kind: o.kind,
    name: o.name,
    namespace: o.namespace,
    raw,
    source: { file: 'fuzz.yaml', line: 1 },
    lineOf: () => 1,
  };
}

test('no rule throws on random partial objects', () => {
  fc.assert(
    fc.property(fc.array(object, { maxLength: 12 }), (objects) => {
      const result = runDoctor({ mode: 'static', objects: objects.map(toObject), errors: [] });
      assert.deepEqual(result.errors, []);
      for (const f of result.findings) assert.ok(f.message.length > 0 && !f.message.includes('\n'));
    }),
    { numRuns: RUNS },
  );
});

test('the loader never throws on random text, and reports bad input as errors', async () => {
  const { loadManifests } = await import('../../src/doctor/loader/manifests.ts');
  const pieces = fc.constantFrom(
    'apiVersion: v1\n',
    'kind: Service\n',
    '---\n',
    'metadata:\n  name: x\n',
    '  - a\n',
    '{',
    '}',
    '[',
    ']',
    '"',
    "'",
    ': ',
    '&a ',
    '*a ',
    '!!binary ',
    '\t',
    '# c\n',
    'items:\n',
    'kind: List\n',
    '\u0000',
    '\ufeff',
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(pieces, fc.string({ maxLength: 8 })), { maxLength: 30 }), async (parts) => {
      const snapshot = await loadManifests(['-'], async () => parts.join(''));
      for (const e of snapshot.errors) assert.ok(typeof e.message === 'string' && e.message.length < 400);
      runDoctor(snapshot);
    }),
    { numRuns: RUNS },
  );
});

test('JSON line positions match the YAML parser on random JSON documents', async () => {
  const { jsonLineIndex } = await import('../../src/doctor/loader/json-lines.ts');
  const { isNode, LineCounter, parseDocument } = await import('yaml');
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 1, 2), (json, indent) => {
      if (typeof json !== 'object' || json === null) return;
      const text = JSON.stringify(json, null, indent);
      const lineCounter = new LineCounter();
      const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
      const index = jsonLineIndex(text);
      const walk = (value: unknown, path: (string | number)[]): void => {
        const node = doc.getIn(path, true);
        if (isNode(node) && node.range)
          assert.equal(index.lineOf(path), lineCounter.linePos(node.range[0]).line, JSON.stringify(path));
        if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, [...path, i]);
        else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      };
      walk(json, []);
    }),
    { numRuns: RUNS },
  );
});
