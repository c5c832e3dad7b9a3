/**
 * The smuggling / malformed-request corpus (src/gateway/http1/smuggling.vectors.ts) sent through the gateway
 * over real sockets, to a Node upstream and to nginx: each case is rejected (status, then the connection
 * closes) or forwarded in exactly one form — the upstream receives exactly the listed requests — and a
 * follow-up request on a fresh client connection (reusing the pooled upstream connection) is answered
 * correctly, so no case desynchronises the upstream connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SMUGGLING_CASES, type SmugglingCase } from '../../src/gateway/http1/smuggling.vectors.ts';
import { requireProgram } from '../support/programs.ts';
import { type ExternalProgram, freePort, startNginx } from './external.ts';
import {
  type EchoServer,
  gatewayConfig,
  parseResponses,
  type RecordingObserver,
  type RunningGateway,
  rawExchange,
  recordingObserver,
  startEcho,
  startGateway,
} from './support.ts';

const LIMITS = { maxHeaderBytes: 8192, maxHeaderCount: 64, maxBodyBytes: 1024 * 1024 };

function finals(text: string) {
  return parseResponses(text).filter((r) => r.status >= 200);
}

async function sendCase(gw: RunningGateway, c: SmugglingCase) {
  const wantFinals = (c.forward?.length ?? 0) + (c.reject ? 1 : 0);
  const res = await rawExchange(gw.port, Buffer.from(c.raw, 'latin1'), {
    quietMs: 600,
    maxMs: 4000,
    until: c.reject ? undefined : (text) => finals(text).length >= wantFinals,
  });
  const got = finals(res.text);
  const want = [...(c.forward ?? []).map(() => 200), ...(c.reject ? [c.reject.status] : [])];
  assert.deepEqual(
    got.map((r) => r.status),
    want,
    `statuses for ${c.name}: ${JSON.stringify(res.text.slice(0, 300))}`,
  );
  if (c.reject) {
    assert.equal(res.closed, true, 'the gateway closes the connection after a rejection');
    assert.match(got.at(-1)!.head, /\r\nconnection: close/i);
  }
  return res;
}

describe('smuggling corpus through the gateway to a Node upstream', () => {
  let echo: EchoServer;
  let gw: RunningGateway;
  let observer: RecordingObserver;
  before(async () => {
    echo = await startEcho();
    observer = recordingObserver();
    gw = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${echo.port}`, limits: LIMITS }), observer);
  });
  after(async () => {
    await gw.close();
    await echo.close();
  });

  test(`corpus has at least 60 cases (${SMUGGLING_CASES.length})`, () => {
    assert.ok(SMUGGLING_CASES.length >= 60);
  });

  for (const [i, c] of SMUGGLING_CASES.entries()) {
    test(c.name, async () => {
      const seen = echo.received.length;
      const events = observer.events.length;
      await sendCase(gw, c);
      const got = echo.received.slice(seen);
      const want = c.forward ?? [];
      assert.equal(got.length, want.length, `upstream received ${JSON.stringify(got.map((r) => r.url))}`);
      for (const [k, w] of want.entries()) {
        const r = got[k]!;
        assert.equal(r.method, w.method);
        assert.equal(r.url, w.url);
        assert.equal(r.body, w.body ?? '');
        for (const [name, value] of Object.entries(w.headers ?? {})) {
          assert.equal(r.h[name] ?? null, value, `header ${name}`);
        }
        // exactly one framing header, never both
        assert.ok(!(r.h['content-length'] !== undefined && r.h['transfer-encoding'] !== undefined));
      }
      if (c.reject) assert.ok(observer.events.slice(events).includes(`bad:l0:${c.reject.kind}`), c.reject.kind);
      // Follow-up on the (pooled) upstream connection: answered, and the only thing the upstream saw.
      const follow = await rawExchange(gw.port, `GET /follow-${i} HTTP/1.1\r\nHost: a.test\r\n\r\n`, {
        until: (text) => finals(text).length >= 1,
      });
      assert.equal(finals(follow.text)[0]?.status, 200);
      assert.equal(echo.received.length, seen + want.length + 1);
      assert.equal(echo.received.at(-1)!.url, `/follow-${i}`);
    });
  }
});

describe('smuggling corpus through the gateway to nginx', () => {
  const nginx = requireProgram('nginx');
  let program: ExternalProgram;
  let gw: RunningGateway;
  let port: number;
  const lines = () => program.read('access.log').split('\n').filter(Boolean);
  before(async () => {
    if (typeof nginx !== 'string') return;
    port = await freePort();
    program = await startNginx(
      nginx,
      `log_format sip '$request_method $request_uri';
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    access_log $DIR/access.log sip;
    location / { return 200 "$request_method $request_uri\\n"; }
  }`,
      [port],
    );
    gw = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${port}`, limits: LIMITS }));
  });
  after(async () => {
    await gw?.close();
    await program?.stop();
  });

  test('nginx itself answers 400 to identical duplicate Content-Length lines (the rule we copied)', {
    skip: typeof nginx === 'string' ? false : nginx.skip,
  }, async () => {
    const seen = lines().length;
    const res = await rawExchange(
      port,
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
    );
    assert.equal(finals(res.text)[0]?.status, 400);
    // nginx logs the refused request after answering: wait for that line, or the next test would
    // count it as one the gateway forwarded.
    const deadline = Date.now() + 5000;
    while (lines().length < seen + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(lines().slice(seen), ['POST /']);
  });

  for (const [i, c] of SMUGGLING_CASES.entries()) {
    test(c.name, { skip: typeof nginx === 'string' ? false : nginx.skip }, async () => {
      const seen = lines().length;
      await sendCase(gw, c);
      const want = c.forward ?? [];
      const deadline = Date.now() + 5000; // nginx writes its log after answering: generous for a loaded CI machine
      while (lines().length < seen + want.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const got = lines().slice(seen);
      assert.deepEqual(
        got,
        want.map((w) => `${w.method} ${w.url}`),
      );
      const follow = await rawExchange(gw.port, `GET /follow-${i} HTTP/1.1\r\nHost: a.test\r\n\r\n`, {
        until: (text) => finals(text).length >= 1,
      });
      const answer = finals(follow.text)[0];
      assert.equal(answer?.status, 200);
      assert.equal(answer?.body, `GET /follow-${i}\n`);
      while (lines().length < seen + want.length + 1 && Date.now() < deadline + 1000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(lines().slice(seen + want.length), [`GET /follow-${i}`]);
    });
  }
});
