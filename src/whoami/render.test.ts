import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderHtml } from './render-html.ts';
import { renderText, traceLine } from './render-text.ts';
import type { WhoamiReport } from './report.ts';

const EVIL = '<script>alert(1)</script>\u001b[2J\r\nFake: line\u202e';

/** A report where every wire-controlled field carries hostile text. */
function hostileReport(overrides: Partial<WhoamiReport> = {}): WhoamiReport {
  return {
    peer: { ip: '127.0.0.1', port: 40000 },
    proxyProtocol: {
      version: 2,
      command: 'PROXY',
      family: 'TCP4',
      source: '203.0.113.7',
      sourcePort: 51234,
      destination: '198.18.0.10',
      destinationPort: 443,
      headerLength: 28,
      tlvs: [{ type: 5, name: 'UNIQUE_ID', hex: '3c7363726970743e' }],
    },
    request: { method: 'GET', url: `/${EVIL}`, httpVersion: '1.1' },
    headers: [
      ['Host', EVIL],
      ['X-Forwarded-For', EVIL],
      [EVIL, 'v'],
    ],
    client: {
      ip: '127.0.0.1',
      port: null,
      reason: 'untrusted-peer',
      trace: [{ source: 'header', header: 'X-Forwarded-For', line: 0, index: 0, value: EVIL, verdict: 'skipped' }],
    },
    trust: {
      semantics: 'strict',
      trusted: [],
      trustAll: false,
      hops: null,
      header: 'X-Forwarded-For',
      recursive: false,
      trustsEverything: false,
      proxyProtocol: { mode: 'required', trusted: ['127.0.0.1'] },
    },
    spoofAttempts: [{ header: 'X-Forwarded-For', value: EVIL }],
    host: 'pod-1',
    ...overrides,
  };
}

test('html: no attacker tag, quote or control character reaches the page', () => {
  const html = renderHtml(hostileReport());
  assert.ok(!html.includes('<script'), 'raw <script> in page');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(html), 'raw control character in page');
  assert.ok(html.includes('\\x1b[2J\\r\\nFake: line\\u{202e}'));
  assert.ok(html.includes('Spoof attempts'));
  assert.ok(html.includes('UNIQUE_ID'));
});

test('text: every line is one line; controls are visible escapes', () => {
  const text = renderText(hostileReport());
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/.test(text), 'raw control character in text');
  assert.ok(!text.split('\n').some((line) => line.startsWith('Fake:')), 'a header faked an output line');
  assert.match(text, /^Hostname: pod-1$/m);
  assert.match(text, /^Peer: 127\.0\.0\.1:40000$/m);
  assert.match(text, /^PROXY protocol: v2 PROXY TCP4 \(28 bytes\)$/m);
  assert.match(text, /^ {2}source: 203\.0\.113\.7:51234$/m);
  assert.match(text, /^Client: 127\.0\.0\.1 \(untrusted-peer\)$/m);
  assert.match(text, /^Spoof attempts/m);
});

test('text: trustsEverything is flagged as spoofable', () => {
  const base = hostileReport();
  const text = renderText(hostileReport({ trust: { ...base.trust, trustAll: true, trustsEverything: true } }));
  assert.match(text, /WARNING: .*spoofable/);
  const html = renderHtml(hostileReport({ trust: { ...base.trust, trustsEverything: true } }));
  assert.match(html, /class="warn">This configuration trusts every address/);
});

test('text: IPv6 client with a port is bracketed', () => {
  const base = hostileReport();
  const text = renderText(hostileReport({ client: { ...base.client, ip: '2001:db8::1', port: 443 } }));
  assert.match(text, /^Client: \[2001:db8::1\]:443 \(untrusted-peer\)$/m);
});

test('trace line: where, quoted value, verdict and details', () => {
  assert.equal(
    traceLine({
      source: 'header',
      header: 'X-Forwarded-For',
      line: 1,
      index: 2,
      value: '10.0.0.2',
      verdict: 'trusted',
      range: '10.0.0.0/8',
    }),
    'X-Forwarded-For line 1 entry 2 "10.0.0.2": trusted (10.0.0.0/8)',
  );
  assert.equal(
    traceLine({ source: 'peer', value: 'a"b', verdict: 'invalid', why: 'not-an-ip' }),
    'peer "a\\"b": invalid (not-an-ip)',
  );
});
