/**
 * The request path end to end over loopback: routing, upstream pools (round-robin, keep-alive reuse,
 * 502/504), streaming bodies both ways, response framing (chunked, HEAD, 204, 304, close-delimited,
 * HTTP/1.0 clients), WebSocket passthrough, timeouts, PROXY-protocol listener modes, TLS, reload
 * (connections keep their runtime), drain, and the policy hook.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { decodeProxyHeader } from '../../src/core/proxy-protocol/decode.ts';
import { encodeProxyHeader } from '../../src/core/proxy-protocol/encode.ts';
import { compileRuntime } from '../../src/gateway/engine.ts';
import type { PolicyEngine } from '../../src/gateway/policy/types.ts';
import { requireProgram } from '../support/programs.ts';
import { freePort } from './external.ts';
import {
  DEFAULT_FORWARDING,
  type EchoServer,
  gatewayConfig,
  parseResponses,
  type RunningGateway,
  rawExchange,
  recordingObserver,
  startEcho,
  startGateway,
} from './support.ts';

function get(
  port: number,
  path: string,
  options: { host?: string; method?: string; body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: { host: options.host ?? 'app.test', ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('routing and upstream pools', () => {
  let a: EchoServer;
  let b: EchoServer;
  let api: EchoServer;
  let gw: RunningGateway;
  const observer = recordingObserver();
  let deadPort: number;
  before(async () => {
    a = await startEcho();
    b = await startEcho();
    api = await startEcho((req, res) => {
      if (req.url === '/api/slow') {
        setTimeout(() => res.end('late'), 1500);
        return true;
      }
      return false;
    });
    deadPort = await freePort();
    const fw = DEFAULT_FORWARDING;
    gw = await startGateway(
      gatewayConfig({
        upstream: '',
        upstreams: [
          {
            name: 'web',
            targets: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`],
            connectTimeoutMs: 500,
            responseTimeoutMs: 3000,
            keepAlive: 8,
          },
          {
            name: 'api',
            targets: [`127.0.0.1:${api.port}`],
            connectTimeoutMs: 500,
            responseTimeoutMs: 500,
            keepAlive: 8,
          },
          {
            name: 'dead',
            targets: [`127.0.0.1:${deadPort}`],
            connectTimeoutMs: 500,
            responseTimeoutMs: 500,
            keepAlive: 8,
          },
        ],
        routes: [
          { name: 'web', host: 'app.test', pathPrefix: '/', upstream: 'web', forwarding: fw },
          { name: 'api', host: 'app.test', pathPrefix: '/api', upstream: 'api', forwarding: fw },
          { name: 'wild', host: '*.wild.test', pathPrefix: '/', upstream: 'api', forwarding: fw },
          { name: 'dead', host: 'dead.test', pathPrefix: '/', upstream: 'dead', forwarding: fw },
        ],
      }),
      observer,
    );
  });
  after(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close(), api.close()]);
  });

  test('longest path prefix on a segment boundary, exact host before wildcard, host port ignored', async () => {
    const before = api.received.length;
    assert.equal((await get(gw.port, '/api/x')).status, 200);
    assert.equal((await get(gw.port, '/api')).status, 200);
    assert.equal((await get(gw.port, '/x', { host: 'v1.wild.test:8080' })).status, 200);
    assert.equal(api.received.length, before + 3);
    const web = a.received.length + b.received.length;
    assert.equal((await get(gw.port, '/apix')).status, 200);
    assert.equal(a.received.length + b.received.length, web + 1);
  });

  test('no matching route: 404 with a fixed body', async () => {
    const answer = await get(gw.port, '/', { host: 'other.test' });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.toString(), 'no route\n');
    assert.equal(observer.records.at(-1)!.error, 'no-route');
  });

  test('round-robin over targets, and keep-alive connections are reused', async () => {
    const startA = a.received.length;
    const startB = b.received.length;
    for (let i = 0; i < 6; i++) await get(gw.port, `/rr${i}`);
    assert.equal(a.received.length - startA, 3);
    assert.equal(b.received.length - startB, 3);
    const ports = new Set(a.received.slice(startA).map((r) => r.remotePort));
    assert.equal(ports.size, 1, 'one pooled connection served every request to target a');
  });

  test('connect failure: 502 with a clear body, counted', async () => {
    const answer = await get(gw.port, '/', { host: 'dead.test' });
    assert.equal(answer.status, 502);
    assert.equal(answer.body.toString(), 'upstream unavailable\n');
    assert.ok(observer.events.includes('upstream:dead:connect'));
  });

  test('response timeout: 504', async () => {
    const answer = await get(gw.port, '/api/slow');
    assert.equal(answer.status, 504);
    assert.equal(answer.body.toString(), 'upstream timeout\n');
    assert.ok(observer.events.includes('upstream:api:timeout'));
  });
});

describe('bodies and response framing', () => {
  let up: http.Server;
  let gw: RunningGateway;
  const upstreamBodies: Buffer[] = [];
  before(async () => {
    up = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        upstreamBodies.push(body);
        const url = req.url ?? '';
        if (url === '/echo') {
          res.writeHead(200, {
            'content-length': body.length,
            'x-sha': createHash('sha256').update(body).digest('hex'),
          });
          res.end(body);
        } else if (url === '/chunked') {
          res.writeHead(200, { 'content-type': 'text/plain' }); // no length: Node sends chunked
          res.write('hello ');
          setTimeout(() => res.end('world'), 20);
        } else if (url === '/big') {
          const big = Buffer.alloc(3 * 1024 * 1024, 'z');
          res.writeHead(200, { 'content-length': big.length });
          res.end(big);
        } else if (url === '/204') {
          res.writeHead(204);
          res.end();
        } else if (url === '/304') {
          res.writeHead(304, { etag: '"x"' });
          res.end();
        } else if (url === '/head') {
          res.writeHead(200, { 'content-length': 5 });
          res.end(req.method === 'HEAD' ? undefined : 'hello');
        } else {
          res.end('ok');
        }
      });
    });
    up.on('upgrade', (req, socket) => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Got-Connection: ${req.headers.connection}\r\n\r\n`,
      );
      socket.on('data', (c: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), c])));
      socket.on('end', () => socket.end()); // http.Server sockets are half-open: close when the gateway does
    });
    await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve));
    const port = (up.address() as net.AddressInfo).port;
    gw = await startGateway(
      gatewayConfig({ upstream: `127.0.0.1:${port}`, limits: { maxBodyBytes: 8 * 1024 * 1024 } }),
    );
  });
  after(async () => {
    await gw.close();
    up.closeAllConnections();
    await new Promise<void>((resolve) => up.close(() => resolve()));
  });

  test('a 5 MB request body streams up and back intact', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const answer = await get(gw.port, '/echo', { method: 'POST', body });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, body.length);
    assert.equal(answer.headers['x-sha'], createHash('sha256').update(body).digest('hex'));
  });

  test('a chunked request body (client-side chunked) arrives de-chunked and re-framed', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: gw.port, path: '/echo', method: 'POST', agent: false, headers: { host: 'a' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.write('abc');
      setTimeout(() => req.end('def'), 30);
    });
    assert.equal(answer, 'abcdef');
  });

  test('chunked, 3 MB, 204, 304 and HEAD responses are framed correctly on one connection', async () => {
    const res = await rawExchange(
      gw.port,
      [
        'GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n',
        'GET /204 HTTP/1.1\r\nHost: a\r\n\r\n',
        'GET /304 HTTP/1.1\r\nHost: a\r\n\r\n',
        'HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n',
        'GET /head HTTP/1.1\r\nHost: a\r\n\r\n',
      ].join(''),
      { until: (text) => text.endsWith('hello') && text.includes('304') },
    );
    assert.match(res.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(res.text, /transfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\nHTTP\/1\.1 204/i);
    assert.match(
      res.text,
      /HTTP\/1\.1 304 Not Modified\r\n[\s\S]*?\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*?content-length: 5\r\n[\s\S]*?\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\nhello$/i,
    );
    const big = await get(gw.port, '/big');
    assert.equal(big.body.length, 3 * 1024 * 1024);
  });

  test('a client that half-closes after pipelining two requests gets both answers, then the close', async () => {
    const res = await rawExchange(gw.port, 'GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n', {
      end: true,
      quietMs: 2000,
    });
    assert.equal(res.closed, true);
    assert.deepEqual(
      parseResponses(res.text).map((r) => r.status),
      [200, 200],
    );
  });

  test('HTTP/1.0 client: chunked upstream body is de-chunked, connection closed after', async () => {
    const res = await rawExchange(gw.port, 'GET /chunked HTTP/1.0\r\n\r\n');
    assert.equal(res.closed, true);
    assert.match(res.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(res.text, /transfer-encoding/i);
    assert.match(res.text, /connection: close\r\n/i);
    assert.ok(res.text.endsWith('\r\n\r\nhello world'));
  });

  test('WebSocket / Upgrade passthrough: 101 relayed, then bytes both ways', async () => {
    const socket = net.connect({ port: gw.port, host: '127.0.0.1' });
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.write('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    const deadline = Date.now() + 3000;
    while (!text.includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(text, /X-Got-Connection: upgrade/);
    socket.write('ping');
    while (!text.includes('echo:ping') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(text.endsWith('echo:ping'));
    socket.destroy();
  });
});

describe('timeouts', () => {
  let echo: EchoServer;
  let gw: RunningGateway;
  before(async () => {
    echo = await startEcho();
    gw = await startGateway(
      gatewayConfig({ upstream: `127.0.0.1:${echo.port}`, limits: { headerTimeoutMs: 300, idleTimeoutMs: 300 } }),
    );
  });
  after(async () => {
    await gw.close();
    await echo.close();
  });

  test('slowloris: a head that never completes gets 408 and the connection closes', async () => {
    const res = await rawExchange(gw.port, ['GET / HTTP/1.1\r\n', 'Host: a\r\n', 'X-A: 1\r\n'], {
      gapMs: 100,
      quietMs: 2000,
    });
    assert.equal(res.closed, true);
    assert.match(res.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  test('idle keep-alive connections are closed after idleTimeoutMs', async () => {
    const started = Date.now();
    const res = await rawExchange(gw.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { quietMs: 3000 });
    assert.equal(res.closed, true);
    assert.equal(parseResponses(res.text)[0]?.status, 200);
    assert.ok(Date.now() - started < 2500);
  });
});

test('a client that stops reading the response is cut after idleTimeoutMs, and the upstream with it', async () => {
  let upstreamClosed = false;
  const big = await startEcho((_req, res) => {
    res.writeHead(200, { 'content-length': 64 * 1024 * 1024 });
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const pump = () => {
      while (res.write(chunk)) {}
    };
    res.on('drain', pump);
    res.on('close', () => {
      upstreamClosed = true;
    });
    pump();
    return true;
  });
  const observer = recordingObserver();
  const gw = await startGateway(
    gatewayConfig({ upstream: `127.0.0.1:${big.port}`, limits: { idleTimeoutMs: 300, maxBodyBytes: 1024 } }),
    observer,
  );
  const socket = net.connect({ port: gw.port, host: '127.0.0.1' });
  socket.on('error', () => {});
  socket.pause(); // never read
  socket.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\n');
  const deadline = Date.now() + 5000;
  while (!upstreamClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(upstreamClosed, true);
  assert.equal(observer.records.at(-1)?.error, 'client-abort');
  socket.destroy();
  await gw.close();
  await big.close();
});

describe('PROXY protocol listener modes', () => {
  let echo: EchoServer;
  let gw: RunningGateway;
  const observer = recordingObserver();
  const v1 = (src: string) =>
    Buffer.from(
      encodeProxyHeader({ version: 1, source: src, sourcePort: 5555, destination: '127.0.0.1', destinationPort: 80 }),
    );
  before(async () => {
    echo = await startEcho();
    gw = await startGateway(
      gatewayConfig({
        upstream: `127.0.0.1:${echo.port}`,
        listeners: [
          { name: 'req', proxyProtocol: { mode: 'required', trusted: ['127.0.0.1'], timeoutMs: 300 } },
          { name: 'opt', proxyProtocol: { mode: 'optional', trusted: ['127.0.0.1'], timeoutMs: 300 } },
          { name: 'untrusting', proxyProtocol: { mode: 'optional', trusted: ['10.9.9.9'], timeoutMs: 300 } },
        ],
      }),
      observer,
    );
  });
  after(async () => {
    await gw.close();
    await echo.close();
  });

  test('required: v1 header accepted, the decoded source is the client', async () => {
    const res = await rawExchange(gw.ports[0]!, [v1('198.51.100.7'), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'], {
      until: (t) => parseResponses(t).length > 0,
    });
    assert.equal(parseResponses(res.text)[0]?.status, 200);
    assert.equal(echo.received.at(-1)!.h['x-real-ip'], '198.51.100.7');
    assert.equal(observer.records.at(-1)!.directPeer, '127.0.0.1');
  });

  test('required: the header alone (as HAProxy and AWS NLB send it on connect), the request 150 ms later', async () => {
    const socket = net.connect({ port: gw.ports[0]!, host: '127.0.0.1' });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    await new Promise<void>((resolve) => socket.write(v1('198.51.100.9'), () => resolve()));
    await new Promise((r) => setTimeout(r, 150));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const deadline = Date.now() + 3000;
    while (parseResponses(text).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    assert.equal(parseResponses(text)[0]?.status, 200, 'no answer after a PROXY header that came alone');
    assert.equal(echo.received.at(-1)!.h['x-real-ip'], '198.51.100.9');
  });

  test('required: v2 header with the request in the same packet', async () => {
    const header = encodeProxyHeader({
      version: 2,
      source: '2001:db8::7',
      sourcePort: 1,
      destination: '2001:db8::1',
      destinationPort: 80,
      crc32c: true,
    });
    const res = await rawExchange(
      gw.ports[0]!,
      Buffer.concat([header, Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n')]),
      {
        until: (t) => parseResponses(t).length > 0,
      },
    );
    assert.equal(parseResponses(res.text)[0]?.status, 200);
    assert.equal(echo.received.at(-1)!.h['x-forwarded-for'], '2001:db8::7');
  });

  test('required: missing header closes the connection (missing), a slow one times out', async () => {
    const res = await rawExchange(gw.ports[0]!, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(res.closed, true);
    assert.equal(res.text, '');
    assert.ok(observer.events.includes('proxy:req:missing'));
    const slow = await rawExchange(gw.ports[0]!, 'PROXY TCP4 1.2', { quietMs: 2000 });
    assert.equal(slow.closed, true);
    assert.ok(observer.events.includes('proxy:req:timeout'));
  });

  test('optional: header absent from a trusted source is fine; from an untrusted source a header is a bad request', async () => {
    const res = await rawExchange(gw.ports[1]!, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', {
      until: (t) => parseResponses(t).length > 0,
    });
    assert.equal(parseResponses(res.text)[0]?.status, 200);
    assert.ok(observer.events.includes('proxy:opt:absent-optional'));
    const spoof = await rawExchange(gw.ports[2]!, [v1('198.51.100.7'), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n']);
    assert.equal(parseResponses(spoof.text)[0]?.status, 400);
  });
});

describe('TLS listener', () => {
  const openssl = requireProgram('openssl');
  const skip = typeof openssl === 'string' ? false : openssl.skip;
  let dir: string;
  let echo: EchoServer;
  let gw: RunningGateway;
  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
    execFileSync(
      openssl as string,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    echo = await startEcho();
    const tls = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
    gw = await startGateway(
      gatewayConfig({
        upstream: `127.0.0.1:${echo.port}`,
        listeners: [{ tls }, { tls, proxyProtocol: { mode: 'required', trusted: ['127.0.0.1'], timeoutMs: 500 } }],
      }),
    );
  });
  after(async () => {
    await gw?.close();
    await echo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const httpsGet = (port: number, createConnection?: () => net.Socket) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(
        // `agent` must be absent for `createConnection` to be used.
        createConnection
          ? { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, createConnection }
          : { host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });

  test('HTTPS: X-Forwarded-Proto https', { skip }, async () => {
    assert.equal(await httpsGet(gw.ports[0]!), 200);
    assert.equal(echo.received.at(-1)!.h['x-forwarded-proto'], 'https');
  });

  test('a TLS handshake that never completes is cut after headerTimeoutMs', { skip }, async () => {
    const started = Date.now();
    const res = await rawExchange(gw.ports[0]!, Buffer.from([0x16, 0x03, 0x01]), { quietMs: 5000, maxMs: 6000 });
    assert.equal(res.closed, true);
    assert.ok(Date.now() - started < 4000);
  });

  test('a client that rejects our certificate mid-handshake: the server side closes at once, not at the deadline', {
    skip,
  }, async () => {
    const server = gw.handles[0]!.server;
    const count = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    const started = Date.now();
    await new Promise<void>((resolve) => {
      // Self-signed certificate + rejectUnauthorized: the client sends an alert and closes.
      const client = tlsConnect({ host: '127.0.0.1', port: gw.ports[0]!, rejectUnauthorized: true });
      client.on('error', () => resolve());
      client.on('secureConnect', () => assert.fail('the self-signed certificate must be refused'));
    });
    while ((await count()) > 0 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await count(), 0, 'the raw socket is still open');
    assert.ok(Date.now() - started < 2000, `closed after ${Date.now() - started} ms`);
  });

  test('destroyAll() reaches a socket still in its TLS handshake', { skip }, async () => {
    const extra = await startGateway(
      gatewayConfig({
        upstream: `127.0.0.1:${echo.port}`,
        listeners: [{ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } }],
      }),
    );
    const raw = net.connect({ port: extra.port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => raw.on('connect', () => resolve()));
    raw.write(Buffer.from([0x16, 0x03, 0x01])); // a ClientHello that never completes
    // Wait until the gateway has accepted the socket, so close() has a handshake to cut.
    const count = () =>
      new Promise<number>((resolve) => extra.handles[0]!.server.getConnections((_e, n) => resolve(n)));
    const accepted = Date.now() + 5000;
    while ((await count()) === 0 && Date.now() < accepted) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await count(), 1, 'the gateway accepted the handshake socket');
    const closed = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    raw.on('error', () => {});
    const started = Date.now();
    await extra.close();
    await closed;
    assert.ok(Date.now() - started < 1000, `closed after ${Date.now() - started} ms`);
  });

  test('PROXY header before TLS (bytes after the header handed to TLS)', { skip }, async () => {
    const header = Buffer.from(
      encodeProxyHeader({
        version: 1,
        source: '203.0.113.5',
        sourcePort: 4000,
        destination: '127.0.0.1',
        destinationPort: 443,
      }),
    );
    // Connect and flush the PROXY header first; then TLS starts on the same socket.
    const raw = net.connect({ port: gw.ports[1]!, host: '127.0.0.1' });
    await new Promise<void>((resolve) => raw.on('connect', () => resolve()));
    await new Promise<void>((resolve) => raw.write(header, () => resolve()));
    const status = await httpsGet(gw.ports[1]!, () => tlsConnect({ socket: raw, rejectUnauthorized: false }));
    assert.equal(status, 200);
    assert.equal(echo.received.at(-1)!.h['x-real-ip'], '203.0.113.5');
  });
});

describe('PROXY protocol to the upstream, IPv6 listener', () => {
  test('v2 header on each upstream connection carries the real peer; such connections are not pooled', async () => {
    const seen: string[] = [];
    const upstream = net.createServer((socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        const r = decodeProxyHeader(buf);
        if (r.status !== 'ok' || !buf.includes('\r\n\r\n')) return;
        seen.push(`${r.header.version} ${r.header.source}:${r.header.sourcePort}`);
        const body = `from ${r.header.source}`;
        socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as net.AddressInfo).port;
    const gw = await startGateway(
      gatewayConfig({ upstream: `127.0.0.1:${port}`, forwarding: { proxyProtocol: 'v2' } }),
    );
    const first = await get(gw.port, '/');
    const second = await get(gw.port, '/');
    assert.equal(first.body.toString(), 'from 127.0.0.1');
    assert.equal(second.status, 200);
    assert.equal(seen.length, 2);
    assert.match(seen[0]!, /^2 127\.0\.0\.1:\d+$/);
    await gw.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  test('IPv6 client on an IPv6 listener: XFF plain, Forwarded bracketed and quoted', async () => {
    const echo = await startEcho();
    const gw = await startGateway(
      gatewayConfig({ upstream: `127.0.0.1:${echo.port}`, forwarding: { forwarded: true } }),
      undefined,
      '::1',
    );
    const res = await rawExchange(gw.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', {
      host: '::1',
      until: (t) => parseResponses(t).length > 0,
    });
    assert.equal(parseResponses(res.text)[0]?.status, 200);
    const got = echo.received.at(-1)!.h;
    assert.equal(got['x-forwarded-for'], '::1');
    assert.equal(got['x-real-ip'], '::1');
    assert.equal(got.forwarded, 'for="[::1]";host=a;proto=http');
    await gw.close();
    await echo.close();
  });
});

describe('reload, drain and policies', () => {
  let one: EchoServer;
  let two: EchoServer;
  before(async () => {
    one = await startEcho();
    two = await startEcho();
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  test('an open connection keeps the runtime it started with; new connections get the new one', async () => {
    const gw = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${one.port}` }));
    const socket = net.connect({ port: gw.port, host: '127.0.0.1' });
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString();
    });
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 3000;
      while (parseResponses(text).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    socket.write('GET /first HTTP/1.1\r\nHost: a\r\n\r\n');
    await waitFor(1);
    const old = gw.runtime;
    gw.runtime = compileRuntime(gatewayConfig({ upstream: `127.0.0.1:${two.port}` }));
    socket.write('GET /second HTTP/1.1\r\nHost: a\r\n\r\n');
    await waitFor(2);
    assert.equal(one.received.at(-1)!.url, '/second');
    await get(gw.port, '/third');
    assert.equal(two.received.at(-1)!.url, '/third');
    socket.destroy();
    old.close();
    await gw.close();
  });

  test('drain: the in-flight request finishes with Connection: close; idle connections close', async () => {
    const slow = await startEcho((_req, res) => {
      setTimeout(() => res.end('done'), 200);
      return true;
    });
    const gw = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${slow.port}` }));
    const idle = net.connect({ port: gw.port, host: '127.0.0.1' });
    const idleClosed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
    await new Promise<void>((resolve) => idle.on('connect', () => resolve()));
    const pending = rawExchange(gw.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    // Wait for the request to be in flight (not a fixed sleep: a loaded CI machine may be slower).
    const deadline = Date.now() + 5000;
    while (gw.handles[0]!.inFlight() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(gw.handles[0]!.inFlight(), 1);
    gw.handles[0]!.drain();
    const res = await pending;
    assert.equal(parseResponses(res.text)[0]?.status, 200);
    assert.match(res.text, /connection: close/i);
    assert.equal(res.closed, true);
    await idleClosed;
    assert.equal(gw.handles[0]!.inFlight(), 0);
    await gw.close();
    await slow.close();
  });

  test('policy hook: a denying route policy answers its status and headers; allow adds headers', async () => {
    const policies: PolicyEngine = {
      forListener: () => null,
      forRoute: (route) => ({
        check: async (req) =>
          req.path === '/deny'
            ? {
                allowed: false,
                status: 429,
                headers: [['retry-after', '1']],
                policy: `route:${route}/rl`,
                decision: 'limit',
              }
            : {
                allowed: true,
                status: 200,
                headers: [['ratelimit-remaining', '9']],
                policy: `route:${route}/rl`,
                decision: 'allow',
              },
      }),
      close: async () => {},
    };
    const config = gatewayConfig({ upstream: `127.0.0.1:${one.port}` });
    const observer = recordingObserver();
    const gw = await startGateway(config, observer);
    gw.runtime = compileRuntime(config, { policies });
    const denied = await get(gw.port, '/deny');
    assert.equal(denied.status, 429);
    assert.equal(denied.headers['retry-after'], '1');
    assert.equal(observer.records.at(-1)!.decision, 'limit');
    const allowed = await get(gw.port, '/ok');
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['ratelimit-remaining'], '9');
    await gw.close();
  });
});
