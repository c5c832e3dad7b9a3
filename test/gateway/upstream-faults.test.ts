/**
 * A misbehaving upstream (raw socket, canned answers per path): malformed or ambiguous responses become a
 * 502 (or a cut connection once the response has started), never a crash or a desynchronised pool; a
 * follow-up request after each fault is answered correctly.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  gatewayConfig,
  parseResponses,
  type RecordingObserver,
  type RunningGateway,
  rawExchange,
  recordingObserver,
  startGateway,
} from './support.ts';

const ANSWERS: Record<string, (socket: net.Socket) => void> = {
  '/ok': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  '/bad-status': (s) => s.write('HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok'),
  '/bare-lf': (s) => s.write('HTTP/1.1 200 OK\nContent-Length: 2\n\nok'),
  '/two-cl': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!'),
  '/ctl-header': (s) => s.write('HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\nok'),
  '/close-before-response': (s) => s.destroy(),
  '/reset-mid-body': (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
    setTimeout(() => s.destroy(), 20);
  },
  '/no-length': (s) => s.end('HTTP/1.1 200 OK\r\n\r\nuntil close'),
  '/stall-mid-body': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789'),
  '/huge-head': (s) => s.write(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100_000)}\r\nContent-Length: 2\r\n\r\nok`),
  '/extra-bytes': (s) =>
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!'),
  '/unasked-101': (s) =>
    s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
  '/te-and-cl': (s) =>
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'),
  '/bad-chunk': (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n'),
  '/early-100-then-200': (s) => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
};

describe('a misbehaving upstream', () => {
  let upstream: net.Server;
  let gw: RunningGateway;
  let observer: RecordingObserver;
  const sockets = new Set<net.Socket>();
  before(async () => {
    upstream = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      let buf = '';
      socket.on('data', (c: Buffer) => {
        buf += c.toString('latin1');
        while (buf.includes('\r\n\r\n')) {
          const end = buf.indexOf('\r\n\r\n');
          const path = buf.slice(buf.indexOf(' ') + 1, buf.indexOf(' ', buf.indexOf(' ') + 1));
          buf = buf.slice(end + 4);
          (ANSWERS[path] ?? ANSWERS['/ok']!)(socket);
        }
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    observer = recordingObserver();
    gw = await startGateway(
      gatewayConfig({ upstream: `127.0.0.1:${(upstream.address() as net.AddressInfo).port}`, responseTimeoutMs: 500 }),
      observer,
    );
  });
  after(async () => {
    await gw.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  const ask = (path: string, waitForClose = false) =>
    rawExchange(gw.port, `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`, {
      until: waitForClose ? undefined : (t) => parseResponses(t).some((r) => r.status >= 200),
      quietMs: waitForClose ? 2000 : 500,
    });

  const expectations: Array<[string, number | 'cut', string?]> = [
    ['/bad-status', 502, 'upstream:default:protocol'],
    ['/bare-lf', 502, 'upstream:default:protocol'],
    ['/two-cl', 502, 'upstream:default:protocol'],
    ['/ctl-header', 502, 'upstream:default:protocol'],
    ['/close-before-response', 502, 'upstream:default:reset'],
    ['/huge-head', 502, 'upstream:default:protocol'],
    ['/unasked-101', 502, 'upstream:default:protocol'],
    ['/reset-mid-body', 'cut'],
    ['/bad-chunk', 'cut', 'upstream:default:protocol'],
    ['/stall-mid-body', 'cut', 'upstream:default:timeout'],
  ];
  for (const [path, want, event] of expectations) {
    test(`${path}: ${want === 'cut' ? 'the client connection is cut' : want}, then the next request works`, async () => {
      const res = await ask(path, want === 'cut');
      if (want === 'cut') {
        assert.equal(res.closed, true);
        const first = parseResponses(res.text)[0];
        assert.ok(first === undefined || first.body.length < 100, 'never a complete response');
      } else {
        assert.equal(parseResponses(res.text)[0]?.status, want);
      }
      if (event) assert.ok(observer.events.includes(event), event);
      const next = await ask('/ok');
      assert.equal(parseResponses(next.text)[0]?.body, 'ok');
    });
  }

  test('close-delimited body: forwarded until the upstream closes, then the client connection closes', async () => {
    const res = await ask('/no-length', true);
    assert.equal(res.closed, true);
    assert.match(res.text, /connection: close\r\n\r\nuntil close$/i);
  });

  test('bytes after the announced body are dropped and that upstream connection is not reused', async () => {
    const res = await ask('/extra-bytes');
    assert.equal(parseResponses(res.text)[0]?.body, 'ok');
    const next = await ask('/ok');
    assert.equal(parseResponses(next.text)[0]?.body, 'ok', 'not the smuggled EVIL! response');
  });

  test('Transfer-Encoding with Content-Length from the upstream: chunked wins, Content-Length is dropped', async () => {
    const res = await ask('/te-and-cl');
    assert.match(res.text, /transfer-encoding: chunked\r\n/i);
    assert.doesNotMatch(res.text, /content-length/i);
    assert.ok(res.text.endsWith('2\r\nok\r\n0\r\n\r\n'));
  });

  test('a 100 Continue before the final response is relayed, then the 200', async () => {
    const res = await ask('/early-100-then-200');
    assert.deepEqual(
      parseResponses(res.text).map((r) => r.status),
      [100, 200],
    );
  });
});
