/**
 * The admin listener's content: Prometheus metrics after a known mix of requests (normal, spoof
 * attempt, strict refusal, smuggling attempt, dead upstream, PROXY accepted / missing), health and
 * readiness, and the access-log fields. The gateway runs in-process on port 0.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import test from 'node:test';
import { startGateway } from '../../src/gateway/gateway.ts';
import { get, startUpstream, waitUntil } from './support.ts';

function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.setTimeout(5000, () => socket.destroy());
    socket.write(bytes);
  });
}

test('metrics, health and the access log after a known mix of requests', { timeout: 30_000 }, async (t) => {
  const upstream = await startUpstream('A');
  const dead = await startUpstream('dead');
  const deadPort = dead.port;
  await dead.close(); // nothing listens there any more: connect errors
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const gateway = await startGateway({
    configObject: {
      listeners: [
        { name: 'public', host: '127.0.0.1', port: 0, trust: 'direct' },
        { name: 'internal', host: '127.0.0.1', port: 0, trust: 'loopback-proxy' },
        {
          name: 'lb',
          host: '127.0.0.1',
          port: 0,
          trust: 'direct',
          proxyProtocol: { mode: 'required', trusted: ['127.0.0.1'] },
        },
      ],
      trustProfiles: [{ name: 'loopback-proxy', semantics: 'strict', trusted: ['127.0.0.1'] }],
      upstreams: [
        { name: 'app', targets: [`127.0.0.1:${upstream.port}`] },
        { name: 'gone', targets: [`127.0.0.1:${deadPort}`], connectTimeoutMs: 1000 },
      ],
      routes: [
        { name: 'down', pathPrefix: '/down', upstream: 'gone' },
        { name: 'default', pathPrefix: '/', upstream: 'app' },
      ],
      admin: { host: '127.0.0.1', port: 0 },
    },
    env: {},
    handleSignals: false,
    logDestination: destination,
    version: '9.9.9-test',
  });
  t.after(async () => {
    await gateway.shutdown('test');
    await upstream.close();
  });
  const port = (name: string): number => gateway.listeners().find((l) => l.name === name)!.port;
  const admin = gateway.admin()!.port;

  assert.equal((await get(port('public'), '/')).status, 200);
  assert.equal((await get(port('public'), '/x', { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status, 200);
  // From a trusted peer, a chain the strict resolver refuses to read a client from.
  await get(port('internal'), '/', { headers: { 'X-Forwarded-For': 'not-an-ip' } });
  const smuggle = await raw(
    port('public'),
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  );
  assert.match(smuggle, /^HTTP\/1\.1 400 /);
  assert.equal((await get(port('public'), '/down')).status, 502);
  const viaProxy = await raw(
    port('lb'),
    'PROXY TCP4 198.51.100.7 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.match(viaProxy, /^HTTP\/1\.1 200 /);
  await raw(port('lb'), 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');

  const metrics = await get(admin, '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const text = metrics.body;
  const value = (series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
  };
  assert.equal(value('sourceip_build_info{version="9.9.9-test"}'), 1);
  assert.equal(value('sourceip_requests_total{listener="public",route="default",code="2xx"}'), 2);
  assert.equal(value('sourceip_requests_total{listener="public",route="down",code="5xx"}'), 1);
  assert.equal(value('sourceip_requests_total{listener="lb",route="default",code="2xx"}'), 1);
  assert.equal(value('sourceip_spoof_attempts_total{listener="public"}'), 1);
  assert.equal(value('sourceip_upstream_errors_total{route="down",kind="connect"}'), 1);
  assert.equal(value('sourceip_proxy_protocol_total{listener="lb",outcome="accepted"}'), 1);
  assert.equal(value('sourceip_proxy_protocol_total{listener="lb",outcome="missing"}'), 1);
  assert.equal(value('sourceip_bad_requests_total{listener="public",kind="cl-and-te"}'), 1);
  assert.equal(value('sourceip_strict_refusals_total{listener="internal",reason="invalid-entry"}'), 1);
  assert.match(
    text,
    /^sourceip_request_duration_seconds_bucket\{le="0\.005",listener="public",route="default"\} \d+$/m,
  );
  assert.match(text, /^sourceip_request_duration_seconds_count\{listener="public",route="default"\} 2$/m);
  assert.equal(value('sourceip_config_reloads_total{result="success"}'), 1);
  assert.equal(value('sourceip_config_reloads_total{result="failure"}'), 0);
  assert.equal(value('sourceip_in_flight_requests'), 0);
  assert.equal(value('sourceip_draining'), 0);
  assert.equal(value('sourceip_log_dropped_lines_total'), 0);
  assert.match(text, /^sourceip_process_resident_memory_bytes /m);
  // Bounded cardinality: no label value is an address.
  assert.doesNotMatch(text, /="[^"]*\d+\.\d+\.\d+\.\d+[^"]*"/, 'no IPv4 in a label');
  assert.doesNotMatch(text, /="[^"]*[0-9a-f]*::[0-9a-f]*[^"]*"/, 'no IPv6 in a label');

  assert.deepEqual([(await get(admin, '/healthz')).status, (await get(admin, '/healthz')).body], [200, 'ok\n']);
  assert.deepEqual([(await get(admin, '/readyz')).status, (await get(admin, '/readyz')).body], [200, 'ready\n']);
  assert.equal((await get(admin, '/nope')).status, 404);
  assert.equal((await get(port('public'), '/metrics')).body, 'A\n', 'metrics are not served on a public listener');

  // Access log: one line per request with the STYLE.md field names.
  const spoofLine = lines.find((l) => l.msg === 'request' && l['url.path'] === '/x')!;
  assert.ok(spoofLine, 'access line for /x');
  assert.equal(spoofLine['client.ip'], '127.0.0.1');
  assert.equal(spoofLine['peer.ip'], '127.0.0.1');
  assert.deepEqual(spoofLine['forwarded.chain'], ['203.0.113.9']);
  assert.equal(spoofLine['resolve.reason'], 'untrusted-peer');
  assert.equal(spoofLine['http.status'], 200);
  assert.equal(spoofLine.route, 'default');
  assert.equal(spoofLine.upstream, `127.0.0.1:${upstream.port}`);
  assert.equal(typeof spoofLine.duration_ms, 'number');
  assert.equal(typeof spoofLine.request_id, 'string');
  assert.ok((spoofLine.bytes_out as number) > 0);
  for (const key of ['client.port', 'policy', 'listener', 'http.method', 'bytes_in', 'error'])
    assert.ok(key in spoofLine, key);
  const proxied = lines.find((l) => l.msg === 'request' && l.listener === 'lb')!;
  assert.equal(proxied['peer.ip'], '198.51.100.7', 'the PROXY source is the real peer');
  assert.equal(proxied['peer.direct_ip'], '127.0.0.1', 'the load balancer is kept as the direct peer');
});

test('readiness fails while draining and metrics say so', { timeout: 20_000 }, async (t) => {
  const upstream = await startUpstream('A');
  const gateway = await startGateway({
    configObject: {
      listeners: [{ name: 'public', host: '127.0.0.1', port: 0 }],
      upstreams: [{ name: 'app', targets: [`127.0.0.1:${upstream.port}`] }],
      routes: [{ name: 'default', upstream: 'app' }],
      admin: { host: '127.0.0.1', port: 0 },
      drainTimeoutMs: 5000,
    },
    env: {},
    handleSignals: false,
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  t.after(() => upstream.close());
  const admin = gateway.admin()!.port;
  const slow = get(gateway.listeners()[0]!.port, '/slow?ms=800');
  await waitUntil(() => upstream.slowInFlight() === 1, 10_000, 'the slow request reached the upstream');
  const done = gateway.shutdown('test');
  const readyz = await get(admin, '/readyz');
  assert.equal(readyz.status, 503);
  const metrics = (await get(admin, '/metrics')).body;
  assert.match(metrics, /^sourceip_draining 1$/m);
  assert.match(metrics, /^sourceip_in_flight_requests 1$/m);
  assert.equal((await slow).status, 200);
  await done;
  assert.equal((await get(admin, '/healthz')).ok, false, 'the admin listener closes at the end');
});

test('shutdownDelayMs: readiness fails at once, new requests are still served until the delay ends', {
  timeout: 20_000,
}, async (t) => {
  const upstream = await startUpstream('A');
  t.after(() => upstream.close());
  const gateway = await startGateway({
    configObject: {
      listeners: [{ name: 'public', host: '127.0.0.1', port: 0 }],
      upstreams: [{ name: 'app', targets: [`127.0.0.1:${upstream.port}`] }],
      routes: [{ name: 'default', upstream: 'app' }],
      admin: { host: '127.0.0.1', port: 0 },
      shutdownDelayMs: 600,
    },
    env: {},
    handleSignals: false,
    logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  const port = gateway.listeners()[0]!.port;
  const admin = gateway.admin()!.port;
  // The delay is a setTimeout: a mocked clock moves it only when the test ticks, so "inside the
  // delay" and "after it" never depend on how fast a loaded machine answers (this raced on 2 cores).
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let finished = false;
  const done = gateway.shutdown('test').then(() => {
    finished = true;
  });
  t.after(async () => {
    // On a failed assertion, a timer may still wait on the mocked clock: restore real timers and
    // cut the shutdown short (a second call), so the test fails instead of hanging.
    t.mock.timers.reset();
    if (!finished) await gateway.shutdown('test-cleanup');
  });
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  assert.equal((await get(admin, '/readyz')).status, 503, 'readiness fails at once');
  assert.equal((await get(port, '/')).status, 200, 'still accepting during the shutdown delay');
  t.mock.timers.tick(599);
  await settle();
  assert.equal(finished, false, 'the drain has not begun 1 ms before the delay ends');
  assert.equal((await get(port, '/')).status, 200, 'still accepting at the end of the delay');
  assert.equal(finished, false);
  t.mock.timers.tick(1);
  // The drain polls open connections every 20 ms (also a mocked setTimeout): tick until it ends.
  for (let i = 0; i < 500 && !finished; i++) {
    await settle();
    t.mock.timers.tick(20);
  }
  await done;
  assert.equal((await get(port, '/')).ok, false, 'refused after the drain');
});
