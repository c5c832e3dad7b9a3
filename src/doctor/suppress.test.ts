import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.ts';
import { findRule } from './rules/index.ts';
import { EMPTY_CONFIG, parseDoctorConfig, suppressedBy } from './suppress.ts';
import type { K8sObject } from './types.ts';

const rule = findRule('SIP-101')!;
function object(
  annotations: Record<string, string> = {},
  kind = 'Service',
  namespace = 'web',
  name = 'edge',
): K8sObject {
  return {
    apiVersion: 'v1',
    kind,
    name,
    namespace,
    raw: { metadata: { annotations } },
    source: {},
    lineOf: () => undefined,
  };
}

type Case = {
  name: string;
  annotation?: string;
  config?: string;
  object?: [string, string, string];
  suppressed: boolean;
};
const cases: Case[] = [
  { name: 'annotation by id', annotation: 'SIP-101', suppressed: true },
  { name: 'annotation by slug, with a reason', annotation: 'etp-cluster-snat # behind a CDN', suppressed: true },
  { name: 'annotation list with spaces', annotation: 'SIP-203, SIP-101', suppressed: true },
  { name: 'annotation all', annotation: 'all', suppressed: true },
  { name: 'fail: other rule in annotation', annotation: 'SIP-102', suppressed: false },
  { name: 'fail: rule id only in the reason', annotation: 'SIP-102 # not SIP-101', suppressed: false },
  { name: 'config by rule only', config: 'ignore:\n  - rule: SIP-101\n', suppressed: true },
  {
    name: 'config with glob name',
    config: 'ignore:\n  - rule: SIP-101\n    name: ed*\n    namespace: web\n',
    suppressed: true,
  },
  {
    name: 'fail: config for another kind',
    config: 'ignore:\n  - rule: SIP-101\n    kind: Deployment\n',
    suppressed: false,
  },
  {
    name: 'fail: config glob does not match',
    config: 'ignore:\n  - rule: SIP-101\n    name: "e.ge"\n',
    object: ['Service', 'web', 'edge'],
    suppressed: false,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const [kind, ns, name] = c.object ?? ['Service', 'web', 'edge'];
    const o = object(c.annotation ? { 'sourceip.dev/ignore': c.annotation } : {}, kind, ns, name);
    const config = c.config ? parseDoctorConfig(c.config, 'doctor.yaml') : EMPTY_CONFIG;
    assert.equal(suppressedBy(rule, o, config) !== undefined, c.suppressed);
  });
}

test('fail: config errors name the file, line and key', () => {
  assert.throws(
    () => parseDoctorConfig('ignore:\n  - rule: SIP-101\n    colour: red\n', 'd.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^d\.yaml/);
      return true;
    },
  );
  assert.throws(() => parseDoctorConfig('severity:\n  SIP-101: fatal\n', 'd.yaml'), /d\.yaml:2/);
  assert.throws(() => parseDoctorConfig('ignore: [\n', 'd.yaml'), /invalid YAML/);
  assert.throws(() => parseDoctorConfig('severity:\n  SIP-777: info\n', 'd.yaml'), /unknown rule "SIP-777"/);
});

test('severity overrides accept slugs and normalise to ids', () => {
  assert.deepEqual(parseDoctorConfig('severity:\n  etp-cluster-snat: error\nfailOn: error\n', 'd.yaml'), {
    failOn: 'error',
    ignore: [],
    severity: { 'SIP-101': 'error' },
  });
});
