import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gcraParams } from './gcra.ts';
import { MemoryStore } from './memory-store.ts';

const params = gcraParams(1, 60_000, 1); // one per minute: every admitted key stays live

test('a flood of distinct random keys keeps the store at its cap', () => {
  let now = 0;
  let evicted = 0;
  const store = new MemoryStore({ maxKeys: 1000, clock: () => now, onEvict: () => evicted++ });
  for (let i = 0; i < 50_000; i++) {
    store.take(`2001:db8:${(i * 7919) % 65536}:${i}::/64`, params);
    now += 10;
    assert.ok(store.size <= 1000);
  }
  assert.equal(store.size, 1000);
  assert.equal(evicted, 49_000);
});

test('expired entries are dropped before live ones are evicted', () => {
  let now = 0;
  let evicted = 0;
  const store = new MemoryStore({ maxKeys: 4, clock: () => now, onEvict: () => evicted++ });
  const fast = gcraParams(1000, 1000, 1); // 1 ms interval
  for (const k of ['a', 'b', 'c', 'd']) store.take(k, fast);
  now += 5_000; // all four expired
  store.take('e', fast);
  assert.equal(evicted, 0);
  assert.ok(store.size <= 4);
});

test('a limited key that keeps knocking is not evicted by a flood of others', () => {
  let now = 0;
  const store = new MemoryStore({ maxKeys: 100, clock: () => now });
  assert.ok(store.take('attacker', params).allowed);
  for (let i = 0; i < 10_000; i++) {
    store.take(`flood-${i}`, params);
    if (i % 50 === 0) assert.equal(store.take('attacker', params).allowed, false, `reset after ${i}`);
    now += 1;
  }
});

test('fail: maxKeys must be a positive integer', () => {
  assert.throws(() => new MemoryStore({ maxKeys: 0 }), RangeError);
  assert.throws(() => new MemoryStore({ maxKeys: 1.5 }), RangeError);
});
