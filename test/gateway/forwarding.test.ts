/**
 * Forwarding headers out, end to end over loopback: what the upstream receives for each trust profile,
 * with real nginx and HAProxy as the load balancer in front (HAProxy with send-proxy-v2) and as upstreams.
 * Loopback addresses stand for the parties: 127.0.0.2 is the client, 127.0.0.3 nginx's and 127.0.0.4
 * HAProxy's source address towards the gateway.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { forwardedElement } from '../../src/gateway/upstream/forwarding.ts';
import { startWhoami } from '../../src/whoami/server.ts';
import { requireProgram } from '../support/programs.ts';
import { type ExternalProgram, freePort, startHaproxy, startNginx } from './external.ts';
import {
  type EchoServer,
  gatewayConfig,
  type RecordingObserver,
  type RunningGateway,
  recordingObserver,
  startEcho,
  startGateway,
} from './support.ts';

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One request with exact header lines, from a chosen loopback source address. */
function request(
  port: number,
  headers: ReadonlyArray<readonly [string, string]>,
  options: { localAddress?: string; path?: string; host?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: options.path ?? '/',
      localAddress: options.localAddress,
      agent: false,
      headers: [['Host', options.host ?? 'app.test'], ...headers].flat() as unknown as http.OutgoingHttpHeaders,
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SPOOF: ReadonlyArray<readonly [string, string]> = [
  ['X-Forwarded-For', '198.51.100.66'],
  ['X-Real-IP', '198.51.100.67'],
  ['CF-Connecting-IP', '198.51.100.68'],
  ['True-Client-IP', '198.51.100.69'],
  ['X-Client-IP', '198.51.100.70'],
  ['Fastly-Client-IP', '198.51.100.71'],
  ['X_Forwarded_For', '198.51.100.72'],
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-Host', 'evil.test'],
  ['X-Forwarded-Port', '443'],
  ['Forwarded', 'for=198.51.100.73'],
  ['X-Request-Id', 'client-chosen-id'],
];

describe('direct clients (trust profile trusts nobody)', () => {
  let echo: EchoServer;
  let gw: RunningGateway;
  let observer: RecordingObserver;
  before(async () => {
    echo = await startEcho();
    observer = recordingObserver();
    gw = await startGateway(
      gatewayConfig({ upstream: `127.0.0.1:${echo.port}`, forwarding: { forwarded: true } }),
      observer,
    );
  });
  after(async () => {
    await gw.close();
    await echo.close();
  });

  test('client-set forwarding and single-IP headers are replaced or removed; the peer is the client', async () => {
    const answer = await request(gw.port, SPOOF, { localAddress: '127.0.0.2' });
    assert.equal(answer.status, 200);
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-forwarded-for'], '127.0.0.2');
    assert.equal(got['x-real-ip'], '127.0.0.2');
    for (const name of ['cf-connecting-ip', 'true-client-ip', 'x-client-ip', 'fastly-client-ip', 'x_forwarded_for']) {
      assert.equal(got[name], undefined, name);
    }
    assert.equal(got.forwarded, 'for=127.0.0.2;host=app.test;proto=http');
    assert.notEqual(got['x-request-id'], 'client-chosen-id');
    assert.match(got['x-request-id']!, /^[0-9a-f-]{36}$/);
    const record = observer.records.at(-1)!;
    assert.equal(record.client, '127.0.0.2');
    assert.equal(record.peer, '127.0.0.2');
    assert.equal(record.reason, 'untrusted-peer');
    assert.deepEqual(record.chain, ['198.51.100.66']);
  });

  test('ingress-nginx #9163: X-Forwarded-Proto/Host/Port from an untrusted peer are not passed on', async () => {
    await request(gw.port, SPOOF, { localAddress: '127.0.0.2' });
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-forwarded-proto'], 'http');
    assert.equal(got['x-forwarded-host'], 'app.test');
    assert.equal(got['x-forwarded-port'], String(gw.port));
  });

  test('spoof attempts are reported per header, by name', async () => {
    const from = observer.events.length;
    await request(gw.port, SPOOF, { localAddress: '127.0.0.2' });
    const spoofs = observer.events.slice(from).filter((e) => e.startsWith('spoof:'));
    for (const name of ['x-forwarded-for', 'x-real-ip', 'cf-connecting-ip', 'x-forwarded-host', 'forwarded']) {
      assert.ok(spoofs.includes(`spoof:l0:${name}`), name);
    }
  });

  test('Connection: X-Forwarded-For, X-Real-IP cannot remove the headers the gateway writes', async () => {
    await request(gw.port, [['Connection', 'keep-alive, X-Forwarded-For, X-Real-IP, Forwarded, X-Request-Id']], {
      localAddress: '127.0.0.2',
    });
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-forwarded-for'], '127.0.0.2');
    assert.equal(got['x-real-ip'], '127.0.0.2');
    assert.equal(got.forwarded, 'for=127.0.0.2;host=app.test;proto=http');
    assert.ok(got['x-request-id']);
  });
});

describe('trusted peer (trust profile trusts 127.0.0.3, strict semantics)', () => {
  let echo: EchoServer;
  let gw: RunningGateway;
  before(async () => {
    echo = await startEcho();
    gw = await startGateway(
      gatewayConfig({ upstream: `127.0.0.1:${echo.port}`, trusted: ['127.0.0.3'], forwarding: { forwarded: true } }),
    );
  });
  after(async () => {
    await gw.close();
    await echo.close();
  });

  test('incoming chain kept, the real peer appended; X-Real-IP is the rightmost untrusted entry', async () => {
    await request(
      gw.port,
      [
        ['X-Forwarded-For', '198.51.100.1, 203.0.113.9'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Host', 'public.test'],
        ['X-Forwarded-Port', '443'],
        ['Forwarded', 'for=198.51.100.1'],
        ['X-Request-Id', 'lb-id-42'],
        ['CF-Connecting-IP', '198.51.100.1'],
      ],
      { localAddress: '127.0.0.3' },
    );
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-forwarded-for'], '198.51.100.1, 203.0.113.9, 127.0.0.3');
    assert.equal(got['x-real-ip'], '203.0.113.9');
    assert.equal(got['x-forwarded-proto'], 'https');
    assert.equal(got['x-forwarded-host'], 'public.test');
    assert.equal(got['x-forwarded-port'], '443');
    assert.equal(got.forwarded, 'for=198.51.100.1, for=127.0.0.3;host=app.test;proto=http');
    assert.equal(got['x-request-id'], 'lb-id-42');
    assert.equal(got['cf-connecting-ip'], '198.51.100.1', 'kept from a trusted peer');
  });

  test('strict refusal (every entry trusted): X-Real-IP omitted, XFF still carries the chain + peer', async () => {
    await request(gw.port, [['X-Forwarded-For', '127.0.0.3']], { localAddress: '127.0.0.3' });
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-real-ip'], undefined);
    assert.equal(got['x-forwarded-for'], '127.0.0.3, 127.0.0.3');
  });

  test('the same headers from an untrusted source on the same listener are not believed', async () => {
    await request(gw.port, [['X-Forwarded-For', '198.51.100.1, 203.0.113.9']], { localAddress: '127.0.0.2' });
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-forwarded-for'], '127.0.0.2');
    assert.equal(got['x-real-ip'], '127.0.0.2');
  });
});

test('Forwarded element: IPv6 quoted in brackets, host quoted when it has a port', () => {
  assert.equal(
    forwardedElement('2001:db8::1', 'a.test:8080', true),
    'for="[2001:db8::1]";host="a.test:8080";proto=https',
  );
  assert.equal(forwardedElement('192.0.2.1', 'a.test', false), 'for=192.0.2.1;host=a.test;proto=http');
  assert.equal(forwardedElement(null, '', false), 'for=unknown;proto=http');
});

describe('real nginx as the load balancer in front (proxy_add_x_forwarded_for)', () => {
  const nginx = requireProgram('nginx');
  const skip = typeof nginx === 'string' ? false : nginx.skip;
  let echo: EchoServer;
  let gw: RunningGateway;
  let lb: ExternalProgram;
  let lbPort: number;
  before(async () => {
    if (skip) return;
    echo = await startEcho();
    gw = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${echo.port}`, trusted: ['127.0.0.3'] }));
    lbPort = await freePort();
    lb = await startNginx(
      nginx as string,
      `server {
    listen 127.0.0.1:${lbPort};
    location / {
      proxy_pass http://127.0.0.1:${gw.port};
      proxy_bind 127.0.0.3;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }`,
      [lbPort],
    );
  });
  after(async () => {
    await lb?.stop();
    await gw?.close();
    await echo?.close();
  });

  test('ingress-nginx #11994: the client appears once and the real peer (the LB) is appended', { skip }, async () => {
    await request(lbPort, [['X-Forwarded-For', '198.51.100.66']], { localAddress: '127.0.0.2' });
    const got = echo.received.at(-1)!.h;
    // nginx appended the client (127.0.0.2); we append nginx itself (127.0.0.3), never the client again.
    assert.equal(got['x-forwarded-for'], '198.51.100.66, 127.0.0.2, 127.0.0.3');
    assert.equal(got['x-real-ip'], '127.0.0.2');
  });
});

describe('real HAProxy as the load balancer in front (send-proxy-v2)', () => {
  const haproxy = requireProgram('haproxy');
  const skip = typeof haproxy === 'string' ? false : haproxy.skip;
  let echo: EchoServer;
  let gw: RunningGateway;
  let lb: ExternalProgram;
  let lbPort: number;
  let observer: RecordingObserver;
  before(async () => {
    if (skip) return;
    echo = await startEcho();
    observer = recordingObserver();
    gw = await startGateway(
      gatewayConfig({
        upstream: `127.0.0.1:${echo.port}`,
        trusted: ['127.0.0.4'],
        listeners: [{ proxyProtocol: { mode: 'required', trusted: ['127.0.0.4'], timeoutMs: 1000 } }],
      }),
      observer,
    );
    lbPort = await freePort();
    lb = await startHaproxy(
      haproxy as string,
      `frontend fe
  mode tcp
  bind 127.0.0.1:${lbPort}
  default_backend gw
backend gw
  mode tcp
  server g 127.0.0.1:${gw.port} send-proxy-v2 source 127.0.0.4`,
      [lbPort],
    );
  });
  after(async () => {
    await lb?.stop();
    await gw?.close();
    await echo?.close();
  });

  test('the PROXY-decoded client is the real peer; the LB stays the direct peer', { skip }, async () => {
    const answer = await request(lbPort, [['X-Forwarded-For', '198.51.100.66']], { localAddress: '127.0.0.2' });
    assert.equal(answer.status, 200);
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-forwarded-for'], '127.0.0.2');
    assert.equal(got['x-real-ip'], '127.0.0.2');
    const record = observer.records.at(-1)!;
    assert.equal(record.peer, '127.0.0.2');
    assert.equal(record.directPeer, '127.0.0.4');
    assert.ok(observer.events.includes('proxy:l0:accepted'));
  });

  test('a direct connection without the header (not from the LB) is refused', { skip }, async () => {
    await assert.rejects(request(gw.port, [], { localAddress: '127.0.0.2' }));
    assert.ok(observer.events.includes('proxy:l0:rejected'));
  });
});

describe('real nginx and HAProxy as upstreams see the headers the gateway writes', () => {
  const nginx = requireProgram('nginx');
  const haproxy = requireProgram('haproxy');
  const skipNginx = typeof nginx === 'string' ? false : nginx.skip;
  const skipHaproxy = typeof haproxy === 'string' ? false : haproxy.skip;
  let ng: ExternalProgram | undefined;
  let hp: ExternalProgram | undefined;
  let gwNginx: RunningGateway | undefined;
  let gwHaproxy: RunningGateway | undefined;
  before(async () => {
    const forwarding = { forwarded: true };
    if (!skipNginx) {
      const port = await freePort();
      ng = await startNginx(
        nginx as string,
        `server { listen 127.0.0.1:${port};
    location / { return 200 "xff=$http_x_forwarded_for|xri=$http_x_real_ip|fwd=$http_forwarded|xfp=$http_x_forwarded_proto|cf=$http_cf_connecting_ip"; } }`,
        [port],
      );
      gwNginx = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${port}`, forwarding }));
    }
    if (!skipHaproxy) {
      const port = await freePort();
      hp = await startHaproxy(
        haproxy as string,
        `frontend fe
  bind 127.0.0.1:${port}
  http-request return status 200 content-type text/plain lf-string "xff=%[req.fhdr(x-forwarded-for)]|lines=%[req.fhdr_cnt(x-forwarded-for)]|xri=%[req.hdr(x-real-ip)]|cf=%[req.hdr(cf-connecting-ip)]"`,
        [port],
      );
      gwHaproxy = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${port}`, forwarding }));
    }
  });
  after(async () => {
    await gwNginx?.close();
    await gwHaproxy?.close();
    await ng?.stop();
    await hp?.stop();
  });

  test('nginx upstream: one XFF, X-Real-IP, Forwarded, computed proto, spoofed CF header gone', {
    skip: skipNginx,
  }, async () => {
    const answer = await request(gwNginx!.port, SPOOF, { localAddress: '127.0.0.2' });
    assert.equal(answer.body, 'xff=127.0.0.2|xri=127.0.0.2|fwd=for=127.0.0.2;host=app.test;proto=http|xfp=http|cf=');
  });

  test('HAProxy upstream: exactly one X-Forwarded-For line', { skip: skipHaproxy }, async () => {
    const answer = await request(gwHaproxy!.port, SPOOF, { localAddress: '127.0.0.2' });
    assert.equal(answer.body, 'xff=127.0.0.2|lines=1|xri=127.0.0.2|cf=');
  });
});

test('whoami behind the gateway (whoami trusts only the gateway): the real client, the spoof ignored', async () => {
  const whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1'] });
  const gw = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${whoami.port}` }));
  try {
    const answer = await request(gw.port, [['X-Forwarded-For', '198.51.100.66']], {
      localAddress: '127.0.0.2',
      path: '/?format=json',
    });
    const report = JSON.parse(answer.body) as { client: { ip: string; reason: string }; peer: { ip: string } };
    assert.equal(report.peer.ip, '127.0.0.1');
    assert.equal(report.client.ip, '127.0.0.2');
    assert.equal(report.client.reason, 'rightmost-untrusted');
  } finally {
    await gw.close();
    await whoami.close();
  }
});
