import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outcomeLabel, PROXY_OUTCOMES, ProxyCounters } from './counters.ts';
import { decodeProxyHeader } from './decode.ts';
import { ascii, tlv, v2 } from './decode.vectors.ts';
import { awsVpceId, findTlv, PP2_SUBTYPE_SSL_CN, PP2_TYPE_AUTHORITY, sslText, tlvName, tlvText } from './tlv.ts';

const ADDR = [203, 0, 113, 7, 198, 18, 0, 10, 0, 1, 0, 2];
const text = (s: string) => [...ascii(s)];

function header(body: number[]) {
  const r = decodeProxyHeader(v2(0x21, 0x11, [...ADDR, ...body]));
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') throw new Error('unreachable');
  return r.header;
}

test('awsVpceId reads TLV 0xEA subtype 0x01 (AWS NLB behind PrivateLink)', () => {
  assert.equal(awsVpceId(header(tlv(0xea, [0x01, ...text('vpce-08d2bf15fac5001c9')]))), 'vpce-08d2bf15fac5001c9');
});

test('awsVpceId ignores other subtypes and absent TLVs', () => {
  assert.equal(awsVpceId(header(tlv(0xea, [0x02, ...text('x')]))), undefined);
  assert.equal(awsVpceId(header([])), undefined);
});

test('tlvText gives the first TLV of a type as text; absent types give undefined', () => {
  const h = header([...tlv(0x02, text('a.example')), ...tlv(0x02, text('b.example')), ...tlv(0x01, text('h2'))]);
  assert.equal(tlvText(h, PP2_TYPE_AUTHORITY), 'a.example');
  assert.equal(tlvText(h, 0x01), 'h2');
  assert.equal(findTlv(h.tlvs, 0x30), undefined);
  assert.equal(tlvText(h, 0x30), undefined);
});

test('sslText decodes UTF-8 sub-TLV values', () => {
  const cn = [...new TextEncoder().encode('ßtraße.example')];
  const h = header(tlv(0x20, [0x01, 0, 0, 0, 0, ...tlv(0x22, cn)]));
  assert.equal(sslText(h, PP2_SUBTYPE_SSL_CN), 'ßtraße.example');
  assert.equal(sslText(header([]), PP2_SUBTYPE_SSL_CN), undefined);
});

test('tlvName names registered, custom, experimental and other types', () => {
  assert.deepEqual([0x01, 0x02, 0x03, 0x04, 0x05, 0x20, 0x30, 0xea, 0xee, 0xe0, 0xf3, 0x99].map(tlvName), [
    'alpn',
    'authority',
    'crc32c',
    'noop',
    'unique-id',
    'ssl',
    'netns',
    'aws',
    'azure',
    'custom-0xe0',
    'experiment-0xf3',
    '0x99',
  ]);
});

test('counters: one per outcome, snapshot is a copy, metric labels snake case', () => {
  const c = new ProxyCounters();
  for (const o of PROXY_OUTCOMES) c.count(o);
  c.count('accepted');
  const snap = c.snapshot();
  c.count('accepted');
  assert.deepEqual(snap, { accepted: 2, rejected: 1, missing: 1, invalid: 1, timedOut: 1, aborted: 1, passthrough: 1 });
  assert.deepEqual(PROXY_OUTCOMES.map(outcomeLabel), [
    'accepted',
    'rejected',
    'missing',
    'invalid',
    'timed_out',
    'aborted',
    'passthrough',
  ]);
});
