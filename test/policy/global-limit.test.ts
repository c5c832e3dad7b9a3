/**
 * Two `sourceip gateway` processes (the real CLI, separate Node processes) under a bounded load
 * loop: sharing one Redis they enforce one global limit; with the in-memory store each enforces
 * its own. Then Redis is killed mid-run: fail-open keeps serving, fail-closed answers 503, no
 * request waits past the time budget, and both recover when Redis returns.
 *
 * Tolerance of the global limit (docs/policies.md): the Redis script is atomic and runs on the
 * Redis clock, so over a run of `elapsed` seconds at most `burst + ceil(elapsed × rate)`
 * requests pass in total, whatever the number of replicas — exactly the single-process bound.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { type GatewayChild, get, spawnGateway, startUpstream } from '../gateway-ops/support.ts';
import { redisBinary, startRedis } from './support.ts';

const bin = redisBinary();
const skip = typeof bin === 'string' ? false : bin.skip;

function writeConfig(dir: string, name: string, config: Record<string, unknown>): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
  return file;
}

function baseConfig(upstreamPort: number, rateLimit: Record<string, unknown>, redis?: Record<string, unknown>) {
  return {
    listeners: [{ name: 'public', host: '127.0.0.1', port: 0, trust: 'direct' }],
    upstreams: [{ name: 'app', targets: [`127.0.0.1:${upstreamPort}`] }],
    routes: [{ name: 'api', pathPrefix: '/', upstream: 'app', rateLimit }],
    log: { level: 'info', access: false },
    admin: { host: '127.0.0.1', port: 0 },
    drainTimeoutMs: 1000,
    ...(redis ? { redis } : {}),
  };
}

/** Sequential requests alternating between the gateways; bounded in count and time. */
async function loadLoop(ports: readonly number[], count: number, maxMs: number) {
  const started = Date.now();
  const statuses: number[] = [];
  let slowest = 0;
  for (let i = 0; i < count && Date.now() - started < maxMs; i++) {
    const r = await get(ports[i % ports.length]!, '/', { timeoutMs: 5000 });
    slowest = Math.max(slowest, r.endedAt - r.startedAt);
    statuses.push(r.status);
  }
  return { statuses, elapsedMs: Date.now() - started, slowest };
}

test('two gateway processes: one global limit through Redis, one each in memory', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-global-'));
  const upstream = await startUpstream('A');
  const redis = await startRedis(bin as string);
  const children: GatewayChild[] = [];
  t.after(async () => {
    for (const child of children) child.kill();
    await redis.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const rate = { requests: 30, periodMs: '1m', burst: 30 };

  // A generous budget, failing closed: a store error on a loaded box can never admit extra requests.
  const shared = writeConfig(
    dir,
    'shared',
    baseConfig(upstream.port, { ...rate, store: 'redis' }, { url: redis.url, timeoutMs: 2000, failMode: 'closed' }),
  );
  const a = await spawnGateway(shared);
  children.push(a);
  const b = await spawnGateway(shared);
  children.push(b);
  // No pause: a request that arrives before the Redis connection is up waits for it (within the budget).
  const global = await loadLoop([a.port('public'), b.port('public')], 120, 30_000);
  const admitted = global.statuses.filter((s) => s === 200).length;
  const bound = 30 + Math.ceil((global.elapsedMs / 60_000) * 30);
  assert.ok(
    admitted >= 30 && admitted <= bound,
    `admitted ${admitted} of 120 in ${global.elapsedMs} ms (bound ${bound})`,
  );
  assert.equal(global.statuses.filter((s) => s !== 200 && s !== 429).length, 0, global.statuses.join(','));
  // Both replicas took part in the limiting.
  assert.ok(
    global.statuses.some((s, i) => s === 429 && i % 2 === 0) &&
      global.statuses.some((s, i) => s === 429 && i % 2 === 1),
  );

  // sourceip gateway serves the top-N of limited clients and the policy counters on its admin listener.
  const top = await get(a.port('admin'), '/debug/top-limited');
  assert.equal(top.status, 200);
  const entries = (JSON.parse(top.body) as { top: { key: string; policy: string }[] }).top;
  assert.ok(
    entries.some((e) => e.key === '127.0.0.1' && e.policy === 'route:api/rate-limit'),
    top.body,
  );
  const metrics = await get(a.port('admin'), '/metrics');
  assert.match(
    metrics.body,
    /sourceip_policy_decisions_total\{listener="public",route="api",policy="route:api\/rate-limit",decision="limit"\} \d+/,
  );

  const memory = writeConfig(dir, 'memory', baseConfig(upstream.port, { ...rate, store: 'memory' }));
  const c = await spawnGateway(memory);
  children.push(c);
  const d = await spawnGateway(memory);
  children.push(d);
  const local = await loadLoop([c.port('public'), d.port('public')], 120, 30_000);
  const localAdmitted = local.statuses.filter((s) => s === 200).length;
  const localBound = 2 * (30 + Math.ceil((local.elapsedMs / 60_000) * 30));
  assert.ok(
    localAdmitted >= 60 && localAdmitted <= localBound,
    `memory: admitted ${localAdmitted} (bound ${localBound})`,
  );
});

test('Redis killed mid-run: fail-open serves, fail-closed 503, within the budget; both recover', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-failmode-'));
  const upstream = await startUpstream('A');
  const redis = await startRedis(bin as string);
  const children: GatewayChild[] = [];
  t.after(async () => {
    for (const child of children) child.kill();
    await redis.stop();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const budget = 100;
  const rate = { requests: 10_000, periodMs: '1s', burst: 10_000, store: 'redis' };
  const open = await spawnGateway(
    writeConfig(dir, 'open', baseConfig(upstream.port, rate, { url: redis.url, timeoutMs: budget, failMode: 'open' })),
  );
  children.push(open);
  const closed = await spawnGateway(
    writeConfig(
      dir,
      'closed',
      baseConfig(upstream.port, rate, { url: redis.url, timeoutMs: budget, failMode: 'closed' }),
    ),
  );
  children.push(closed);
  const ports = { open: open.port('public'), closed: closed.port('public') };
  const until = async (check: () => Promise<boolean>, ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };
  // Decided by the store (not waved through by fail-open): the answer carries the RateLimit field.
  const decided = async (port: number) => {
    const r = await get(port, '/');
    return r.status === 200 && typeof r.headers.ratelimit === 'string';
  };
  const bothOk = async () => (await decided(ports.open)) && (await decided(ports.closed));
  assert.ok(await until(bothOk, 10_000), 'both serve while Redis is up');

  const incidents = (child: GatewayChild) =>
    child.lines.filter((l) => String(l.msg).startsWith('rate-limit store unavailable')).length;
  // (A loaded box can already have had a slow call, and so an incident, before the outage.)
  const before = { open: incidents(open), closed: incidents(closed) };
  await redis.kill();
  const during = await loadLoop([ports.open, ports.closed], 40, 20_000);
  assert.deepEqual([...new Set(during.statuses.filter((_, i) => i % 2 === 0))], [200], 'fail-open keeps serving');
  assert.deepEqual([...new Set(during.statuses.filter((_, i) => i % 2 === 1))], [503], 'fail-closed answers 503');
  // Time budget + the gateway's own work and a fresh loopback connection per request.
  assert.ok(during.slowest < budget + 400, `slowest request ${during.slowest.toFixed(0)} ms`);
  assert.equal(incidents(open) - before.open, 1, 'logged once per incident');
  assert.equal(incidents(closed) - before.closed, 1, 'logged once per incident');

  await redis.start();
  assert.ok(await until(bothOk, 15_000), 'both recover when Redis returns');
  await open.waitForLog((l) => l.msg === 'rate-limit store answering again', 5000);
  await closed.waitForLog((l) => l.msg === 'rate-limit store answering again', 5000);
});
