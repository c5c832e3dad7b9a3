import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ceilSeconds, gcraDecide, gcraParams } from './gcra.ts';
import { MemoryStore } from './memory-store.ts';

test('params: interval = period / requests, tolerance = burst intervals', () => {
  assert.deepEqual(gcraParams(10, 1000), { intervalUs: 100_000, toleranceUs: 1_000_000, burst: 10 });
  assert.deepEqual(gcraParams(10, 1000, 20), { intervalUs: 100_000, toleranceUs: 2_000_000, burst: 20 });
  assert.deepEqual(gcraParams(3, 1000, 1), { intervalUs: 333_333, toleranceUs: 333_333, burst: 1 });
  assert.deepEqual(gcraParams(100, 60_000, 5), { intervalUs: 600_000, toleranceUs: 3_000_000, burst: 5 });
});

test('fail: params reject a zero rate, period or burst', () => {
  assert.throws(() => gcraParams(0, 1000), RangeError);
  assert.throws(() => gcraParams(1, 0), RangeError);
  assert.throws(() => gcraParams(1, 1000, 0), RangeError);
  assert.throws(() => gcraParams(Number.NaN, 1000), RangeError);
});

type Case = {
  name: string;
  backlogUs: number;
  allowed: boolean;
  backlogAfter: number;
  remaining: number;
  nextUs: number;
};
// 1 request per second, burst 3: interval 1 s, tolerance 3 s.
const p = gcraParams(1, 1000, 3);
const cases: Case[] = [
  {
    name: 'fresh key: admitted, two more right now',
    backlogUs: 0,
    allowed: true,
    backlogAfter: 1e6,
    remaining: 2,
    nextUs: 1e6,
  },
  {
    name: 'negative backlog counts as fresh',
    backlogUs: -5e6,
    allowed: true,
    backlogAfter: 1e6,
    remaining: 2,
    nextUs: 1e6,
  },
  { name: 'one in the bucket', backlogUs: 1e6, allowed: true, backlogAfter: 2e6, remaining: 1, nextUs: 1e6 },
  { name: 'last of the burst', backlogUs: 2e6, allowed: true, backlogAfter: 3e6, remaining: 0, nextUs: 1e6 },
  {
    name: 'part-drained: remaining grows sooner',
    backlogUs: 1.5e6,
    allowed: true,
    backlogAfter: 2.5e6,
    remaining: 0,
    nextUs: 0.5e6,
  },
  {
    name: 'fail: burst spent, retry after one interval',
    backlogUs: 3e6,
    allowed: false,
    backlogAfter: 3e6,
    remaining: 0,
    nextUs: 1e6,
  },
  {
    name: 'fail: almost drained, retry soon',
    backlogUs: 2.25e6,
    allowed: false,
    backlogAfter: 2.25e6,
    remaining: 0,
    nextUs: 0.25e6,
  },
];
for (const c of cases) {
  test(`decide: ${c.name}`, () => {
    const d = gcraDecide(c.backlogUs, p);
    assert.deepEqual(
      { allowed: d.allowed, backlogUs: d.backlogUs, remaining: d.remaining, nextUs: d.nextUs },
      { allowed: c.allowed, backlogUs: c.backlogAfter, remaining: c.remaining, nextUs: c.nextUs },
    );
  });
}

test('ceilSeconds rounds up and never answers 0', () => {
  assert.equal(ceilSeconds(1), 1);
  assert.equal(ceilSeconds(1_000_000), 1);
  assert.equal(ceilSeconds(1_000_001), 2);
  assert.equal(ceilSeconds(0), 1);
});

/** A store on an injected clock: time moves only when the test says so. */
function clocked(maxKeys = 100) {
  let now = 1_000_000_000;
  const store = new MemoryStore({ maxKeys, clock: () => now });
  return { store, advance: (us: number) => (now += us) };
}

test('exact burst: 5 at once from a fresh key, never 6', () => {
  const { store } = clocked();
  const params = gcraParams(10, 1000, 5);
  const admitted = Array.from({ length: 8 }, () => store.take('k', params).allowed).filter(Boolean).length;
  assert.equal(admitted, 5);
});

test('smooth: once the burst is spent, one request per interval', () => {
  const { store, advance } = clocked();
  const params = gcraParams(10, 1000, 2); // 100 ms interval
  assert.ok(store.take('k', params).allowed);
  assert.ok(store.take('k', params).allowed);
  assert.ok(!store.take('k', params).allowed);
  advance(99_999);
  assert.ok(!store.take('k', params).allowed, 'one microsecond early');
  advance(1);
  assert.ok(store.take('k', params).allowed, 'exactly one interval later');
  assert.ok(!store.take('k', params).allowed);
});

test('sustained rate over 10 s of steps is the configured rate plus the burst', () => {
  const { store, advance } = clocked();
  const params = gcraParams(10, 1000, 5);
  let admitted = 0;
  // 10 attempts every 10 ms for 10 s: far above the rate.
  for (let step = 0; step < 1000; step++) {
    for (let k = 0; k < 10; k++) if (store.take('k', params).allowed) admitted++;
    advance(10_000);
  }
  // 10/s × 10 s + the initial burst of 5 (the last interval may or may not have elapsed).
  assert.ok(admitted >= 104 && admitted <= 105, `admitted ${admitted}`);
});

test('a limited key keeps its Retry-After consistent with its next admission', () => {
  const { store, advance } = clocked();
  const params = gcraParams(2, 1000, 1); // 500 ms interval
  assert.ok(store.take('k', params).allowed);
  advance(200_000);
  const denied = store.take('k', params);
  assert.equal(denied.allowed, false);
  assert.equal(denied.nextUs, 300_000);
  advance(denied.nextUs - 1);
  assert.ok(!store.take('k', params).allowed);
  advance(1);
  assert.ok(store.take('k', params).allowed);
});

test('keys are independent', () => {
  const { store } = clocked();
  const params = gcraParams(1, 1000, 1);
  assert.ok(store.take('a', params).allowed);
  assert.ok(!store.take('a', params).allowed);
  assert.ok(store.take('b', params).allowed);
});

const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 200);

test('property: in any time span [a, b] at most burst + (b − a) / interval requests pass', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }), // requests per second
      fc.integer({ min: 1, max: 10 }), // burst
      fc.array(fc.integer({ min: 0, max: 400_000 }), { minLength: 1, maxLength: 200 }), // gaps, µs
      (rate, burst, gaps) => {
        let now = 0;
        const store = new MemoryStore({ maxKeys: 10, clock: () => now });
        const params = gcraParams(rate, 1000, burst);
        const admittedAt: number[] = [];
        for (const gap of gaps) {
          now += gap;
          if (store.take('k', params).allowed) admittedAt.push(now);
        }
        for (let i = 0; i < admittedAt.length; i++) {
          for (let j = i; j < admittedAt.length; j++) {
            const span = admittedAt[j]! - admittedAt[i]!;
            const count = j - i + 1;
            if (count > burst + Math.floor(span / params.intervalUs)) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: RUNS },
  );
});

test('property: a request spaced one interval after the previous admission is always admitted', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 20 }), (rate, burst) => {
      let now = 0;
      const store = new MemoryStore({ maxKeys: 10, clock: () => now });
      const params = gcraParams(rate, 1000, burst);
      for (let i = 0; i < burst * 3; i++) store.take('k', params); // exhaust
      now += params.intervalUs;
      return store.take('k', params).allowed;
    }),
    { numRuns: RUNS },
  );
});
