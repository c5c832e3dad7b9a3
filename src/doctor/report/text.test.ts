import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DoctorResult } from '../engine.ts';
import { renderText, safeText } from './text.ts';

const result: DoctorResult = {
  mode: 'static',
  objects: 1,
  suppressed: 0,
  errors: [],
  notes: [],
  findings: [
    {
      ruleId: 'SIP-105',
      slug: 'nodeport-etp-local-direct-clients',
      severity: 'warning',
      message: 'NodePort with externalTrafficPolicy Local',
      object: { kind: 'Service', namespace: 'web', name: 'evil\u001b[2J\r' },
      file: 'm.yaml',
      line: 4,
      related: [],
    },
  ],
};

test('manifest text cannot reach the terminal raw: control characters are escaped', () => {
  assert.equal(safeText('a\u001b[31mb\r\n'), 'a\\u001b[31mb\\u000d\\u000a');
  const out = renderText(result, { colour: false });
  assert.ok(!out.includes('\u001b'));
  assert.match(out, /Service\/web\/evil\\u001b\[2J\\u000d {2}m\.yaml:4/);
});

test('colour only when asked, grouped under the guide symptom', () => {
  assert.match(renderText(result, { colour: true }), /\u001b\[33mwarning/);
  const plain = renderText(result, { colour: false });
  assert.match(plain, /^Dropped traffic or failed health checks \(1\)\n/);
  assert.match(plain, /0 error\(s\), 1 warning\(s\), 0 info in 1 object\(s\) from manifests\./);
});
