import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOPS_CASES, mismatchOf } from './resolve.vectors.ts';
import { createResolver } from './resolver.ts';

for (const c of HOPS_CASES) {
  test(c.name, () => {
    const resolver = createResolver(c.options);
    assert.equal(mismatchOf(c, resolver.resolve), null);
  });
}
