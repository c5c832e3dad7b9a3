import assert from 'node:assert/strict';
import test from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import { renderImported } from './import-common.ts';
import { readIngressNginxData, translateIngressNginx } from './import-ingress-nginx.ts';
import { checkConfigText } from './load.ts';

type Case = {
  name: string;
  data: Record<string, string>;
  /** Expected trust profile fields. */
  trusted: string[];
  header?: string;
  /** Expected listener PROXY mode / trusted / timeout. */
  proxyProtocol?: { mode: string; trusted?: string[]; timeoutMs?: number };
  xForwardedFor: 'append' | 'replace';
  /** Substrings that must appear in some warning (and, with `noWarning`, must not). */
  warns?: string[];
  noWarning?: string[];
};

// Every ingress-nginx client-IP key has at least one row. Expectations follow nginx.tmpl:
// realip on iff use-forwarded-headers || use-proxy-protocol || enable-real-ip; recursive always on.
const cases: Case[] = [
  {
    name: 'no keys: realip off, the client is the TCP peer, X-Forwarded-For replaced',
    data: {},
    trusted: [],
    proxyProtocol: { mode: 'off' },
    xForwardedFor: 'replace',
    noWarning: ['0.0.0.0/0'],
  },
  {
    name: 'use-forwarded-headers without proxy-real-ip-cidr: the implicit 0.0.0.0/0 is trusted and flagged',
    data: { 'use-forwarded-headers': 'true' },
    trusted: ['0.0.0.0/0'],
    header: 'X-Forwarded-For',
    xForwardedFor: 'replace',
    warns: ['implicit 0.0.0.0/0', '#9163', 'X-Forwarded-For is replaced'],
  },
  {
    name: 'use-forwarded-headers + proxy-real-ip-cidr: only the listed ranges are trusted',
    data: { 'use-forwarded-headers': 'true', 'proxy-real-ip-cidr': '10.0.0.0/8, 192.168.0.0/16' },
    trusted: ['10.0.0.0/8', '192.168.0.0/16'],
    xForwardedFor: 'replace',
    noWarning: ['0.0.0.0/0'],
  },
  {
    name: 'explicit proxy-real-ip-cidr 0.0.0.0/0 is flagged as explicit',
    data: { 'use-forwarded-headers': 'true', 'proxy-real-ip-cidr': '0.0.0.0/0' },
    trusted: ['0.0.0.0/0'],
    xForwardedFor: 'replace',
    warns: ['proxy-real-ip-cidr lists 0.0.0.0/0'],
  },
  {
    name: 'compute-full-forwarded-for with use-forwarded-headers: X-Forwarded-For appended',
    data: { 'use-forwarded-headers': 'true', 'compute-full-forwarded-for': 'true', 'proxy-real-ip-cidr': '10.0.0.0/8' },
    trusted: ['10.0.0.0/8'],
    xForwardedFor: 'append',
    noWarning: ['is replaced'],
  },
  {
    name: 'compute-full-forwarded-for alone has no effect (the template needs use-forwarded-headers)',
    data: { 'compute-full-forwarded-for': 'true' },
    trusted: [],
    xForwardedFor: 'replace',
  },
  {
    name: 'enable-real-ip turns realip on without use-forwarded-headers',
    data: { 'enable-real-ip': 'true', 'proxy-real-ip-cidr': '172.16.0.0/12' },
    trusted: ['172.16.0.0/12'],
    xForwardedFor: 'replace',
    noWarning: ['#9163'],
  },
  {
    name: 'forwarded-for-header picks the header realip reads',
    data: {
      'use-forwarded-headers': 'true',
      'forwarded-for-header': 'CF-Connecting-IP',
      'proxy-real-ip-cidr': '10.0.0.0/8',
    },
    trusted: ['10.0.0.0/8'],
    header: 'CF-Connecting-IP',
    xForwardedFor: 'replace',
  },
  {
    name: 'forwarded-for-header proxy_protocol: no header is evidence',
    data: { 'enable-real-ip': 'true', 'forwarded-for-header': 'proxy_protocol', 'proxy-real-ip-cidr': '10.0.0.0/8' },
    trusted: [],
    xForwardedFor: 'replace',
  },
  {
    name: 'use-proxy-protocol alone: PROXY required from proxy-real-ip-cidr, headers not read',
    data: { 'use-proxy-protocol': 'true', 'proxy-real-ip-cidr': '10.0.0.0/8' },
    trusted: [],
    proxyProtocol: { mode: 'required', trusted: ['10.0.0.0/8'], timeoutMs: 5000 },
    xForwardedFor: 'replace',
    noWarning: ['0.0.0.0/0'],
  },
  {
    name: 'use-proxy-protocol without proxy-real-ip-cidr: any IPv4 peer may send PROXY, flagged',
    data: { 'use-proxy-protocol': 'true' },
    trusted: [],
    proxyProtocol: { mode: 'required', trusted: ['0.0.0.0/0'] },
    xForwardedFor: 'replace',
    warns: ['may send a PROXY header'],
  },
  {
    name: 'use-proxy-protocol + use-forwarded-headers: the PROXY source is walked into X-Forwarded-For',
    data: {
      'use-proxy-protocol': 'true',
      'use-forwarded-headers': 'true',
      'compute-full-forwarded-for': 'true',
      'proxy-real-ip-cidr': '10.0.0.0/8',
    },
    trusted: ['10.0.0.0/8'],
    proxyProtocol: { mode: 'required', trusted: ['10.0.0.0/8'] },
    xForwardedFor: 'append',
  },
  {
    name: 'proxy-protocol-header-timeout becomes the listener PROXY timeout',
    data: { 'use-proxy-protocol': 'true', 'proxy-real-ip-cidr': '10.0.0.0/8', 'proxy-protocol-header-timeout': '2s' },
    trusted: [],
    proxyProtocol: { mode: 'required', timeoutMs: 2000 },
    xForwardedFor: 'replace',
  },
  {
    name: 'real-ip-header is not an ingress-nginx key: ignored, with a warning',
    data: { 'use-forwarded-headers': 'true', 'real-ip-header': 'X-Real-IP', 'proxy-real-ip-cidr': '10.0.0.0/8' },
    trusted: ['10.0.0.0/8'],
    header: 'X-Forwarded-For',
    xForwardedFor: 'replace',
    warns: ['real-ip-header is not an ingress-nginx ConfigMap key'],
  },
  {
    name: 'Go booleans: "1" and "False" are read like strconv.ParseBool',
    data: { 'use-forwarded-headers': '1', 'compute-full-forwarded-for': 'False', 'proxy-real-ip-cidr': '10.0.0.0/8' },
    trusted: ['10.0.0.0/8'],
    xForwardedFor: 'replace',
  },
];

for (const c of cases) {
  test(c.name, () => {
    const translation = translateIngressNginx(c.data);
    const profile = translation.config.trustProfiles[0]!;
    assert.equal(profile.semantics, 'nginx');
    assert.equal(profile.recursive, true, 'ingress-nginx always sets real_ip_recursive on');
    assert.deepEqual(profile.trusted, c.trusted);
    if (c.header) assert.equal(profile.header, c.header);
    const listener = translation.config.listeners[0]!;
    const proxy = listener.proxyProtocol as { mode: string; trusted: string[]; timeoutMs: number };
    if (c.proxyProtocol) {
      assert.equal(proxy.mode, c.proxyProtocol.mode);
      if (c.proxyProtocol.trusted) assert.deepEqual(proxy.trusted, c.proxyProtocol.trusted);
      if (c.proxyProtocol.timeoutMs !== undefined) assert.equal(proxy.timeoutMs, c.proxyProtocol.timeoutMs);
    }
    assert.equal(translation.config.forwarding.xForwardedFor, c.xForwardedFor);
    assert.equal(translation.config.forwarding.xRealIp, true, 'ingress-nginx always sends X-Real-IP: $remote_addr');
    for (const text of c.warns ?? []) {
      assert.ok(
        translation.warnings.some((w) => w.includes(text)),
        `a warning mentions ${text}: ${translation.warnings.join(' | ')}`,
      );
    }
    for (const text of c.noWarning ?? []) {
      assert.ok(!translation.warnings.some((w) => w.includes(text)), `no warning mentions ${text}`);
    }
    // The printed YAML is a valid sourceip config that loads to the same profile.
    const loaded = checkConfigText(renderImported(translation, 'test'), 'imported.yaml', {});
    assert.deepEqual(loaded.errors, []);
    const loadedProfile = loaded.config!.trustProfiles.find((p) => p.name === 'ingress-nginx')!;
    assert.deepEqual(loadedProfile.trusted, c.trusted);
    assert.equal(loaded.config!.routes[0]!.forwarding.xForwardedFor, c.xForwardedFor);
    assert.equal(loaded.config!.listeners[0]!.trust, 'ingress-nginx');
  });
}

test('fail: a non-boolean value names the key', () => {
  assert.throws(
    () => translateIngressNginx({ 'use-forwarded-headers': 'maybe' }),
    (error: unknown) =>
      error instanceof ConfigError && error.key === 'use-forwarded-headers' && /"maybe"/.test(error.message),
  );
});

test('fail: a bad proxy-protocol-header-timeout names the key', () => {
  assert.throws(
    () => translateIngressNginx({ 'proxy-protocol-header-timeout': 'soon' }),
    /proxy-protocol-header-timeout/,
  );
});

test('reads a ConfigMap among other documents, Helm values, and a plain map', () => {
  const manifest = [
    'apiVersion: v1\nkind: Service\nmetadata: { name: x }',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: other }\ndata: { foo: bar }',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ingress-nginx-controller }\ndata:\n  use-forwarded-headers: "true"\n  proxy-real-ip-cidr: 10.0.0.0/8',
  ].join('\n---\n');
  assert.deepEqual(readIngressNginxData(manifest, 'm.yaml'), {
    'use-forwarded-headers': 'true',
    'proxy-real-ip-cidr': '10.0.0.0/8',
  });
  assert.deepEqual(readIngressNginxData('controller:\n  config:\n    use-proxy-protocol: true\n', 'values.yaml'), {
    'use-proxy-protocol': 'true',
  });
  assert.deepEqual(readIngressNginxData('enable-real-ip: "true"\n', 'plain.yaml'), { 'enable-real-ip': 'true' });
  assert.throws(() => readIngressNginxData('- a\n- b\n', 'list.yaml'), ConfigError);
});
