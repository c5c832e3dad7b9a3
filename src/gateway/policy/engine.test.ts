import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ConfigError } from '../../core/errors.ts';
import type { GatewayConfig, RouteConfig } from '../config/types.ts';
import { compilePolicies } from './engine.ts';
import { gcraParams } from './gcra.ts';
import { noopPolicyMetrics } from './metrics.ts';
import { policyRequest } from './policy-request.vectors.ts';
import { RateLimiter, StoreHealth } from './rate-limit.ts';
import { type RateLimitStore, StoreUnavailableError } from './store.ts';
import { TopN } from './top-n.ts';
import type { PolicyOutcome } from './types.ts';

const FORWARDING = {
  xForwardedFor: 'append',
  xRealIp: true,
  forwarded: false,
  xForwardedProtoHostPort: true,
  stripUntrusted: [],
  requestId: true,
  proxyProtocol: 'off',
} as const;

function config(routes: Partial<RouteConfig>[], extra: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    listeners: [
      {
        name: 'public',
        host: '127.0.0.1',
        port: 0,
        trust: 'edge',
        proxyProtocol: { mode: 'off', trusted: [], timeoutMs: 1000 },
      },
    ],
    trustProfiles: [{ name: 'edge', semantics: 'strict', trusted: [], header: 'X-Forwarded-For' }],
    upstreams: [
      { name: 'app', targets: ['127.0.0.1:1'], connectTimeoutMs: 1000, responseTimeoutMs: 1000, keepAlive: 1 },
    ],
    routes: routes.map((r, i) => ({ name: `r${i}`, pathPrefix: '/', upstream: 'app', forwarding: FORWARDING, ...r })),
    limits: {
      maxHeaderBytes: 8192,
      maxHeaderCount: 64,
      maxBodyBytes: 1024,
      headerTimeoutMs: 1000,
      idleTimeoutMs: 1000,
      requestTimeoutMs: 1000,
    },
    log: { level: 'silent', access: false },
    drainTimeoutMs: 100,
    ...extra,
  };
}

const limit = (o: Partial<NonNullable<RouteConfig['rateLimit']>> = {}) => ({
  name: 'api',
  requests: 2,
  periodMs: 1000,
  burst: 2,
  ipv6Prefix: 64,
  store: 'memory' as const,
  ...o,
});

function header(outcome: PolicyOutcome, name: string): string | undefined {
  return outcome.headers.find(([n]) => n === name)?.[1];
}

test('rate limit: RateLimit fields while allowed, then 429 with Retry-After', async () => {
  let now = 0;
  const engine = compilePolicies(config([{ name: 'api', rateLimit: limit() }]), { clock: () => now });
  const chain = engine.forRoute('api')!;
  const req = policyRequest('198.51.100.7', '198.51.100.7');
  const first = (await chain.check(req)) as PolicyOutcome;
  assert.equal(first.allowed, true);
  assert.equal(first.decision, 'allow');
  assert.equal(first.policy, 'route:api/rate-limit');
  assert.equal(header(first, 'ratelimit-policy'), '"api";q=2;w=1;sourceip-burst=2');
  assert.equal(header(first, 'ratelimit'), '"api";r=1;t=1');
  const second = (await chain.check(req)) as PolicyOutcome;
  assert.equal(header(second, 'ratelimit'), '"api";r=0;t=1');
  const third = (await chain.check(req)) as PolicyOutcome;
  assert.deepEqual([third.allowed, third.status, third.decision], [false, 429, 'limit']);
  assert.equal(header(third, 'retry-after'), '1');
  assert.equal(header(third, 'ratelimit'), '"api";r=0;t=1');
  now += 500_000;
  assert.equal(((await chain.check(req)) as PolicyOutcome).allowed, true);
  assert.deepEqual(
    engine.top.snapshot().map((e) => e.key),
    ['198.51.100.7'],
  );
  await engine.close();
});

test('rate limit: spoofed headers from an untrusted peer never change the key', async () => {
  const engine = compilePolicies(
    config([{ name: 'api', rateLimit: limit({ requests: 1, burst: 1, periodMs: 60_000 }) }]),
    {
      clock: () => 0,
    },
  );
  const chain = engine.forRoute('api')!;
  const decisions: string[] = [];
  for (let i = 0; i < 5; i++) {
    const req = policyRequest('203.0.113.5', '203.0.113.5', {
      'x-forwarded-for': `192.0.2.${i}`,
      'x-real-ip': `192.0.2.${i}`,
      forwarded: `for=192.0.2.${i}`,
    });
    decisions.push(((await chain.check(req)) as PolicyOutcome).decision);
  }
  assert.deepEqual(decisions, ['allow', 'limit', 'limit', 'limit', 'limit']);
  await engine.close();
});

test('rate limit: many IPv6 addresses of one /64 share one budget', async () => {
  const engine = compilePolicies(
    config([{ name: 'api', rateLimit: limit({ requests: 3, burst: 3, periodMs: 60_000 }) }]),
    {
      clock: () => 0,
    },
  );
  const chain = engine.forRoute('api')!;
  let admitted = 0;
  for (let i = 0; i < 100; i++) {
    const ip = `2001:db8:77:1:${(i * 31).toString(16)}:${i.toString(16)}::${(i + 1).toString(16)}`;
    if (((await chain.check(policyRequest(ip, ip))) as PolicyOutcome).allowed) admitted++;
  }
  assert.equal(admitted, 3);
  const other = '2001:db8:77:2::1';
  assert.equal(((await chain.check(policyRequest(other, other))) as PolicyOutcome).allowed, true);
  await engine.close();
});

test('rate limit dry-run: counts and reports, never blocks, adds no header', async () => {
  const registry = new Registry();
  const engine = compilePolicies(config([{ name: 'api', rateLimit: limit({ requests: 1, burst: 1, dryRun: true }) }]), {
    clock: () => 0,
    registry,
  });
  const chain = engine.forRoute('api')!;
  const req = policyRequest('198.51.100.7', '198.51.100.7');
  const a = (await chain.check(req)) as PolicyOutcome;
  const b = (await chain.check(req)) as PolicyOutcome;
  assert.deepEqual([a.allowed, a.decision, a.headers.length], [true, 'allow', 0]);
  assert.deepEqual([b.allowed, b.decision, b.headers.length], [true, 'dry-run-limit', 0]);
  const text = await registry.metrics();
  assert.match(
    text,
    /sourceip_policy_decisions_total\{listener="public",route="api",policy="route:api\/rate-limit",decision="dry-run-limit"\} 1/,
  );
  await engine.close();
});

test('access: deny → 403; dry-run → passes with dry-run-deny; counted without addresses in labels', async () => {
  const registry = new Registry();
  const engine = compilePolicies(
    config([
      { name: 'a', access: { deny: ['203.0.113.0/24'] } },
      {
        name: 'b',
        access: { deny: ['203.0.113.0/24'], dryRun: true },
        rateLimit: limit({ requests: 100, burst: 100 }),
      },
    ]),
    { registry },
  );
  const bad = policyRequest('203.0.113.9', '203.0.113.9');
  const denied = (await engine.forRoute('a')!.check(bad)) as PolicyOutcome;
  assert.deepEqual(
    [denied.allowed, denied.status, denied.decision, denied.policy],
    [false, 403, 'deny', 'route:a/access:denied'],
  );
  const dry = (await engine.forRoute('b')!.check({ ...bad, route: 'b' })) as PolicyOutcome;
  assert.deepEqual([dry.allowed, dry.decision, dry.policy], [true, 'dry-run-deny', 'route:b/access:denied']);
  assert.ok(header(dry, 'ratelimit') !== undefined, 'the limit still advertises itself');
  const text = await registry.metrics();
  assert.match(text, /decision="deny"\} 1/);
  assert.match(text, /decision="dry-run-deny"\} 1/);
  assert.doesNotMatch(text, /203\.0\.113/);
  assert.equal(engine.forRoute('missing'), null);
  assert.equal(engine.forListener('public'), null);
  await engine.close();
});

test('listener access list with peerAllow', async () => {
  const cfg = config([{ name: 'api' }]);
  const engine = compilePolicies({
    ...cfg,
    listeners: [{ ...cfg.listeners[0]!, access: { peerAllow: ['10.0.0.0/8'] } }],
  });
  const chain = engine.forListener('public')!;
  assert.equal(((await chain.check(policyRequest('198.51.100.1', '10.0.0.2'))) as PolicyOutcome).allowed, true);
  const out = (await chain.check(policyRequest('198.51.100.1', '198.51.100.1'))) as PolicyOutcome;
  assert.deepEqual([out.allowed, out.policy], [false, 'listener:public/access:peer-not-allowed']);
  await engine.close();
});

test('fail: a redis limit without a redis section is a ConfigError with the key', () => {
  assert.throws(
    () => compilePolicies(config([{ name: 'api', rateLimit: limit({ store: 'redis' }) }])),
    (e: unknown) => e instanceof ConfigError && e.key === 'routes[0].rateLimit.store',
  );
});

test('fail: a bad CIDR in a route access list names the key', () => {
  assert.throws(
    () => compilePolicies(config([{ name: 'api' }, { name: 'b', access: { allow: ['10.0.0.0/99'] } }])),
    (e: unknown) => e instanceof ConfigError && e.key === 'routes[1].access.allow',
  );
});

test('stale preset in an access list is a setup warning', async () => {
  const engine = compilePolicies(config([{ name: 'api', access: { peerAllow: ['fastly'] } }]));
  assert.ok(
    engine.warnings.some((w) => w.startsWith('preset fastly:')),
    engine.warnings.join('\n'),
  );
  await engine.close();
});

/** A store that fails the way Redis does when down or slow. */
function failingStore(why: 'timeout' | 'unreachable'): RateLimitStore {
  return {
    kind: 'redis',
    take: () => Promise.reject(new StoreUnavailableError(why, `redis ${why}`)),
    close: async () => {},
  };
}

for (const failMode of ['open', 'closed'] as const) {
  test(`store failure, fail-${failMode}: decision, status, one log line per incident`, async () => {
    const lines: string[] = [];
    const logger = {
      warn: (_o: object, m: string) => lines.push(`warn ${m}`),
      info: (_o: object, m: string) => lines.push(`info ${m}`),
    };
    let store = failingStore('unreachable');
    const proxy: RateLimitStore = { kind: 'redis', take: (k, p) => store.take(k, p), close: async () => {} };
    const health = new StoreHealth(logger, 'redis', failMode);
    const limiter = new RateLimiter(limit({ store: 'redis' }), 'route:api/rate-limit', {
      store: proxy,
      health,
      failMode,
      metrics: noopPolicyMetrics,
      top: new TopN(4),
    });
    const req = policyRequest('198.51.100.7', '198.51.100.7');
    for (let i = 0; i < 5; i++) {
      const out = await limiter.check(req);
      if (failMode === 'open') assert.deepEqual([out.allowed, out.decision], [true, 'store-error-open']);
      else assert.deepEqual([out.allowed, out.status, out.decision], [false, 503, 'store-error-closed']);
    }
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`failing ${failMode}`));
    // Recovery: the next answer is logged once, decisions are normal again.
    store = {
      kind: 'redis',
      take: async (_k, p) => ({ allowed: true, backlogUs: p.intervalUs, remaining: 0, nextUs: 1 }),
      close: async () => {},
    };
    assert.equal((await limiter.check(req)).decision, 'allow');
    assert.equal((await limiter.check(req)).decision, 'allow');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /answering again/);
  });
}

test('gcra params come from the config', () => {
  const limiter = new RateLimiter(limit({ requests: 100, periodMs: 60_000, burst: 10 }), 'p', {
    store: failingStore('timeout'),
    health: new StoreHealth({ warn() {}, info() {} }, 'redis', 'open'),
    failMode: 'open',
    metrics: noopPolicyMetrics,
    top: new TopN(1),
  });
  assert.deepEqual(limiter.params, gcraParams(100, 60_000, 10));
});
