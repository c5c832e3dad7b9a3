import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import fc from 'fast-check';
import { encodeProxyHeader } from '../../src/core/proxy-protocol/encode.ts';
import {
  acceptProxyProtocol,
  getProxyInfo,
  type ProxyProtocolOptions,
} from '../../src/core/proxy-protocol/listener.ts';
import { close, listen, makeCertificate, rawExchange, tempDir, waitFor } from './helpers.ts';

const GET = 'GET /who HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
const v1 = (src: string, sport: number) =>
  Buffer.from(
    encodeProxyHeader({ version: 1, source: src, sourcePort: sport, destination: '198.18.0.10', destinationPort: 443 }),
  );
const v2h = (src: string, sport: number, crc = false) =>
  Buffer.from(
    encodeProxyHeader({
      version: 2,
      source: src,
      sourcePort: sport,
      destination: src.includes(':') ? '2001:db8::10' : '198.18.0.10',
      destinationPort: 443,
      tlvs: [{ type: 0x02, value: Buffer.from('example.com') }],
      crc32c: crc,
    }),
  );

function whoServer(): http.Server {
  return http.createServer((req, res) => {
    const info = getProxyInfo(req.socket);
    res.setHeader('connection', 'close');
    res.end(
      JSON.stringify({
        peer: info?.peer ?? null,
        peerPort: info?.peerPort ?? null,
        direct: info?.directPeer ?? null,
        version: info?.header?.version ?? null,
        command: info?.header?.command ?? null,
      }),
    );
  });
}

async function start(options: ProxyProtocolOptions, host = '127.0.0.1') {
  const server = whoServer();
  const pp = acceptProxyProtocol(server, options);
  const port = await listen(server, host);
  return { server, pp, port };
}

function body(reply: string): Record<string, unknown> {
  const at = reply.indexOf('\r\n\r\n');
  assert.ok(at > 0, `an HTTP reply, got ${JSON.stringify(reply.slice(0, 80))}`);
  return JSON.parse(reply.slice(at + 4));
}

const servers: net.Server[] = [];
after(
  async () => {
    for (const s of servers) await close(s);
  },
  { timeout: 30_000 },
);

test('required, trusted peer, v1 header and request in one write: the handler sees the PROXY client, the LB stays the direct peer', async () => {
  const { server, pp, port } = await start({ mode: 'required', trusted: ['loopback'] });
  servers.push(server);
  const r = await rawExchange(port, [Buffer.concat([v1('203.0.113.7', 51234), Buffer.from(GET)])]);
  assert.match(r.data, /^HTTP\/1\.1 200/);
  assert.deepEqual(body(r.data), {
    peer: '203.0.113.7',
    peerPort: 51234,
    direct: '127.0.0.1',
    version: 1,
    command: 'PROXY',
  });
  assert.equal(pp.counters().accepted, 1);
});

test('required: v2 header sent one byte at a time, then the request', async () => {
  const { server, pp, port } = await start({ mode: 'required', trusted: ['127.0.0.1'] });
  servers.push(server);
  const header = v2h('2001:db8::7', 40000, true);
  const chunks = [...header].map((b) => Uint8Array.of(b));
  const r = await rawExchange(port, [...chunks, GET], { gapMs: 2 });
  assert.deepEqual(body(r.data), {
    peer: '2001:db8::7',
    peerPort: 40000,
    direct: '127.0.0.1',
    version: 2,
    command: 'PROXY',
  });
  assert.equal(pp.counters().accepted, 1);
});

test('required: LOCAL (health check) uses the real endpoints', async () => {
  const { server, port } = await start({ mode: 'required', trusted: ['loopback'] });
  servers.push(server);
  const r = await rawExchange(port, [
    Buffer.concat([Buffer.from(encodeProxyHeader({ version: 2, command: 'LOCAL' })), Buffer.from(GET)]),
  ]);
  const b = body(r.data);
  assert.equal(b.peer, '127.0.0.1');
  assert.equal(b.command, 'LOCAL');
});

test('fail: required, header from an untrusted source: closed unread, counted rejected', async () => {
  const events: string[] = [];
  const { server, pp, port } = await start({
    mode: 'required',
    trusted: ['127.0.0.2'],
    onOutcome: (e) => events.push(`${e.outcome} ${e.peer}`),
  });
  servers.push(server);
  const bad = await rawExchange(port, [Buffer.concat([v1('203.0.113.7', 1), Buffer.from(GET)])], {
    localAddress: '127.0.0.3',
  });
  assert.equal(bad.end, 'closed');
  assert.equal(bad.data, '');
  const good = await rawExchange(port, [Buffer.concat([v1('203.0.113.8', 2), Buffer.from(GET)])], {
    localAddress: '127.0.0.2',
  });
  assert.equal(body(good.data).peer, '203.0.113.8');
  assert.deepEqual(pp.counters(), {
    accepted: 1,
    rejected: 1,
    missing: 0,
    invalid: 0,
    timedOut: 0,
    aborted: 0,
    passthrough: 0,
  });
  assert.deepEqual(events, ['rejected 127.0.0.3', 'accepted 127.0.0.2']);
});

test('fail: required, trusted peer without a header: closed, counted missing, the handler never runs', async () => {
  let handled = 0;
  const server = http.createServer((_req, res) => {
    handled++;
    res.end();
  });
  servers.push(server);
  const pp = acceptProxyProtocol(server, { mode: 'required', trusted: ['loopback'] });
  const port = await listen(server);
  const r = await rawExchange(port, [GET]);
  assert.equal(r.end, 'closed');
  assert.equal(r.data, '');
  assert.equal(handled, 0);
  assert.equal(pp.counters().missing, 1);
});

test('fail: required, broken header (CRC32C flipped): closed, counted invalid with the reason', async () => {
  const reasons: (string | undefined)[] = [];
  const { server, pp, port } = await start({
    mode: 'required',
    trusted: ['loopback'],
    onOutcome: (e) => reasons.push(e.reason),
  });
  servers.push(server);
  const header = v2h('203.0.113.7', 1, true);
  header[header.length - 1] ^= 0xff;
  const r = await rawExchange(port, [Buffer.concat([header, Buffer.from(GET)])]);
  assert.equal(r.end, 'closed');
  assert.equal(r.data, '');
  assert.equal(pp.counters().invalid, 1);
  assert.deepEqual(reasons, ['v2-crc32c-mismatch']);
});

test('fail: slow header (slowloris) is closed at the timeout, counted timedOut', async () => {
  const { server, pp, port } = await start({ mode: 'required', trusted: ['loopback'], timeoutMs: 300 });
  servers.push(server);
  const line = 'PROXY TCP4 203.0.113.7 198.18.0.10 1 2\r\n';
  const r = await rawExchange(port, [...line], { gapMs: 100, timeoutMs: 5000 });
  assert.equal(r.end, 'closed');
  assert.equal(r.data, '');
  assert.ok(r.ms >= 250 && r.ms < 2000, `closed after ${r.ms} ms`);
  assert.equal(pp.counters().timedOut, 1);
});

test('fail: a peer that connects and sends nothing is closed at the timeout', async () => {
  const { server, pp, port } = await start({ mode: 'optional', trusted: ['loopback'], timeoutMs: 200 });
  servers.push(server);
  const r = await rawExchange(port, [], { timeoutMs: 3000 });
  assert.equal(r.end, 'closed');
  assert.equal(pp.counters().timedOut, 1);
});

test('peer closing before the header completes is counted aborted', async () => {
  const { server, pp, port } = await start({ mode: 'required', trusted: ['loopback'] });
  servers.push(server);
  await rawExchange(port, ['PROXY TCP4 1.2'], { endAfter: true });
  await waitFor(() => pp.counters().aborted === 1);
});

test('optional, trusted peer: header honoured when present, request passes untouched when not', async () => {
  const { server, pp, port } = await start({ mode: 'optional', trusted: ['127.0.0.0/8'] });
  servers.push(server);
  const withHeader = await rawExchange(port, [Buffer.concat([v2h('198.51.100.9', 7), Buffer.from(GET)])]);
  assert.equal(body(withHeader.data).peer, '198.51.100.9');
  const without = await rawExchange(port, [GET], { localAddress: '127.0.0.5' });
  assert.deepEqual(body(without.data), {
    peer: '127.0.0.5',
    peerPort: body(without.data).peerPort,
    direct: '127.0.0.5',
    version: null,
    command: null,
  });
  assert.equal(pp.counters().accepted, 1);
  assert.equal(pp.counters().missing, 1);
});

test('fail: optional, header from an untrusted peer is never parsed: HTTP answers 400', async () => {
  const { server, pp, port } = await start({ mode: 'optional', trusted: ['127.0.0.2'] });
  servers.push(server);
  const r = await rawExchange(port, [Buffer.concat([v1('203.0.113.7', 1), Buffer.from(GET)])], {
    localAddress: '127.0.0.9',
  });
  assert.match(r.data, /^HTTP\/1\.1 400/);
  const plain = await rawExchange(port, [GET], { localAddress: '127.0.0.9' });
  assert.equal(body(plain.data).peer, '127.0.0.9');
  assert.equal(pp.counters().passthrough, 2);
  assert.equal(pp.counters().accepted, 0);
});

test('fail: header on a listener that does not expect one (off): HTTP answers 400', async () => {
  const { server, pp, port } = await start({ mode: 'off' });
  servers.push(server);
  const r = await rawExchange(port, [Buffer.concat([v1('203.0.113.7', 1), Buffer.from(GET)])]);
  assert.match(r.data, /^HTTP\/1\.1 400/);
  assert.deepEqual(Object.values(pp.counters()), [0, 0, 0, 0, 0, 0, 0]);
});

test('required and optional need an explicit trusted list', () => {
  assert.throws(() => acceptProxyProtocol(http.createServer(), { mode: 'required' }), /trusted/);
  assert.throws(() => acceptProxyProtocol(http.createServer(), { mode: 'optional' }), /trusted/);
  assert.throws(() => acceptProxyProtocol(http.createServer(), { mode: 'sometimes' as 'off' }), /mode/);
});

test('IPv6 listener: ::1 peer trusted by name', async () => {
  const { server, port } = await start({ mode: 'required', trusted: ['loopback'] }, '::1');
  servers.push(server);
  const r = await rawExchange(port, [Buffer.concat([v1('203.0.113.7', 5), Buffer.from(GET)])], { host: '::1' });
  assert.deepEqual(body(r.data), { peer: '203.0.113.7', peerPort: 5, direct: '::1', version: 1, command: 'PROXY' });
});

test('net.Server: the bytes after the header reach the connection handler in order', async () => {
  const server = net.createServer((socket) => {
    const info = getProxyInfo(socket);
    socket.write(`${info?.peer}|`);
    socket.pipe(socket);
  });
  servers.push(server);
  acceptProxyProtocol(server, { mode: 'required', trusted: ['loopback'] });
  const port = await listen(server);
  const r = await rawExchange(port, [Buffer.concat([v1('192.0.2.1', 9), Buffer.from('abc')]), 'def', 'ghi'], {
    gapMs: 20,
    endAfter: true,
  });
  assert.equal(r.data, '192.0.2.1|abcdefghi');
});

let tlsDir: ReturnType<typeof tempDir>;
let cert: { key: string; cert: string };
before(() => {
  tlsDir = tempDir('sourceip-pp-tls-');
  cert = makeCertificate(tlsDir.dir, 'localhost');
});
after(() => tlsDir.remove());

function tlsRequest(port: number, header: Buffer): Promise<string> {
  // The PROXY header, then TLS on the same TCP connection.
  return new Promise((resolve, reject) => {
    const raw = net.connect(port, '127.0.0.1', () => {
      raw.write(header);
      const secure = tls.connect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' }, () => {
        secure.write(GET);
      });
      const parts: Buffer[] = [];
      secure.on('data', (d) => parts.push(d));
      secure.on('end', () => {
        // Close our side too, or the server's close() waits for this half-open TCP connection.
        secure.destroy();
        raw.destroy();
        resolve(Buffer.concat(parts).toString());
      });
      secure.on('error', reject);
    });
    raw.on('error', reject);
    setTimeout(() => reject(new Error('tls request timed out')), 3000).unref();
  });
}

test('https: the header is read before TLS; getProxyInfo maps the TLSSocket back to the TCP socket', async () => {
  const server = https.createServer({ key: readFileSync(cert.key), cert: readFileSync(cert.cert) }, (req, res) => {
    const info = getProxyInfo(req.socket);
    res.end(JSON.stringify({ peer: info?.peer, direct: info?.directPeer, tls: req.socket instanceof tls.TLSSocket }));
  });
  servers.push(server);
  const pp = acceptProxyProtocol(server, { mode: 'required', trusted: ['loopback'] });
  const port = await listen(server);
  const reply = await tlsRequest(port, v2h('203.0.113.44', 1234, true));
  assert.deepEqual(body(reply), { peer: '203.0.113.44', direct: '127.0.0.1', tls: true });
  assert.equal(pp.counters().accepted, 1);
});

test('tls.Server: works with a plain TLS server too', async () => {
  const server = tls.createServer({ key: readFileSync(cert.key), cert: readFileSync(cert.cert) }, (socket) => {
    // Read (and drop) the request so the client's FIN is seen and the connection closes.
    socket.resume();
    socket.end(
      `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${getProxyInfo(socket)?.header?.version}${getProxyInfo(socket)?.header?.version}`,
    );
  });
  servers.push(server);
  acceptProxyProtocol(server, { mode: 'required', trusted: ['loopback'] });
  const port = await listen(server);
  const reply = await tlsRequest(port, v1('192.0.2.50', 1));
  assert.match(reply, /\r\n\r\n11$/);
});

test('unwrap() restores the server: a plain request is served again, no counting', async () => {
  const { server, pp, port } = await start({ mode: 'required', trusted: ['loopback'] });
  servers.push(server);
  pp.unwrap();
  const r = await rawExchange(port, [GET]);
  assert.match(r.data, /^HTTP\/1\.1 200/);
  assert.equal(body(r.data).peer, null, 'no PROXY info for a socket that skipped the reader');
  assert.equal(pp.counters().missing, 0);
});

test('live socket: header + request split at random points always gives the same client (fast-check)', async () => {
  const { server, pp, port } = await start({ mode: 'required', trusted: ['loopback'] });
  servers.push(server);
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(1, 2),
      fc.ipV4(),
      fc.integer({ min: 0, max: 65535 }),
      fc.array(fc.nat(), { maxLength: 5 }),
      async (version, ip, sport, cuts) => {
        runs++;
        const header = encodeProxyHeader({
          version: version as 1 | 2,
          source: ip,
          sourcePort: sport,
          destination: '198.18.0.10',
          destinationPort: 443,
          crc32c: version === 2,
        });
        const bytes = Buffer.concat([Buffer.from(header), Buffer.from(GET)]);
        const points = [...new Set(cuts.map((c) => c % bytes.length))].filter((c) => c > 0).sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, i) => bytes.subarray(from, [...points, bytes.length][i]));
        const r = await rawExchange(port, chunks, { gapMs: 1 });
        const b = body(r.data);
        assert.equal(b.peer, ip);
        assert.equal(b.peerPort, sport);
      },
    ),
    { numRuns: Number(process.env.SOURCEIP_FUZZ_RUNS ?? 15) > 15 ? 100 : 15 },
  );
  assert.equal(pp.counters().accepted, runs);
});
