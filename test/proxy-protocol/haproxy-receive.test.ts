/**
 * Interop, receiving: real HAProxy (send-proxy, send-proxy-v2 with proxy-v2-options) in front
 * of our `required` listener. Clients connect to HAProxy from several 127.x.y.z addresses and
 * from ::1; our side must report exactly the client HAProxy saw, and the TLVs it sent.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import {
  acceptProxyProtocol,
  getProxyInfo,
  type ProxyProtocolListener,
} from '../../src/core/proxy-protocol/listener.ts';
import {
  PP2_SUBTYPE_SSL_CN,
  PP2_SUBTYPE_SSL_VERSION,
  PP2_TYPE_AUTHORITY,
  PP2_TYPE_CRC32C,
  PP2_TYPE_UNIQUE_ID,
  sslText,
  tlvText,
} from '../../src/core/proxy-protocol/tlv.ts';
import { haproxyDefaults, type RunningPeer, startHaproxy } from '../support/peers.ts';
import { requireProgram } from '../support/programs.ts';
import { close, listen, makeCertificate, tempDir, waitFor } from './helpers.ts';

const haproxy = requireProgram('haproxy');
const skip = typeof haproxy === 'string' ? false : haproxy.skip;

let dir: ReturnType<typeof tempDir>;
let program: RunningPeer<keyof typeof ports> | undefined;
let server: http.Server;
let pp: ProxyProtocolListener;
const ports = { v1: 0, v1six: 0, v2: 0, tls: 0 };
let clientCert: { key: string; cert: string };

before(
  async () => {
    if (skip) return;
    dir = tempDir('sourceip-haproxy-rx-');
    const serverCert = makeCertificate(dir.dir, 'haproxy.test', 'server');
    clientCert = makeCertificate(dir.dir, 'client.example', 'client');
    server = http.createServer((req, res) => {
      const info = getProxyInfo(req.socket);
      const h = info?.header;
      res.setHeader('connection', 'close');
      res.end(
        JSON.stringify({
          version: h?.version,
          family: h?.family,
          source: h?.source,
          sourcePort: h?.sourcePort,
          destination: h?.destination,
          destinationPort: h?.destinationPort,
          peer: info?.peer,
          direct: info?.directPeer,
          tlvTypes: h?.tlvs.map((t) => t.type),
          authority: h ? tlvText(h, PP2_TYPE_AUTHORITY) : undefined,
          uniqueId: h ? tlvText(h, PP2_TYPE_UNIQUE_ID) : undefined,
          crc: h ? h.tlvs.some((t) => t.type === PP2_TYPE_CRC32C) : false,
          sslClient: h?.ssl?.client,
          sslVerify: h?.ssl?.verify,
          sslVersion: h ? sslText(h, PP2_SUBTYPE_SSL_VERSION) : undefined,
          sslCn: h ? sslText(h, PP2_SUBTYPE_SSL_CN) : undefined,
        }),
      );
    });
    pp = acceptProxyProtocol(server, { mode: 'required', trusted: ['127.0.0.1'] });
    const backend = await listen(server);
    // startHaproxy returns once every frontend accepts.
    program = await startHaproxy({
      binary: haproxy as string,
      ports: { v1: '127.0.0.1', v1six: '::1', v2: '127.0.0.1', tls: '127.0.0.1' },
      config: (p) => `${haproxyDefaults('tcp', '5s')}frontend fe_v1
  bind 127.0.0.1:${p.v1}
  bind [::1]:${p.v1six}
  default_backend be_v1
backend be_v1
  server s 127.0.0.1:${backend} send-proxy
frontend fe_v2
  bind 127.0.0.1:${p.v2}
  unique-id-format %ci-%cp-uid
  default_backend be_v2
backend be_v2
  server s 127.0.0.1:${backend} send-proxy-v2 proxy-v2-options crc32c,unique-id,authority
frontend fe_tls
  bind 127.0.0.1:${p.tls} ssl crt ${serverCert.pem} ca-file ${clientCert.cert} verify optional
  unique-id-format %ci-%cp-uid
  default_backend be_tls
backend be_tls
  server s 127.0.0.1:${backend} send-proxy-v2 proxy-v2-options crc32c,unique-id,authority,ssl,cert-cn
`,
    });
    Object.assign(ports, program.ports);
  },
  { timeout: 30_000 },
);

after(
  async () => {
    await program?.stop();
    if (server) await close(server);
    dir?.remove();
  },
  { timeout: 30_000 },
);

/** A plain HTTP GET through HAProxy from `localAddress`; returns our JSON and the client's port. */
function get(
  host: string,
  port: number,
  localAddress: string,
): Promise<{ body: Record<string, unknown>; localPort: number }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress }, () => {
      s.write('GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    });
    let data = '';
    let localPort = 0;
    s.on('connect', () => {
      localPort = s.localPort ?? 0;
    });
    s.on('data', (d) => {
      data += d;
    });
    s.on('close', () => {
      const at = data.indexOf('\r\n\r\n');
      if (at < 0) reject(new Error(`no HTTP reply: ${JSON.stringify(data)} ${program?.log()}`));
      else resolve({ body: JSON.parse(data.slice(at + 4)), localPort });
    });
    s.on('error', reject);
  });
}

function getTls(
  localAddress: string,
  withCert: boolean,
): Promise<{ body: Record<string, unknown>; localPort: number }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port: ports.tls,
      localAddress,
      servername: 'client-sni.example',
      rejectUnauthorized: false,
      ...(withCert ? { key: readFileSync(clientCert.key), cert: readFileSync(clientCert.cert) } : {}),
      // Passed on to net.connect (not in tls.ConnectionOptions' type).
    } as tls.ConnectionOptions);
    let data = '';
    let localPort = 0;
    s.on('secureConnect', () => {
      localPort = s.localPort ?? 0;
      s.write('GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    });
    s.on('data', (d) => {
      data += d;
    });
    s.on('close', () => {
      const at = data.indexOf('\r\n\r\n');
      if (at < 0) reject(new Error(`no HTTP reply over TLS: ${JSON.stringify(data)} ${program?.log()}`));
      else resolve({ body: JSON.parse(data.slice(at + 4)), localPort });
    });
    s.on('error', reject);
  });
}

test('HAProxy send-proxy (v1): each 127.x.y.z client is reported exactly', { skip }, async () => {
  for (const client of ['127.0.0.2', '127.1.2.3', '127.254.0.9']) {
    const { body, localPort } = await get('127.0.0.1', ports.v1, client);
    assert.equal(body.version, 1);
    assert.equal(body.family, 'TCP4');
    assert.equal(body.source, client);
    assert.equal(body.sourcePort, localPort);
    assert.equal(body.destination, '127.0.0.1');
    assert.equal(body.destinationPort, ports.v1);
    assert.equal(body.peer, client);
    assert.equal(body.direct, '127.0.0.1');
  }
});

test('HAProxy send-proxy (v1): a ::1 client arrives as TCP6 ::1', { skip }, async () => {
  const { body, localPort } = await get('::1', ports.v1six, '::1');
  assert.equal(body.family, 'TCP6');
  assert.equal(body.source, '::1');
  assert.equal(body.sourcePort, localPort);
  assert.equal(body.destination, '::1');
});

test('HAProxy send-proxy-v2 with crc32c,unique-id,authority: addresses, CRC32C verified, unique id', {
  skip,
}, async () => {
  for (const client of ['127.0.0.7', '127.9.8.7']) {
    const { body, localPort } = await get('127.0.0.1', ports.v2, client);
    assert.equal(body.version, 2);
    assert.equal(body.family, 'TCP4');
    assert.equal(body.source, client);
    assert.equal(body.sourcePort, localPort);
    assert.equal(body.crc, true);
    assert.equal(body.uniqueId, `${client}-${localPort}-uid`);
    // No TLS on this frontend: no SNI, so no AUTHORITY TLV.
    assert.equal(body.authority, undefined);
  }
});

test('HAProxy TLS frontend, send-proxy-v2 with ssl,cert-cn,authority: SNI, TLS version and client CN', {
  skip,
}, async () => {
  const { body, localPort } = await getTls('127.3.3.3', true);
  assert.equal(body.source, '127.3.3.3');
  assert.equal(body.sourcePort, localPort);
  assert.equal(body.crc, true);
  assert.equal(body.authority, 'client-sni.example');
  assert.equal(body.uniqueId, `127.3.3.3-${localPort}-uid`);
  assert.equal((body.sslClient as number) & 0x01, 0x01, 'PP2_CLIENT_SSL');
  assert.equal((body.sslClient as number) & 0x02, 0x02, 'PP2_CLIENT_CERT_CONN');
  assert.equal(body.sslVerify, 0);
  assert.match(String(body.sslVersion), /^TLSv1\.[23]$/);
  assert.equal(body.sslCn, 'client.example');
  const anonymous = await getTls('127.3.3.4', false);
  assert.equal(anonymous.body.source, '127.3.3.4');
  assert.equal((anonymous.body.sslClient as number) & 0x02, 0, 'no client certificate');
  assert.equal(anonymous.body.sslCn, undefined);
});

test('every HAProxy connection was accepted by our listener, none refused', { skip }, async () => {
  // 8 requests above; startHaproxy checks readiness without connecting, so there are no probes to add.
  await waitFor(() => pp.counters().accepted >= 8);
  const c = pp.counters();
  assert.equal(c.invalid, 0);
  assert.equal(c.rejected, 0);
  assert.equal(c.missing, 0);
});
