/**
 * `sourceip probe` through real proxies in front of whoami: Debian's nginx as a plain reverse
 * proxy, nginx with the trust-everything realip setting (ingress-nginx `proxy-real-ip-cidr:
 * 0.0.0.0/0`, pitfall 3), and HAProxy `send-proxy-v2`. Programs are started and stopped by
 * test/support/peers.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ProbeReport, runProbe } from '../../src/probe/probe.ts';
import { startWhoami } from '../../src/whoami/server.ts';
import { haproxyDefaults, proxyPassLocation, startHaproxy, startNginx } from '../support/peers.ts';
import { requireProgram } from '../support/programs.ts';

const nginx = requireProgram('nginx');
const haproxy = requireProgram('haproxy');

function verdicts(report: ProbeReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
}

const HEADER_CHECKS = [
  'xff-single',
  'xff-two-entries',
  'xff-two-lines',
  'xff-ipv6',
  'x-real-ip',
  'forwarded',
  'forwarded-ipv6',
  'cf-connecting-ip',
  'true-client-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cloudfront-viewer-address',
];

async function nginxInFront(realip: string, t: { after(fn: () => Promise<void> | void): void }): Promise<string> {
  // nginx connects upstream from 127.0.0.1: the one proxy whoami trusts.
  const whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1'] });
  const program = await startNginx({
    binary: nginx as string,
    ports: { front: '127.0.0.1' },
    http: (p) => `  server {
    listen 127.0.0.1:${p.front};
${realip}
${proxyPassLocation(whoami.port)}
  }`,
  });
  t.after(async () => {
    await program.stop();
    await whoami.close();
  });
  return `http://127.0.0.1:${program.ports.front}/`;
}

test('nginx as a plain reverse proxy: preserved, nothing spoofable', {
  skip: typeof nginx === 'string' ? false : nginx.skip,
  timeout: 60_000,
}, async (t) => {
  const url = await nginxInFront('', t);
  const report = await runProbe({ url, sourceAddress: '127.0.0.2', timeoutMs: 3000, proxyProtocol: 1 });
  // nginx's HTTP parser answers 400 to a PROXY line on a listener without `proxy_protocol`.
  const want: Record<string, string> = { baseline: 'preserved', 'proxy-protocol-v1': 'refused' };
  // $proxy_add_x_forwarded_for appends our address: the forged entries reach whoami, left of it.
  for (const id of HEADER_CHECKS) want[id] = 'forwarded';
  // proxy_set_header X-Real-IP $remote_addr overwrites the forged one.
  want['x-real-ip'] = 'ignored';
  assert.deepEqual(verdicts(report), want);
  assert.equal(report.appPeer, '127.0.0.1');
  assert.equal(report.exitCode, 0);
});

test('nginx realip trusting 0.0.0.0/0 (ingress-nginx proxy-real-ip-cidr default): spoofable via X-Forwarded-For', {
  skip: typeof nginx === 'string' ? false : nginx.skip,
  timeout: 60_000,
}, async (t) => {
  const url = await nginxInFront(
    '    set_real_ip_from 0.0.0.0/0;\n    set_real_ip_from ::/0;\n    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;',
    t,
  );
  const report = await runProbe({ url, sourceAddress: '127.0.0.2', timeoutMs: 3000, canarySeed: 3 });
  const v = verdicts(report);
  assert.equal(v.baseline, 'preserved');
  for (const id of ['xff-single', 'xff-two-entries', 'xff-two-lines', 'xff-ipv6']) assert.equal(v[id], 'spoofable', id);
  // Every hop trusted and recursive: nginx walks to the leftmost entry.
  assert.equal(report.checks.find((c) => c.id === 'xff-two-entries')?.appSaw, '198.18.3.101');
  // Two lines: nginx 1.22 takes the first line's address (the leftmost of the lines in order).
  assert.equal(report.checks.find((c) => c.id === 'xff-two-lines')?.appSaw, '198.18.3.103');
  assert.equal(v['x-real-ip'], 'ignored');
  assert.equal(v['cf-connecting-ip'], 'forwarded');
  assert.equal(report.exitCode, 1);
});

test('HAProxy send-proxy-v2 in front of whoami --proxy-protocol required: preserved; our PROXY header is refused', {
  skip: typeof haproxy === 'string' ? false : haproxy.skip,
  timeout: 60_000,
}, async (t) => {
  const whoami = await startWhoami({ port: 0, proxyProtocol: 'required', proxyProtocolTrusted: ['127.0.0.1'] });
  const program = await startHaproxy({
    binary: haproxy as string,
    ports: { lb: '127.0.0.1' },
    config: (p) => `${haproxyDefaults('tcp')}frontend lb
  bind 127.0.0.1:${p.lb}
  default_backend whoami
backend whoami
  server w 127.0.0.1:${whoami.port} send-proxy-v2
`,
  });
  t.after(async () => {
    await program.stop();
    await whoami.close();
  });
  const port = program.ports.lb;
  const report = await runProbe({
    url: `http://127.0.0.1:${port}/`,
    sourceAddress: '127.0.0.2',
    timeoutMs: 3000,
    proxyProtocol: 2,
  });
  const want: Record<string, string> = { baseline: 'preserved', 'proxy-protocol-v2': 'refused' };
  // HAProxy in TCP mode passes our bytes untouched; whoami trusts no header, and echoes them.
  for (const id of HEADER_CHECKS) want[id] = 'forwarded';
  assert.deepEqual(verdicts(report), want, program.log());
  assert.equal(report.appPeer, '127.0.0.1');
  assert.equal(report.exitCode, 0);
});
