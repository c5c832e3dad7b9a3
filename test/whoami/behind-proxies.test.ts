/**
 * whoami behind real proxies, as in the labs: Debian's nginx (`proxy_add_x_forwarded_for`,
 * X-Real-IP) and HAProxy (`send-proxy` / `send-proxy-v2`) in front, clients from several
 * 127.x.y.z addresses and ::1. whoami must name the client the proxy saw, keep the proxy as the
 * direct peer, and flag nothing a trusted proxy wrote. Programs are started and stopped by
 * test/support/peers.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningWhoami, startWhoami } from '../../src/whoami/server.ts';
import { getJson } from '../middleware/support.ts';
import { haproxyDefaults, proxyPassLocation, type RunningPeer, startHaproxy, startNginx } from '../support/peers.ts';
import { requireProgram } from '../support/programs.ts';

const nginx = requireProgram('nginx');
const haproxy = requireProgram('haproxy');

describe('nginx in front of whoami (X-Forwarded-For, X-Real-IP)', {
  skip: typeof nginx === 'string' ? false : nginx.skip,
}, () => {
  let whoami: RunningWhoami;
  let program: RunningPeer;
  let front: string;

  before(async () => {
    // nginx connects upstream from 127.0.0.1: the one trusted proxy.
    whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1'] });
    program = await startNginx({
      binary: nginx as string,
      ports: { front: '127.0.0.1' },
      http: (p) => `  server {
    listen 127.0.0.1:${p.front};
${proxyPassLocation(whoami.port)}
  }`,
    });
    front = `http://127.0.0.1:${program.ports.front}/`;
  });
  after(async () => {
    await program?.stop();
    await whoami?.close();
  });

  test('the client nginx saw, with nginx as the trusted peer; the forged entry is left of it', async () => {
    const { status, json } = await getJson(front, {
      path: '/?format=json',
      localAddress: '127.0.0.3',
      headers: [['X-Forwarded-For', '6.6.6.6']],
    });
    assert.equal(status, 200, program.log());
    assert.equal(json.peer.ip, '127.0.0.1');
    assert.equal(json.client.ip, '127.0.0.3');
    assert.equal(json.client.reason, 'rightmost-untrusted');
    assert.deepEqual(
      json.headers.filter(([name]: [string]) => ['x-forwarded-for', 'x-real-ip'].includes(name.toLowerCase())),
      [
        ['X-Real-IP', '127.0.0.3'],
        ['X-Forwarded-For', '6.6.6.6, 127.0.0.3'],
      ],
    );
    assert.ok(!json.client.trace.some((step: { value: string; verdict: string }) => step.value === '6.6.6.6'));
    assert.deepEqual(json.spoofAttempts, [], 'a trusted proxy wrote these headers');
  });

  test('the same forged header sent straight to whoami is a spoof attempt', async () => {
    const { json } = await getJson(whoami.url, {
      path: '/?format=json',
      localAddress: '127.0.0.3',
      headers: [['X-Forwarded-For', '6.6.6.6']],
    });
    assert.equal(json.client.ip, '127.0.0.3');
    assert.equal(json.client.reason, 'untrusted-peer');
    assert.deepEqual(json.spoofAttempts, [{ header: 'X-Forwarded-For', value: '6.6.6.6' }]);
  });
});

describe('HAProxy in front of whoami --proxy-protocol required', {
  skip: typeof haproxy === 'string' ? false : haproxy.skip,
}, () => {
  let whoami: RunningWhoami;
  let program: RunningPeer<keyof typeof ports>;
  const ports = { v1: 0, v2: 0, v2six: 0 };

  before(async () => {
    whoami = await startWhoami({
      port: 0,
      proxyProtocol: 'required',
      proxyProtocolTrusted: ['127.0.0.1'],
      trusted: ['10.0.0.0/8'],
    });
    program = await startHaproxy({
      binary: haproxy as string,
      ports: { v1: '127.0.0.1', v2: '127.0.0.1', v2six: '::1' },
      config: (p) => `${haproxyDefaults('tcp')}frontend v1
  bind 127.0.0.1:${p.v1}
  default_backend whoami_v1
frontend v2
  bind 127.0.0.1:${p.v2}
  bind [::1]:${p.v2six}
  default_backend whoami_v2
backend whoami_v1
  server w 127.0.0.1:${whoami.port} send-proxy
backend whoami_v2
  server w 127.0.0.1:${whoami.port} send-proxy-v2
`,
    });
    Object.assign(ports, program.ports);
  });
  after(async () => {
    await program?.stop();
    await whoami?.close();
  });

  test('send-proxy (v1) from 127.0.0.5: client = PROXY source, HAProxy = direct peer', async () => {
    const { status, json } = await getJson(`http://127.0.0.1:${ports.v1}/`, {
      path: '/?format=json',
      localAddress: '127.0.0.5',
      headers: [['X-Forwarded-For', '6.6.6.6']],
    });
    assert.equal(status, 200, program.log());
    assert.equal(json.peer.ip, '127.0.0.1');
    assert.equal(json.proxyProtocol.version, 1);
    assert.equal(json.proxyProtocol.family, 'TCP4');
    assert.equal(json.proxyProtocol.source, '127.0.0.5');
    assert.equal(json.proxyProtocol.destination, '127.0.0.1');
    assert.equal(json.proxyProtocol.destinationPort, ports.v1);
    assert.equal(json.client.ip, '127.0.0.5');
    assert.equal(json.client.port, json.proxyProtocol.sourcePort);
    assert.equal(json.client.reason, 'untrusted-peer');
    // HAProxy in TCP mode passes the client's bytes: its X-Forwarded-For is the client's own.
    assert.deepEqual(json.spoofAttempts, [{ header: 'X-Forwarded-For', value: '6.6.6.6' }]);
  });

  test('send-proxy-v2 from 127.0.0.6 and from ::1', async () => {
    const v4 = await getJson(`http://127.0.0.1:${ports.v2}/`, { path: '/?format=json', localAddress: '127.0.0.6' });
    assert.equal(v4.status, 200, program.log());
    assert.equal(v4.json.proxyProtocol.version, 2);
    assert.equal(v4.json.proxyProtocol.command, 'PROXY');
    assert.equal(v4.json.proxyProtocol.source, '127.0.0.6');
    assert.equal(v4.json.client.ip, '127.0.0.6');
    const v6 = await getJson(`http://[::1]:${ports.v2six}/`, { path: '/?format=json' });
    assert.equal(v6.json.proxyProtocol.family, 'TCP6');
    assert.equal(v6.json.proxyProtocol.source, '::1');
    assert.equal(v6.json.client.ip, '::1');
    assert.equal(v6.json.peer.ip, '127.0.0.1');
  });
});
