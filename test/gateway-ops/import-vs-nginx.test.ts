/**
 * `sourceip config import --from ingress-nginx` reproduces the seed: the same ConfigMap drives
 * (a) real nginx configured the way ingress-nginx's nginx.tmpl renders it (set_real_ip_from =
 * proxy-real-ip-cidr, real_ip_header = forwarded-for-header, real_ip_recursive on, X-Real-IP
 * $remote_addr, X-Forwarded-For $remote_addr or $full_x_forwarded_for) and (b) the sourceip gateway
 * running the imported config. For every request both upstreams must see the same X-Real-IP (the
 * resolved client) — including the spoof the implicit 0.0.0.0/0 allows — and, where sourceip claims
 * the same forwarding (`append`) from a trusted peer, the same X-Forwarded-For. From an untrusted peer
 * ingress-nginx passes the client-sent chain on; sourceip sends the real peer only (a deliberate difference).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import test from 'node:test';
import { parse } from 'yaml';
import { renderImported } from '../../src/gateway/config/import-common.ts';
import { translateIngressNginx } from '../../src/gateway/config/import-ingress-nginx.ts';
import { translateKong } from '../../src/gateway/config/import-kong.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import { freePort, startNginx } from '../gateway/external.ts';
import { requireProgram } from '../support/programs.ts';
import { startUpstream } from './support.ts';

type Scenario = { seed?: 'ingress-nginx' | 'kong'; name: string; data: Record<string, string> };

const scenarios: Scenario[] = [
  { name: 'realip off (no keys)', data: {} },
  { seed: 'kong', name: 'Kong defaults (no trusted_ips, X-Real-IP)', data: {} },
  {
    seed: 'kong',
    name: 'KONG_TRUSTED_IPS 127.0.0.1 with the default X-Real-IP header',
    data: { KONG_TRUSTED_IPS: '127.0.0.1' },
  },
  {
    seed: 'kong',
    name: 'KONG_TRUSTED_IPS 0.0.0.0/0,::/0 + X-Forwarded-For, recursive off',
    data: { KONG_TRUSTED_IPS: '0.0.0.0/0,::/0', KONG_REAL_IP_HEADER: 'X-Forwarded-For' },
  },
  {
    seed: 'kong',
    name: 'KONG_TRUSTED_IPS 127.0.0.1 + X-Forwarded-For, KONG_REAL_IP_RECURSIVE on',
    data: { KONG_TRUSTED_IPS: '127.0.0.1', KONG_REAL_IP_HEADER: 'X-Forwarded-For', KONG_REAL_IP_RECURSIVE: 'on' },
  },
  { name: 'use-forwarded-headers with the implicit 0.0.0.0/0', data: { 'use-forwarded-headers': 'true' } },
  {
    name: 'use-forwarded-headers + compute-full-forwarded-for + proxy-real-ip-cidr',
    data: {
      'use-forwarded-headers': 'true',
      'compute-full-forwarded-for': 'true',
      'proxy-real-ip-cidr': '127.0.0.1/32, 10.0.0.0/8',
    },
  },
  {
    name: 'enable-real-ip with a custom forwarded-for-header',
    data: { 'enable-real-ip': 'true', 'forwarded-for-header': 'X-Client-Chain', 'proxy-real-ip-cidr': '127.0.0.1' },
  },
];

/** Peer (local source address) × header lines; names list the case. */
const vectors: Array<{ from: string; lines: Array<[string, string]> }> = [
  { from: '127.0.0.1', lines: [] },
  { from: '127.0.0.1', lines: [['X-Forwarded-For', '203.0.113.7']] },
  { from: '127.0.0.2', lines: [['X-Forwarded-For', '203.0.113.7']] },
  { from: '127.0.0.1', lines: [['X-Forwarded-For', '203.0.113.7, 10.0.0.2']] },
  { from: '127.0.0.1', lines: [['X-Forwarded-For', '10.0.0.3, 10.0.0.2']] },
  { from: '127.0.0.1', lines: [['X-Forwarded-For', '1.1.1.1, bogus, 10.0.0.2']] },
  { from: '127.0.0.1', lines: [['X-Forwarded-For', '9.9.9.9, 2.2.2.2:8080']] },
  { from: '127.0.0.1', lines: [['X-Client-Chain', '198.51.100.1, 10.0.0.9']] },
  { from: '127.0.0.2', lines: [['X-Client-Chain', '198.51.100.1']] },
  { from: '127.0.0.1', lines: [['X-Real-IP', '192.0.2.5']] },
  { from: '127.0.0.1', lines: [['X-Real-IP', '192.0.2.5, 192.0.2.6']] },
];

/** Kong's nginx_kong.lua template (realip) + runloop handler (X-Real-IP, X-Forwarded-For = incoming + peer). */
function kongHttpBlock(vars: Record<string, string>, port: number, upstreamPort: number): string {
  const trusted = (vars.KONG_TRUSTED_IPS ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const header = vars.KONG_REAL_IP_HEADER ?? 'X-Real-IP';
  const recursive = vars.KONG_REAL_IP_RECURSIVE === 'on' ? 'on' : 'off';
  return [
    `${trusted.map((c) => `set_real_ip_from ${c};`).join(' ')} real_ip_header ${header}; real_ip_recursive ${recursive};`,
    `map $http_x_forwarded_for $kong_xff { default "$http_x_forwarded_for, $realip_remote_addr"; '' "$realip_remote_addr"; }`,
    `server { listen 127.0.0.1:${port}; location / {`,
    '  proxy_set_header X-Real-IP $remote_addr;',
    '  proxy_set_header X-Forwarded-For $kong_xff;',
    `  proxy_pass http://127.0.0.1:${upstreamPort}; } }`,
  ].join('\n');
}

/** The http-block subset of nginx.tmpl that decides the client IP and the forwarded headers. */
function ingressNginxHttpBlock(data: Record<string, string>, port: number, upstreamPort: number): string {
  const on = (key: string) => data[key] === 'true';
  const realIp = on('use-forwarded-headers') || on('enable-real-ip') || on('use-proxy-protocol');
  const cidrs = (data['proxy-real-ip-cidr'] ?? '0.0.0.0/0').split(',').map((c) => c.trim());
  const header = data['forwarded-for-header'] ?? 'X-Forwarded-For';
  const full = on('use-forwarded-headers') && on('compute-full-forwarded-for');
  return [
    realIp
      ? `${cidrs.map((c) => `set_real_ip_from ${c};`).join(' ')} real_ip_header ${header}; real_ip_recursive on;`
      : '',
    full
      ? `map $http_x_forwarded_for $full_x_forwarded_for { default "$http_x_forwarded_for, $realip_remote_addr"; '' "$realip_remote_addr"; }`
      : '',
    `server { listen 127.0.0.1:${port}; location / {`,
    '  proxy_set_header X-Real-IP $remote_addr;',
    `  proxy_set_header X-Forwarded-For ${full ? '$full_x_forwarded_for' : '$remote_addr'};`,
    `  proxy_pass http://127.0.0.1:${upstreamPort}; } }`,
  ].join('\n');
}

function seen(port: number, from: string, lines: Array<[string, string]>): Promise<{ realIp: string; xff: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of lines) headers[name] = value;
    const req = request({ host: '127.0.0.1', port, path: '/', localAddress: from, agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200 || res.headers['x-upstream'] !== 'app') {
          reject(new Error(`port ${port}: status ${res.statusCode}, not from the upstream`));
          return;
        }
        resolve({ realIp: String(res.headers['x-seen-real-ip']), xff: String(res.headers['x-seen-xff']) });
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Enough CIDR logic for the scenarios above (127.0.0.1, 127.0.0.1/32, 0.0.0.0/0, 10.0.0.0/8). */
function peerTrusted(peer: string, trusted: readonly string[]): boolean {
  return trusted.some((range) => range === '0.0.0.0/0' || range === peer || range === `${peer}/32`);
}

for (const scenario of scenarios) {
  const seed = scenario.seed ?? 'ingress-nginx';
  test(`import ${seed} ≡ its nginx config on real nginx: ${scenario.name}`, { timeout: 60_000 }, async (t) => {
    const nginxBin = requireProgram('nginx');
    if (typeof nginxBin !== 'string') {
      t.skip(nginxBin.skip);
      return;
    }
    const upstream = await startUpstream('app');
    const nginxPort = await freePort();
    const block =
      seed === 'kong'
        ? kongHttpBlock(scenario.data, nginxPort, upstream.port)
        : ingressNginxHttpBlock(scenario.data, nginxPort, upstream.port);
    const nginx = await startNginx(nginxBin, block, [nginxPort]);
    const options = { listen: { host: '127.0.0.1', port: 0 }, upstreams: [`127.0.0.1:${upstream.port}`] };
    const translation =
      seed === 'kong'
        ? translateKong({ ...scenario.data, KONG_PROXY_LISTEN: '127.0.0.1:0' }, options)
        : translateIngressNginx(scenario.data, options);
    const gateway = await startGateway({
      configObject: parse(renderImported(translation, 'test', { upstreams: [`127.0.0.1:${upstream.port}`] })),
      env: {},
      handleSignals: false,
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    });
    t.after(async () => {
      await gateway.shutdown('test');
      await nginx.stop();
      await upstream.close();
    });
    const gatewayPort = gateway.listeners()[0]!.port;
    const append = translation.config.forwarding.xForwardedFor === 'append';
    const results: string[] = [];
    const trusted = translation.config.trustProfiles[0]!.trusted as string[];
    for (const vector of vectors) {
      const label = `${vector.from} ${JSON.stringify(vector.lines)}`;
      const viaNginx = await seen(nginxPort, vector.from, vector.lines);
      const viaGateway = await seen(gatewayPort, vector.from, vector.lines);
      assert.equal(viaGateway.realIp, viaNginx.realIp, `X-Real-IP (the resolved client) for ${label}`);
      results.push(viaNginx.realIp);
      if (append && peerTrusted(vector.from, trusted)) {
        assert.equal(viaGateway.xff, viaNginx.xff, `X-Forwarded-For for ${label}`);
      } else if (append) {
        // Deliberate difference: ingress-nginx passes an untrusted peer's chain on; sourceip starts over.
        assert.equal(viaGateway.xff, vector.from, `X-Forwarded-For from an untrusted peer for ${label}`);
      }
    }
    t.diagnostic(`clients nginx resolved: ${results.join(' ')}`);
  });
}

/** One request over a raw socket that starts with `proxyLine`; resolves with what the upstream saw. */
function seenViaProxy(
  port: number,
  from: string,
  proxyLine: string,
  lines: Array<[string, string]>,
): Promise<{ realIp: string; xff: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('close', () => {
      const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1] ?? '';
      if (!/^HTTP\/1\.1 200 /.test(head) || header('x-upstream') !== 'app') {
        reject(new Error(`port ${port}: ${JSON.stringify(head.slice(0, 60))}`));
        return;
      }
      resolve({ realIp: header('x-seen-real-ip'), xff: header('x-seen-xff') });
    });
    const extra = lines.map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`${proxyLine}GET / HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`);
  });
}

const proxyScenarios: Scenario[] = [
  { name: 'use-proxy-protocol with the implicit 0.0.0.0/0', data: { 'use-proxy-protocol': 'true' } },
  {
    name: 'use-proxy-protocol + proxy-real-ip-cidr',
    data: { 'use-proxy-protocol': 'true', 'proxy-real-ip-cidr': '127.0.0.1/32' },
  },
  {
    seed: 'kong',
    name: 'KONG_PROXY_LISTEN proxy_protocol + KONG_REAL_IP_HEADER proxy_protocol + KONG_TRUSTED_IPS',
    data: { KONG_TRUSTED_IPS: '127.0.0.1', KONG_REAL_IP_HEADER: 'proxy_protocol' },
  },
];
const proxyVectors: Array<{ proxyLine: string; lines: Array<[string, string]> }> = [
  { proxyLine: 'PROXY TCP4 198.51.100.7 127.0.0.1 5555 80\r\n', lines: [] },
  { proxyLine: 'PROXY TCP4 198.51.100.7 127.0.0.1 5555 80\r\n', lines: [['X-Forwarded-For', '203.0.113.9']] },
  { proxyLine: 'PROXY TCP6 2001:db8::7 ::1 5555 80\r\n', lines: [] },
  { proxyLine: 'PROXY UNKNOWN\r\n', lines: [['X-Forwarded-For', '203.0.113.9']] },
];

for (const scenario of proxyScenarios) {
  const seed = scenario.seed ?? 'ingress-nginx';
  test(`import ${seed} ≡ its nginx config on real nginx: ${scenario.name}`, { timeout: 60_000 }, async (t) => {
    const nginxBin = requireProgram('nginx');
    if (typeof nginxBin !== 'string') {
      t.skip(nginxBin.skip);
      return;
    }
    const upstream = await startUpstream('app');
    const nginxPort = await freePort();
    const kong = seed === 'kong';
    const cidrs = kong
      ? scenario.data.KONG_TRUSTED_IPS!.split(',')
      : (scenario.data['proxy-real-ip-cidr'] ?? '0.0.0.0/0').split(',').map((c) => c.trim());
    // nginx.tmpl with use-proxy-protocol only (Kong: proxy_listen … proxy_protocol, real_ip_header
    // proxy_protocol): `listen … proxy_protocol` and `real_ip_header proxy_protocol`.
    const block = [
      `${cidrs.map((c) => `set_real_ip_from ${c};`).join(' ')} real_ip_header proxy_protocol; real_ip_recursive ${kong ? 'off' : 'on'};`,
      `server { listen 127.0.0.1:${nginxPort} proxy_protocol; location / {`,
      '  proxy_set_header X-Real-IP $remote_addr;',
      '  proxy_set_header X-Forwarded-For $remote_addr;',
      `  proxy_pass http://127.0.0.1:${upstream.port}; } }`,
    ].join('\n');
    const nginx = await startNginx(nginxBin, block, [nginxPort]);
    const translation = kong
      ? translateKong({ ...scenario.data, KONG_PROXY_LISTEN: '127.0.0.1:0 proxy_protocol' })
      : translateIngressNginx(scenario.data, { listen: { host: '127.0.0.1', port: 0 } });
    const gateway = await startGateway({
      configObject: parse(renderImported(translation, 'test', { upstreams: [`127.0.0.1:${upstream.port}`] })),
      env: {},
      handleSignals: false,
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    });
    t.after(async () => {
      await gateway.shutdown('test');
      await nginx.stop();
      await upstream.close();
    });
    const gatewayPort = gateway.listeners()[0]!.port;
    const results: string[] = [];
    for (const vector of proxyVectors) {
      const label = JSON.stringify(vector);
      const viaNginx = await seenViaProxy(nginxPort, '127.0.0.1', vector.proxyLine, vector.lines);
      const viaGateway = await seenViaProxy(gatewayPort, '127.0.0.1', vector.proxyLine, vector.lines);
      assert.equal(viaGateway.realIp, viaNginx.realIp, `X-Real-IP for ${label}`);
      // Kong appends $realip_remote_addr (the load balancer); sourceip appends the real peer (the PROXY source).
      if (!kong) assert.equal(viaGateway.xff, viaNginx.xff, `X-Forwarded-For (replace) for ${label}`);
      results.push(viaNginx.realIp);
    }
    t.diagnostic(`clients nginx resolved: ${results.join(' ')}`);
  });
}
