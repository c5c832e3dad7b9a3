/**
 * The Redis store against a real redis-server: same decisions as the GCRA unit table, atomic
 * under concurrency, keys expire, and the time budget holds when Redis is down or stalled.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { gcraParams } from '../../src/gateway/policy/gcra.ts';
import { noopPolicyMetrics } from '../../src/gateway/policy/metrics.ts';
import { policyRequest } from '../../src/gateway/policy/policy-request.vectors.ts';
import { RateLimiter, StoreHealth } from '../../src/gateway/policy/rate-limit.ts';
import { RedisStore } from '../../src/gateway/policy/redis-store.ts';
import { StoreUnavailableError } from '../../src/gateway/policy/store.ts';
import { TopN } from '../../src/gateway/policy/top-n.ts';
import { type RedisServer, redisBinary, startRedis } from './support.ts';

const bin = redisBinary();
const skip = typeof bin === 'string' ? false : bin.skip;
let redis: RedisServer;
let inspect: Redis;

before(async () => {
  if (typeof bin !== 'string') return;
  redis = await startRedis(bin);
  inspect = new Redis(redis.url, { lazyConnect: false });
});
after(async () => {
  inspect?.disconnect();
  await redis?.stop();
});

test('exact burst and PX expiry set to the backlog', { skip }, async () => {
  const store = new RedisStore({ url: redis.url, timeoutMs: 200 });
  try {
    await store.ready();
    const params = gcraParams(10, 1000, 5); // 100 ms interval, burst 5
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await store.take('burst', params));
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, true, true, true, false, false],
    );
    assert.deepEqual(
      results.slice(0, 5).map((r) => r.remaining),
      [4, 3, 2, 1, 0],
    );
    const ttl = await inspect.pttl('sourceip:rl:burst');
    assert.ok(ttl > 0 && ttl <= 500, `pttl ${ttl}`);
    const denied = results[6]!;
    assert.ok(denied.nextUs > 0 && denied.nextUs <= 100_000, `next ${denied.nextUs}`);
  } finally {
    await store.close();
  }
});

test('atomic: 300 concurrent calls from two clients admit exactly the burst', { skip }, async () => {
  const a = new RedisStore({ url: redis.url, timeoutMs: 2000 });
  const b = new RedisStore({ url: redis.url, timeoutMs: 2000 });
  try {
    await Promise.all([a.ready(), b.ready()]);
    const params = gcraParams(1, 60_000, 40); // no refill during the test to speak of
    const calls = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? a : b).take('atomic', params));
    const admitted = (await Promise.all(calls)).filter((r) => r.allowed).length;
    assert.equal(admitted, 40);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('server clock: replicas share one timeline (state written by one is read by the other)', { skip }, async () => {
  const a = new RedisStore({ url: redis.url, timeoutMs: 500 });
  const b = new RedisStore({ url: redis.url, timeoutMs: 500 });
  try {
    await Promise.all([a.ready(), b.ready()]);
    const params = gcraParams(1, 60_000, 1);
    assert.equal((await a.take('shared', params)).allowed, true);
    const second = await b.take('shared', params);
    assert.equal(second.allowed, false);
    assert.ok(second.nextUs > 59_000_000, `next ${second.nextUs}`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

function limiterOver(store: RedisStore, failMode: 'open' | 'closed', lines: string[]) {
  const logger = {
    warn: (_o: object, m: string) => lines.push(`warn ${m}`),
    info: (_o: object, m: string) => lines.push(`info ${m}`),
  };
  return new RateLimiter(
    { name: 'api', requests: 1000, periodMs: 1000, burst: 1000, ipv6Prefix: 64, store: 'redis' },
    'route:api/rate-limit',
    {
      store,
      health: new StoreHealth(logger, 'redis', failMode),
      failMode,
      metrics: noopPolicyMetrics,
      top: new TopN(4),
    },
  );
}

test('killed mid-run: fail-open keeps serving, fail-closed answers 503, both recover; no call past the budget', {
  skip,
}, async () => {
  const budget = 100;
  const open = new RedisStore({ url: redis.url, timeoutMs: budget });
  const closed = new RedisStore({ url: redis.url, timeoutMs: budget });
  const openLines: string[] = [];
  const closedLines: string[] = [];
  const limitOpen = limiterOver(open, 'open', openLines);
  const limitClosed = limiterOver(closed, 'closed', closedLines);
  const req = policyRequest('198.51.100.7', '198.51.100.7');
  let slowest = 0;
  const timed = async (limiter: RateLimiter) => {
    const start = performance.now();
    const outcome = await limiter.check(req);
    slowest = Math.max(slowest, performance.now() - start);
    return outcome;
  };
  try {
    await Promise.all([open.ready(), closed.ready()]);
    // Both answering (bounded retry: on a loaded CI box one call can miss a 100 ms budget).
    for (const limiter of [limitOpen, limitClosed]) {
      let decision = '';
      for (let i = 0; i < 50 && decision !== 'allow'; i++) decision = (await limiter.check(req)).decision;
      assert.equal(decision, 'allow');
    }
    openLines.length = 0;
    closedLines.length = 0;

    await redis.kill();
    const during: string[] = [];
    for (let i = 0; i < 20; i++) {
      const o = await timed(limitOpen);
      const c = await timed(limitClosed);
      during.push(`${o.allowed}/${o.decision} ${c.allowed}/${c.status}/${c.decision}`);
    }
    assert.deepEqual(new Set(during), new Set(['true/store-error-open false/503/store-error-closed']));
    assert.equal(openLines.filter((l) => l.startsWith('warn')).length, 1, 'one log line per incident');
    assert.equal(closedLines.filter((l) => l.startsWith('warn')).length, 1);

    await redis.start();
    // ioredis reconnects by itself (backoff ≤ 1 s); bounded wait for both to answer again.
    const deadline = Date.now() + 10_000;
    let recovered = false;
    while (Date.now() < deadline) {
      const [o, c] = [await timed(limitOpen), await timed(limitClosed)];
      if (o.decision === 'allow' && c.decision === 'allow') {
        recovered = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(recovered, 'both recover when Redis returns');
    assert.ok(openLines.some((l) => l.includes('answering again')));
    assert.ok(slowest < budget + 80, `slowest call ${slowest.toFixed(1)} ms, budget ${budget} ms`);
  } finally {
    await Promise.all([open.close(), closed.close()]);
  }
});

test('stalled Redis (SIGSTOP): every call gives up at the time budget', { skip }, async () => {
  const budget = 80;
  const store = new RedisStore({ url: redis.url, timeoutMs: budget });
  try {
    await store.ready();
    // Answering first (bounded retry: on a loaded box one call can miss an 80 ms budget).
    let answered = false;
    for (let i = 0; i < 50 && !answered; i++) {
      answered = await store.take('stall', gcraParams(10, 1000)).then(
        () => true,
        () => false,
      );
    }
    assert.ok(answered);
    redis.pause();
    const durations: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await assert.rejects(
        store.take('stall', gcraParams(10, 1000)),
        (e: unknown) => e instanceof StoreUnavailableError,
      );
      durations.push(performance.now() - start);
    }
    redis.resume();
    assert.ok(
      // Given up between budget - budget/4 (one sweep period) and the budget, plus timer lag (a loaded CI box).
      durations.every((d) => d >= budget * 0.75 - 5 && d < budget + 80),
      `durations ${durations.map((d) => d.toFixed(0)).join(',')}`,
    );
    // Once it runs again, calls succeed again (the stalled replies are discarded).
    const deadline = Date.now() + 5000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      ok = await store.take('stall-after', gcraParams(10, 1000)).then(
        () => true,
        () => false,
      );
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ok);
  } finally {
    redis.resume();
    await store.close();
  }
});

test('one turn, one key: many concurrent requests become one script call, decided in arrival order', {
  skip,
}, async () => {
  const store = new RedisStore({ url: redis.url, timeoutMs: 2000 });
  try {
    await store.ready();
    await store.take('warm', gcraParams(10, 1000)); // script cached, connection warm
    await inspect.config('RESETSTAT');
    const params = gcraParams(1, 60_000, 7);
    const other = gcraParams(1, 60_000, 3);
    const calls = [
      ...Array.from({ length: 50 }, () => store.take('turn-a', params)),
      ...Array.from({ length: 20 }, () => store.take('turn-b', other)),
    ];
    const results = await Promise.all(calls);
    assert.deepEqual(
      results.slice(0, 50).map((r) => r.allowed),
      Array.from({ length: 50 }, (_, i) => i < 7),
    );
    assert.deepEqual(
      results.slice(0, 7).map((r) => r.remaining),
      [6, 5, 4, 3, 2, 1, 0],
    );
    assert.equal(results.slice(50).filter((r) => r.allowed).length, 3);
    const stats = String(await inspect.info('commandstats'));
    const calls2 = Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    assert.equal(calls2, 2, stats);
  } finally {
    await store.close();
  }
});

test('requests right after start-up wait for the first connection (within the budget) and are decided', {
  skip,
}, async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const store = new RedisStore({ url: redis.url, timeoutMs: 2000 });
  try {
    const params = gcraParams(1, 60_000, 30);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.take('startup', params)));
    assert.equal(results.filter((r) => r.allowed).length, 30);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings, [], 'no MaxListenersExceeded warning');
  } finally {
    process.off('warning', onWarning);
    await store.close();
  }
});

test('Redis down from the start: after the first failed attempt calls fail fast, not after the budget', {
  skip,
}, async () => {
  const { freePort } = await import('../gateway/external.ts');
  const nobody = await freePort(); // nothing listens there
  const store = new RedisStore({ url: `redis://127.0.0.1:${nobody}`, timeoutMs: 300 });
  try {
    const params = gcraParams(10, 1000);
    // The first call waits for the first attempt (refused at once here), then fails: well within the budget.
    let start = performance.now();
    await assert.rejects(store.take('down', params), StoreUnavailableError);
    assert.ok(performance.now() - start < 300, `first call ${(performance.now() - start).toFixed(0)} ms`);
    start = performance.now();
    for (let i = 0; i < 5; i++) await assert.rejects(store.take('down', params), StoreUnavailableError);
    const perCall = (performance.now() - start) / 5;
    assert.ok(perCall < 50, `${perCall.toFixed(1)} ms per call while down`);
  } finally {
    await store.close();
  }
});
