/**
 * Policies end to end through the gateway (in-process, port 0): rate limits keyed by the
 * resolved client (spoofed X-Forwarded-For ignored, an IPv6 /64 shares one budget), 429 with
 * Retry-After and the RateLimit fields, allow/deny lists on the client and peerAllow on the peer,
 * dry-run, the decision in the access log, counters on /metrics and /debug/top-limited.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import test from 'node:test';
import { startGateway } from '../../src/gateway/gateway.ts';
import { compilePolicies } from '../../src/gateway/policy/engine.ts';
import { TopN } from '../../src/gateway/policy/top-n.ts';
import { get, startUpstream } from '../gateway-ops/support.ts';

test('policies through the gateway', { timeout: 60_000 }, async (t) => {
  const upstream = await startUpstream('A');
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const top = new TopN(10);
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-policies-'));
  const denyFile = join(dir, 'deny.txt');
  writeFileSync(denyFile, '# nobody yet\n192.0.2.0/24\n');
  const perMinute = (requests: number) => ({ requests, periodMs: '1m', burst: requests });
  const gateway = await startGateway({
    configObject: {
      listeners: [
        // Trusts nobody: X-Forwarded-For from the client is never evidence.
        { name: 'direct', host: '127.0.0.1', port: 0, trust: 'direct' },
        // Behind a proxy on loopback: its X-Forwarded-For names the client.
        { name: 'behind', host: '127.0.0.1', port: 0, trust: 'lb' },
        // Only 198.51.100.0/24 (say, the CDN) may connect.
        { name: 'cdn-only', host: '127.0.0.1', port: 0, trust: 'direct', access: { peerAllow: ['198.51.100.0/24'] } },
      ],
      trustProfiles: [{ name: 'lb', semantics: 'strict', trusted: ['loopback'] }],
      upstreams: [{ name: 'app', targets: [`127.0.0.1:${upstream.port}`] }],
      routes: [
        { name: 'spoof', pathPrefix: '/spoof', upstream: 'app', rateLimit: perMinute(3) },
        { name: 'v6', pathPrefix: '/v6', upstream: 'app', rateLimit: perMinute(3) },
        { name: 'deny', pathPrefix: '/deny', upstream: 'app', access: { deny: ['2001:db8:bad::/48'] } },
        { name: 'dry', pathPrefix: '/dry', upstream: 'app', access: { deny: ['2001:db8:bad::/48'], dryRun: true } },
        { name: 'allow', pathPrefix: '/allow', upstream: 'app', access: { allow: ['192.0.2.0/24'] } },
        { name: 'dry-limit', pathPrefix: '/dry-limit', upstream: 'app', rateLimit: { ...perMinute(1), dryRun: true } },
        { name: 'filed', pathPrefix: '/filed', upstream: 'app', access: { denyFiles: [denyFile] } },
        { name: 'default', pathPrefix: '/', upstream: 'app' },
      ],
      admin: { host: '127.0.0.1', port: 0 },
      // Only the in-memory store's cap is used here (no route uses the Redis store).
      redis: { url: 'redis://127.0.0.1:9', maxMemoryKeys: 50 },
    },
    env: {},
    handleSignals: false,
    logDestination: destination,
    policies: (config, context) => compilePolicies(config, { ...context, top }),
    adminRoutes: { '/debug/top-limited': () => ({ total: top.total, top: top.snapshot() }) },
  });
  t.after(async () => {
    await gateway.shutdown('test');
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = (name: string) => gateway.listeners().find((l) => l.name === name)!.port;
  const admin = gateway.admin()!.port;

  await t.test('a spoofed X-Forwarded-For from an untrusted peer never changes the key', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await get(port('direct'), '/spoof', {
        headers: { 'x-forwarded-for': `192.0.2.${i}`, 'x-real-ip': `192.0.2.${i}`, forwarded: `for=192.0.2.${i}` },
      });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429, 429, 429]);
  });

  await t.test('429 carries Retry-After and the RateLimit fields; allowed answers carry RateLimit too', async () => {
    const limited = await get(port('direct'), '/spoof');
    assert.equal(limited.status, 429);
    const retry = Number(limited.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 20, `retry-after ${retry}`);
    assert.equal(limited.headers['ratelimit-policy'], '"spoof";q=3;w=60;sourceip-burst=3');
    assert.equal(limited.headers.ratelimit, `"spoof";r=0;t=${retry}`);
    const fresh = await get(port('behind'), '/spoof', { headers: { 'x-forwarded-for': '203.0.113.50' } });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body, 'A\n');
    assert.equal(fresh.headers.ratelimit, '"spoof";r=2;t=20');
  });

  await t.test('many IPv6 addresses from one /64 share one key', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const r = await get(port('behind'), '/v6', {
        headers: { 'x-forwarded-for': `2001:db8:1:2:${i.toString(16)}::${i}` },
      });
      statuses.push(r.status);
    }
    assert.equal(statuses.filter((s) => s === 200).length, 3, statuses.join(','));
    const other = await get(port('behind'), '/v6', { headers: { 'x-forwarded-for': '2001:db8:1:3::1' } });
    assert.equal(other.status, 200);
  });

  await t.test('a flood of distinct /64s keeps the in-memory store under its cap', async () => {
    for (let i = 0; i < 300; i++) {
      const r = await get(port('behind'), '/v6', {
        headers: { 'x-forwarded-for': `2001:db8:${(i + 16).toString(16)}:${i.toString(16)}::1` },
      });
      assert.equal(r.status, 200);
    }
    const metrics = (await get(admin, '/metrics')).body;
    const keys = Number(/^sourceip_rate_limit_memory_keys (\d+)/m.exec(metrics)?.[1]);
    const evictions = Number(/^sourceip_rate_limit_evictions_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(keys > 0 && keys <= 50, `keys ${keys}`);
    assert.ok(evictions >= 250, `evictions ${evictions}`);
  });

  await t.test('deny list on the resolved client; dry-run only logs and counts', async () => {
    const bad = { 'x-forwarded-for': '2001:db8:bad::7' };
    assert.equal((await get(port('behind'), '/deny', { headers: bad })).status, 403);
    assert.equal(
      (await get(port('behind'), '/deny', { headers: { 'x-forwarded-for': '2001:db8:900d::7' } })).status,
      200,
    );
    // From an untrusted peer the same header is no evidence: the client is 127.0.0.1, not denied.
    assert.equal((await get(port('direct'), '/deny', { headers: bad })).status, 200);
    const dry = await get(port('behind'), '/dry', { headers: bad });
    assert.equal(dry.status, 200);
    assert.equal(dry.body, 'A\n');
  });

  await t.test('allow list: outsiders get 403, members pass', async () => {
    assert.equal((await get(port('direct'), '/allow')).status, 403);
    assert.equal((await get(port('behind'), '/allow', { headers: { 'x-forwarded-for': '192.0.2.77' } })).status, 200);
  });

  await t.test('dry-run limit: never 429, no RateLimit header', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await get(port('direct'), '/dry-limit');
      statuses.push(r.status);
      assert.equal(r.headers.ratelimit, undefined);
    }
    assert.deepEqual(statuses, [200, 200, 200]);
  });

  await t.test('peerAllow on the listener: a peer outside it is refused', async () => {
    const r = await get(port('cdn-only'), '/', { headers: { 'x-forwarded-for': '198.51.100.1' } });
    assert.equal(r.status, 403);
  });

  await t.test('files of ranges are read again on reload; a broken file keeps the running config', async () => {
    assert.equal((await get(port('direct'), '/filed')).status, 200);
    writeFileSync(denyFile, '127.0.0.0/8\n');
    assert.equal((await gateway.reload()).ok, true);
    assert.equal((await get(port('direct'), '/filed')).status, 403);
    writeFileSync(denyFile, '127.0.0.0/8\nnot a range\n');
    const failed = await gateway.reload();
    assert.equal(failed.ok, false);
    assert.match(failed.errors.join('\n'), /deny\.txt:2/);
    assert.equal((await get(port('direct'), '/filed')).status, 403, 'the running config stays');
  });

  await t.test('access log carries policy and decision; metrics and top-N have no per-IP labels', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100)); // async log writes
    const access = lines.filter((l) => l.msg === 'request');
    const find = (route: string, decision: string) => access.find((l) => l.route === route && l.decision === decision);
    assert.ok(find('spoof', 'limit'), 'limit logged');
    assert.equal(find('spoof', 'limit')!.policy, 'route:spoof/rate-limit');
    assert.ok(find('deny', 'deny'), 'deny logged');
    assert.equal(find('deny', 'deny')!.policy, 'route:deny/access:denied');
    assert.ok(find('dry', 'dry-run-deny'), 'dry-run deny logged');
    assert.ok(find('dry-limit', 'dry-run-limit'), 'dry-run limit logged');
    assert.ok(
      access.some(
        (l) =>
          l.listener === 'cdn-only' &&
          l.decision === 'deny' &&
          l.policy === 'listener:cdn-only/access:peer-not-allowed',
      ),
    );

    const metrics = await get(admin, '/metrics');
    assert.match(
      metrics.body,
      /sourceip_policy_decisions_total\{listener="direct",route="spoof",policy="route:spoof\/rate-limit",decision="limit"\} 6/,
    );
    assert.match(metrics.body, /decision="dry-run-deny"\} 1/);
    assert.match(metrics.body, /sourceip_rate_limit_memory_keys \d+/);
    for (const line of metrics.body
      .split('\n')
      .filter((l) => l.startsWith('sourceip_policy') || l.startsWith('sourceip_rate'))) {
      assert.doesNotMatch(line, /127\.0\.0\.1|2001:db8|192\.0\.2/, line);
    }

    const debug = await get(admin, '/debug/top-limited');
    assert.equal(debug.status, 200);
    const body = JSON.parse(debug.body) as { top: { key: string; count: number; policy: string }[] };
    assert.ok(
      body.top.some((e) => e.key === '127.0.0.1' && e.count >= 6),
      debug.body,
    );
    assert.ok(
      body.top.some((e) => e.key === '2001:db8:1:2::/64'),
      debug.body,
    );
  });
});
