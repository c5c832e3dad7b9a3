import assert from 'node:assert/strict';
import test from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import { renderImported } from './import-common.ts';
import { parseProxyListen, readKongVariables, translateKong } from './import-kong.ts';
import { checkConfigText } from './load.ts';

type Case = {
  name: string;
  vars: Record<string, string>;
  trusted: string[];
  header: string;
  recursive: boolean;
  /** name → PROXY mode (+ trusted) of each listener, in order. */
  listeners: Array<{ name: string; port: number; proxy: 'off' | 'required'; proxyTrusted?: string[] }>;
  warns?: string[];
  noWarning?: string[];
};

// Kong defaults: trusted_ips empty, real_ip_header X-Real-IP, real_ip_recursive off,
// proxy_listen 0.0.0.0:8000 + 0.0.0.0:8443 ssl (the ssl one needs certificates).
const cases: Case[] = [
  {
    name: 'no variables: Kong defaults, nothing trusted, the 8000 listener only',
    vars: {},
    trusted: [],
    header: 'X-Real-IP',
    recursive: false,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
    warns: ['KONG_SSL_CERT'],
    noWarning: ['trusts every peer'],
  },
  {
    name: 'KONG_TRUSTED_IPS lists the trusted ranges',
    vars: { KONG_TRUSTED_IPS: '10.0.0.0/8,192.168.0.0/16', KONG_PROXY_LISTEN: '0.0.0.0:8000' },
    trusted: ['10.0.0.0/8', '192.168.0.0/16'],
    header: 'X-Real-IP',
    recursive: false,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
    noWarning: ['trusts every peer', 'KONG_SSL_CERT'],
  },
  {
    name: 'KONG_TRUSTED_IPS 0.0.0.0/0,::/0 trusts everyone and is flagged',
    vars: { KONG_TRUSTED_IPS: '0.0.0.0/0,::/0', KONG_PROXY_LISTEN: '0.0.0.0:8000' },
    trusted: ['0.0.0.0/0', '::/0'],
    header: 'X-Real-IP',
    recursive: false,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
    warns: ['trusts every peer', '#3946'],
  },
  {
    name: 'KONG_REAL_IP_HEADER X-Forwarded-For with recursive off: flagged for multi-hop chains',
    vars: { KONG_TRUSTED_IPS: '10.0.0.0/8', KONG_REAL_IP_HEADER: 'X-Forwarded-For', KONG_PROXY_LISTEN: '0.0.0.0:8000' },
    trusted: ['10.0.0.0/8'],
    header: 'X-Forwarded-For',
    recursive: false,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
    warns: ['multi-hop chain'],
  },
  {
    name: 'KONG_REAL_IP_RECURSIVE on: recursive walk, no multi-hop warning',
    vars: {
      KONG_TRUSTED_IPS: '10.0.0.0/8',
      KONG_REAL_IP_HEADER: 'X-Forwarded-For',
      KONG_REAL_IP_RECURSIVE: 'on',
      KONG_PROXY_LISTEN: '0.0.0.0:8000',
    },
    trusted: ['10.0.0.0/8'],
    header: 'X-Forwarded-For',
    recursive: true,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
    noWarning: ['multi-hop chain'],
  },
  {
    name: 'KONG_REAL_IP_HEADER without KONG_TRUSTED_IPS has no effect (flagged)',
    vars: { KONG_REAL_IP_HEADER: 'X-Forwarded-For', KONG_PROXY_LISTEN: '0.0.0.0:8000' },
    trusted: [],
    header: 'X-Forwarded-For',
    recursive: false,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
    warns: ['has no effect without KONG_TRUSTED_IPS'],
  },
  {
    name: 'KONG_PROXY_LISTEN with proxy_protocol and real_ip_header proxy_protocol: PROXY from trusted ranges, no header trusted',
    vars: {
      KONG_TRUSTED_IPS: '10.0.0.0/8',
      KONG_REAL_IP_HEADER: 'proxy_protocol',
      KONG_PROXY_LISTEN: '0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8001 proxy_protocol',
    },
    trusted: [],
    header: 'X-Real-IP',
    recursive: false,
    listeners: [
      { name: 'proxy-8000', port: 8000, proxy: 'off' },
      { name: 'proxy-8001', port: 8001, proxy: 'required', proxyTrusted: ['10.0.0.0/8'] },
    ],
    noWarning: ['multi-hop chain'],
  },
  {
    name: 'the guide\u2019s KONG_PROXY_LISTEN: 8000 plain, 8443 http2 ssl proxy_protocol (skipped without certificates)',
    vars: { KONG_PROXY_LISTEN: '0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl proxy_protocol' },
    trusted: [],
    header: 'X-Real-IP',
    recursive: false,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
    warns: ['0.0.0.0:8443 is an ssl listener'],
  },
  {
    name: 'kong.conf names (lower case, no prefix) are accepted',
    vars: { trusted_ips: '10.0.0.0/8', real_ip_recursive: 'on', proxy_listen: '127.0.0.1:8000' },
    trusted: ['10.0.0.0/8'],
    header: 'X-Real-IP',
    recursive: true,
    listeners: [{ name: 'proxy-8000', port: 8000, proxy: 'off' }],
  },
];

for (const c of cases) {
  test(c.name, () => {
    const translation = translateKong(c.vars);
    const profile = translation.config.trustProfiles[0]!;
    assert.equal(profile.semantics, 'nginx', 'Kong runs nginx realip');
    assert.deepEqual(profile.trusted, c.trusted);
    assert.equal(profile.header, c.header);
    assert.equal(profile.recursive, c.recursive);
    assert.deepEqual(
      translation.config.listeners.map((l) => ({
        name: l.name,
        port: l.port,
        proxy: (l.proxyProtocol as { mode: 'off' | 'required' }).mode,
        ...((l.proxyProtocol as { trusted?: string[] }).trusted &&
        (l.proxyProtocol as { mode: string }).mode === 'required'
          ? { proxyTrusted: (l.proxyProtocol as { trusted: string[] }).trusted }
          : {}),
      })),
      c.listeners,
    );
    assert.equal(translation.config.forwarding.xForwardedFor, 'append', 'Kong appends the real peer');
    for (const text of c.warns ?? []) {
      assert.ok(
        translation.warnings.some((w) => w.includes(text)),
        `a warning mentions ${text}: ${translation.warnings.join(' | ')}`,
      );
    }
    for (const text of c.noWarning ?? []) {
      assert.ok(!translation.warnings.some((w) => w.includes(text)), `no warning mentions ${text}`);
    }
    const loaded = checkConfigText(renderImported(translation, 'test'), 'imported.yaml', {});
    assert.deepEqual(loaded.errors, []);
    assert.deepEqual(loaded.config!.trustProfiles.find((p) => p.name === 'kong')!.trusted, c.trusted);
  });
}

test('an ssl listener with KONG_SSL_CERT / KONG_SSL_CERT_KEY gets tls', () => {
  const translation = translateKong({
    KONG_PROXY_LISTEN: '0.0.0.0:8443 ssl',
    KONG_SSL_CERT: '/etc/tls/tls.crt',
    KONG_SSL_CERT_KEY: '/etc/tls/tls.key',
  });
  assert.deepEqual(translation.config.listeners[0]!.tls, { certFile: '/etc/tls/tls.crt', keyFile: '/etc/tls/tls.key' });
});

test('KONG_PROXY_LISTEN forms: [v6], bare port, off', () => {
  assert.deepEqual(parseProxyListen('[::]:8000 ipv6only=on, 8001'), [
    { host: '::', port: 8000, flags: ['ipv6only=on'] },
    { host: '0.0.0.0', port: 8001, flags: [] },
  ]);
  assert.deepEqual(parseProxyListen('off'), []);
  assert.throws(() => parseProxyListen('0.0.0.0:99999'), ConfigError);
  assert.throws(() => translateKong({ KONG_PROXY_LISTEN: 'off' }), /no listener/);
  assert.throws(() => translateKong({ KONG_REAL_IP_RECURSIVE: 'sometimes' }), /KONG_REAL_IP_RECURSIVE/);
});

test('reads an env file, a Deployment, Helm values (map and list) and a YAML map', () => {
  const envFile = '# kong\nexport KONG_TRUSTED_IPS="0.0.0.0/0,::/0"\nKONG_REAL_IP_HEADER=X-Forwarded-For # comment\n\n';
  assert.deepEqual(readKongVariables(envFile, 'kong.env'), {
    KONG_TRUSTED_IPS: '0.0.0.0/0,::/0',
    KONG_REAL_IP_HEADER: 'X-Forwarded-For',
  });
  const deployment = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: kong }',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: ingress-controller',
    '          env: [{ name: CONTROLLER_X, value: "1" }]',
    '        - name: proxy',
    '          env:',
    '            - { name: KONG_TRUSTED_IPS, value: "10.0.0.0/8" }',
    '            - { name: KONG_REAL_IP_RECURSIVE, value: "on" }',
    '            - { name: KONG_SECRET, valueFrom: { secretKeyRef: { name: s, key: k } } }',
  ].join('\n');
  assert.deepEqual(readKongVariables(deployment, 'deploy.yaml'), {
    KONG_TRUSTED_IPS: '10.0.0.0/8',
    KONG_REAL_IP_RECURSIVE: 'on',
  });
  assert.deepEqual(
    readKongVariables('env:\n  trusted_ips: 10.0.0.0/8\n  real_ip_header: X-Forwarded-For\n', 'values.yaml'),
    {
      trusted_ips: '10.0.0.0/8',
      real_ip_header: 'X-Forwarded-For',
    },
  );
  assert.deepEqual(readKongVariables('env:\n  - name: KONG_TRUSTED_IPS\n    value: 10.0.0.0/8\n', 'values.yaml'), {
    KONG_TRUSTED_IPS: '10.0.0.0/8',
  });
  assert.deepEqual(readKongVariables('KONG_TRUSTED_IPS: 10.0.0.0/8\n', 'map.yaml'), { KONG_TRUSTED_IPS: '10.0.0.0/8' });
  assert.throws(
    () => readKongVariables('KONG_X=1\nnot a line\n', 'bad.env'),
    (e: unknown) => e instanceof ConfigError && e.line === 2,
  );
});
