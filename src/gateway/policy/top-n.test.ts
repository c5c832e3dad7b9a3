import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TopN } from './top-n.ts';

test('heavy hitters survive a flood of distinct keys in bounded memory', () => {
  const top = new TopN(10);
  for (let i = 0; i < 20_000; i++) {
    if (i % 4 === 0) top.record('198.51.100.7', 'route:api/rate-limit');
    else if (i % 4 === 1) top.record('2001:db8:1:2::/64', 'route:api/rate-limit');
    else top.record(`flood-${i}`, 'route:api/rate-limit');
  }
  assert.equal(top.size, 10);
  const [first, second] = top.snapshot(2);
  const keys = new Set([first!.key, second!.key]);
  assert.ok(keys.has('198.51.100.7') && keys.has('2001:db8:1:2::/64'), JSON.stringify(top.snapshot(3)));
  assert.ok(first!.count - first!.error <= 5000 && first!.count >= 5000);
});

test('snapshot is sorted by count and limited', () => {
  const top = new TopN(5);
  for (const [key, n] of [
    ['a', 3],
    ['b', 5],
    ['c', 1],
  ] as const)
    for (let i = 0; i < n; i++) top.record(key, 'p');
  assert.deepEqual(
    top.snapshot(2).map((e) => [e.key, e.count]),
    [
      ['b', 5],
      ['a', 3],
    ],
  );
  assert.equal(top.total, 9);
});
