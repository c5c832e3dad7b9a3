/**
 * Live-socket fuzzing: random byte streams built from HTTP fragments are sent to a running gateway; after
 * each, the gateway must still answer a valid request, and the upstream must never have received a request
 * the corpus rules forbid (both framing headers). Time-boxed: SOURCEIP_FUZZ_RUNS (default 25).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { gatewayConfig, parseResponses, rawExchange, startEcho, startGateway } from './support.ts';

// Each run is a few socket round trips: capped so a large SOURCEIP_FUZZ_RUNS stays bounded in time.
const RUNS = Math.min(Number(process.env.SOURCEIP_FUZZ_RUNS ?? 25), 2000);
let echo: Awaited<ReturnType<typeof startEcho>>;
let gw: Awaited<ReturnType<typeof startGateway>>;

before(async () => {
  echo = await startEcho();
  gw = await startGateway(gatewayConfig({ upstream: `127.0.0.1:${echo.port}`, limits: { headerTimeoutMs: 300 } }));
});
after(async () => {
  await gw.close();
  await echo.close();
});

const fragment = fc.constantFrom(
  'GET / HTTP/1.1\r\n',
  'POST /p HTTP/1.1\r\n',
  'GET http://a/x HTTP/1.0\r\n',
  'Host: a\r\n',
  'Content-Length: 3\r\n',
  'Content-Length: 0\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: chunked, identity\r\n',
  'Connection: close\r\n',
  'Connection: Upgrade\r\nUpgrade: websocket\r\n',
  'X-Forwarded-For: 1.2.3.4\r\n',
  ' folded\r\n',
  '\r\n',
  '\n',
  '\r',
  '\x00',
  'abc',
  '3\r\nabc\r\n',
  '0\r\n\r\n',
  'ffffffffffffff\r\n',
  ': x\r\n',
);

test('random request streams never break the gateway', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fragment, { minLength: 1, maxLength: 16 }), async (parts) => {
      await rawExchange(gw.port, Buffer.from(parts.join(''), 'latin1'), { quietMs: 150, maxMs: 1500 });
      const follow = await rawExchange(gw.port, 'GET /alive HTTP/1.1\r\nHost: a\r\n\r\n', {
        until: (t) => parseResponses(t).length > 0,
        maxMs: 3000,
      });
      assert.equal(parseResponses(follow.text)[0]?.status, 200);
      for (const r of echo.received) {
        assert.ok(!(r.h['content-length'] !== undefined && r.h['transfer-encoding'] !== undefined));
      }
    }),
    { numRuns: RUNS },
  );
});
