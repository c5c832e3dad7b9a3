import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FORWARDED_CASES, mismatchOf } from './resolve.vectors.ts';
import { createResolver } from './resolver.ts';

for (const c of FORWARDED_CASES) {
  test(c.name, () => {
    const resolver = createResolver(c.options);
    assert.equal(mismatchOf(c, resolver.resolve), null);
  });
}
