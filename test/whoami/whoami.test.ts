/**
 * whoami over real loopback sockets: in-process (startWhoami) for the response contents, and as a
 * child process (`node bin/sourceip.js whoami`) for the ready line, flags, exit codes and SIGTERM.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type RunningWhoami, startWhoami } from '../../src/whoami/server.ts';
import { getJson, header, request } from '../middleware/support.ts';

const TRUSTED_PEER = '127.0.0.1';
const UNTRUSTED_PEER = '127.0.0.2';

describe('whoami in-process, strict, trusting 127.0.0.1 and ::1', () => {
  let whoami: RunningWhoami;
  before(async () => {
    whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1', '::1'], host: 'test-host' });
  });
  after(() => whoami.close());

  test('JSON: the documented shape, from a trusted peer with X-Forwarded-For', async () => {
    const { status, json } = await getJson(whoami.url, {
      path: '/some/path?format=json&x=1',
      localAddress: TRUSTED_PEER,
      headers: [
        ['X-Forwarded-For', '203.0.113.7'],
        ['X-Custom', 'a'],
        ['x-custom', 'b'],
      ],
    });
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(json), [
      'peer',
      'proxyProtocol',
      'request',
      'headers',
      'client',
      'trust',
      'spoofAttempts',
      'host',
    ]);
    assert.equal(json.peer.ip, TRUSTED_PEER);
    assert.ok(Number.isInteger(json.peer.port) && json.peer.port > 0);
    assert.equal(json.proxyProtocol, null);
    assert.deepEqual(json.request, { method: 'GET', url: '/some/path?format=json&x=1', httpVersion: '1.1' });
    assert.deepEqual(json.headers, [
      ['Host', new URL(whoami.url).host],
      ['X-Forwarded-For', '203.0.113.7'],
      ['X-Custom', 'a'],
      ['x-custom', 'b'],
      ['Connection', 'close'],
    ]);
    assert.equal(json.client.ip, '203.0.113.7');
    assert.equal(json.client.reason, 'rightmost-untrusted');
    assert.ok(Array.isArray(json.client.trace) && json.client.trace.length >= 2, 'trace has the peer and the entry');
    assert.equal(json.client.trace[0].source, 'peer');
    assert.equal(json.client.trace[0].verdict, 'trusted');
    assert.deepEqual(json.spoofAttempts, []);
    assert.equal(json.trust.semantics, 'strict');
    assert.deepEqual(json.trust.trusted, ['127.0.0.1', '::1']);
    assert.equal(json.trust.trustsEverything, false);
    assert.deepEqual(json.trust.proxyProtocol, { mode: 'off', trusted: [] });
    assert.equal(json.host, 'test-host');
  });

  test('untrusted peer: the client is the peer and every forwarding header is a spoof attempt', async () => {
    const forwarding: Array<[string, string]> = [
      ['X-Forwarded-For', '1.2.3.4'],
      ['Forwarded', 'for=1.2.3.4'],
      ['X-Real-IP', '1.2.3.4'],
      ['CF-Connecting-IP', '1.2.3.4'],
      ['True-Client-IP', '1.2.3.4'],
      ['Fastly-Client-IP', '1.2.3.4'],
      ['X-Client-IP', '1.2.3.4'],
      ['CloudFront-Viewer-Address', '1.2.3.4:443'],
      ['X-Forwarded-Host', 'evil.example'],
      ['X-Forwarded-Proto', 'https'],
    ];
    const { json } = await getJson(whoami.url, {
      path: '/?format=json',
      localAddress: UNTRUSTED_PEER,
      headers: [['User-Agent', 'test'], ...forwarding],
    });
    assert.equal(json.peer.ip, UNTRUSTED_PEER);
    assert.equal(json.client.ip, UNTRUSTED_PEER);
    assert.equal(json.client.reason, 'untrusted-peer');
    assert.deepEqual(
      json.spoofAttempts,
      forwarding.map(([name, value]) => ({ header: name, value })),
    );
  });

  test('duplicate X-Forwarded-For lines keep their wire order and both count', async () => {
    const { json } = await getJson(whoami.url, {
      path: '/?format=json',
      localAddress: TRUSTED_PEER,
      headers: [
        ['X-Forwarded-For', '198.51.100.1'],
        ['X-Forwarded-For', '203.0.113.9'],
      ],
    });
    const xff = json.headers.filter(([name]: [string]) => name === 'X-Forwarded-For');
    assert.deepEqual(xff, [
      ['X-Forwarded-For', '198.51.100.1'],
      ['X-Forwarded-For', '203.0.113.9'],
    ]);
    assert.equal(json.client.ip, '203.0.113.9');
  });

  test('text is the default (curl */*), shows client, peer, headers and trace', async () => {
    const reply = await request(whoami.url, {
      localAddress: TRUSTED_PEER,
      headers: [
        ['Accept', '*/*'],
        ['X-Forwarded-For', '203.0.113.7'],
      ],
    });
    assert.equal(reply.status, 200);
    assert.match(header(reply, 'content-type') ?? '', /^text\/plain; charset=utf-8$/);
    assert.match(reply.body, /^Client: 203\.0\.113\.7 \(rightmost-untrusted\)$/m);
    assert.match(reply.body, /^Peer: 127\.0\.0\.1:\d+$/m);
    assert.match(reply.body, /^ {2}X-Forwarded-For: 203\.0\.113\.7$/m);
    assert.match(reply.body, /^Trace:\n {2}1\. peer /m);
    assert.equal(header(reply, 'cache-control'), 'no-store');
  });

  test('Accept: application/json and text/html choose the format', async () => {
    const json = await request(whoami.url, { headers: [['Accept', 'application/json']] });
    assert.match(header(json, 'content-type') ?? '', /^application\/json/);
    JSON.parse(json.body);
    const html = await request(whoami.url, { headers: [['Accept', 'text/html,*/*;q=0.8']] });
    assert.match(header(html, 'content-type') ?? '', /^text\/html/);
    assert.match(html.body, /^<!doctype html>/);
    assert.match(header(html, 'content-security-policy') ?? '', /default-src 'none'/);
  });

  test('HTML escapes attacker text: <script> in headers and the URL never reaches the page raw', async () => {
    const evil = '<script>alert(1)</script>';
    const reply = await request(whoami.url, {
      path: `/?format=html&q=${evil}`,
      localAddress: UNTRUSTED_PEER,
      headers: [
        ['X-Forwarded-For', evil],
        ['X-Evil', `"><img src=x onerror=alert(1)>`],
      ],
    });
    assert.equal(reply.status, 200);
    assert.ok(!reply.body.includes('<script>'), 'raw <script> in the page');
    assert.ok(!reply.body.includes('<img'), 'raw <img> in the page');
    assert.ok(reply.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(reply.body.includes('Spoof attempts'));
  });

  test('text escapes control characters and obs-text bytes from the wire', async () => {
    const reply = await request(whoami.url, {
      path: '/?format=text',
      headers: [['X-Odd', 'caf\u00e9\u0085\u009b31m']],
    });
    assert.equal(reply.status, 200);
    assert.ok(!/[\u0085\u009b]/.test(reply.body), 'raw C1 control in text output');
    assert.match(reply.body, /X-Odd: café\\x85\\x9b31m/);
  });

  test('fail: unknown ?format answers 400 with the value escaped', async () => {
    const reply = await request(whoami.url, { path: '/?format=%1b[2Jxml' });
    assert.equal(reply.status, 400);
    assert.equal(reply.body, 'unknown format "\\x1b[2Jxml": use json, text or html\n');
  });

  test('HEAD: headers without a body', async () => {
    const reply = await request(whoami.url, { method: 'HEAD' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '');
    assert.ok(Number(header(reply, 'content-length')) > 0);
  });

  test('fail: a malformed request gets 400 from the parser and the server keeps serving', async () => {
    const bad = await request(whoami.url, { raw: 'GET / HTTP/1.1\r\nBad Header Line\r\n\r\n' });
    assert.equal(bad.status, 400);
    const nul = await request(whoami.url, { raw: 'GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n' });
    assert.equal(nul.status, 400);
    const garbage = await request(whoami.url, {
      raw: '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003',
    });
    assert.ok(garbage.status === 400 || garbage.status === 0);
    const ok = await request(whoami.url, { path: '/?format=json' });
    assert.equal(ok.status, 200);
  });

  test('many header lines and a long value are echoed whole', async () => {
    const headers: Array<[string, string]> = [];
    for (let i = 0; i < 200; i++) headers.push([`X-H${i}`, String(i)]);
    headers.push(['X-Long', 'x'.repeat(8000)]);
    const { json } = await getJson(whoami.url, { path: '/?format=json', headers });
    assert.equal(json.headers.length, 1 + 200 + 1 + 1);
    assert.equal(json.headers[201][1].length, 8000);
  });
});

describe('whoami in-process, other configurations', () => {
  test('IPv6 listen on ::1: URL bracketed, peer ::1 trusted', async (t) => {
    let whoami: RunningWhoami;
    try {
      whoami = await startWhoami({ listen: '::1', port: 0, trusted: ['::1'] });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL' && process.env.CI !== 'true') {
        t.skip('no IPv6 loopback on this machine');
        return;
      }
      throw error;
    }
    try {
      assert.match(whoami.url, /^http:\/\/\[::1\]:\d+\/$/);
      const { json } = await getJson(whoami.url, {
        path: '/?format=json',
        headers: [['X-Forwarded-For', '2001:db8::7']],
      });
      assert.equal(json.peer.ip, '::1');
      assert.equal(json.client.ip, '2001:db8::7');
    } finally {
      await whoami.close();
    }
  });

  test('trust everything (0.0.0.0/0) is flagged spoofable in JSON and text', async () => {
    const whoami = await startWhoami({ port: 0, trusted: ['0.0.0.0/0', '::/0'] });
    try {
      const { json } = await getJson(whoami.url, { path: '/?format=json', localAddress: UNTRUSTED_PEER });
      assert.equal(json.trust.trustsEverything, true);
      const text = await request(whoami.url, {});
      assert.match(text.body, /WARNING: this configuration trusts every address/);
    } finally {
      await whoami.close();
    }
  });

  test('nginx semantics with X-Real-IP', async () => {
    const whoami = await startWhoami({ port: 0, semantics: 'nginx', trusted: ['127.0.0.1'], header: 'X-Real-IP' });
    try {
      const { json } = await getJson(whoami.url, {
        path: '/?format=json',
        localAddress: TRUSTED_PEER,
        headers: [
          ['X-Forwarded-For', '198.51.100.1'],
          ['X-Real-IP', '203.0.113.5'],
        ],
      });
      assert.equal(json.trust.semantics, 'nginx');
      assert.equal(json.trust.header, 'X-Real-IP');
      assert.equal(json.client.ip, '203.0.113.5');
    } finally {
      await whoami.close();
    }
  });

  test('close() finishes a request in flight (answered with Connection: close), then stops accepting', async () => {
    const whoami = await startWhoami({ port: 0 });
    const { port } = whoami;
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    // Half a request: the connection is busy, not idle, when close() starts.
    socket.write('GET /?format=json HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    const closing = whoami.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, false, 'close() resolved while a request was in flight');
    await assert.rejects(request(whoami.url, {}), /ECONNREFUSED/);
    socket.write('X-Late: yes\r\n\r\n');
    await once(socket, 'close');
    await closing;
    const reply = Buffer.concat(chunks).toString('latin1');
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(reply, /\r\nConnection: close\r\n/i);
    assert.match(reply, /"X-Late",\s*"yes"/);
  });

  test('close() does not wait for idle keep-alive connections', async () => {
    const whoami = await startWhoami({ port: 0, shutdownGraceMs: 60_000 });
    const socket = connect({ host: '127.0.0.1', port: whoami.port });
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'data');
    const started = Date.now();
    await whoami.close();
    assert.ok(Date.now() - started < 5000, 'close() waited for an idle connection');
    socket.destroy();
  });

  test('fail: a bad trust list throws at start, naming the input', async () => {
    await assert.rejects(startWhoami({ port: 0, trusted: ['10.0.0.0/33'] }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SIP_ERR_INVALID_CIDR');
      assert.match(error.message, /10\.0\.0\.0\/33/);
      return true;
    });
  });
});
