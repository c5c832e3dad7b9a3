import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countHeaderLines, headerKey, headerLines, isHeaderName, previousHeaderLine } from './header-lines.ts';

const raw = ['Host', 'a', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'X-Forwarded-Fo', '3'];

test('isHeaderName ignores ASCII case only', () => {
  assert.equal(isHeaderName('X-Forwarded-For', 'x-forwarded-for'), true);
  assert.equal(isHeaderName('X-FORWARDED-FOR', 'x-forwarded-for'), true);
  assert.equal(isHeaderName('X_Forwarded_For', 'x-forwarded-for'), false);
  assert.equal(isHeaderName('X-Forwarded-Fo', 'x-forwarded-for'), false);
  assert.equal(isHeaderName('X-Forwarded-For\u212a', 'x-forwarded-fork'), false);
  assert.equal(headerKey('CF-Connecting-IP'), 'cf-connecting-ip');
});

test('countHeaderLines, headerLines in wire order', () => {
  assert.equal(countHeaderLines(raw, 'x-forwarded-for'), 2);
  assert.deepEqual(headerLines(raw, 'x-forwarded-for'), ['1.1.1.1', '2.2.2.2']);
  assert.deepEqual(headerLines(raw, 'forwarded'), []);
});

test('previousHeaderLine walks lines last to first', () => {
  const last = previousHeaderLine(raw, 'x-forwarded-for', raw.length);
  assert.equal(raw[last], '2.2.2.2');
  const before = previousHeaderLine(raw, 'x-forwarded-for', last - 1);
  assert.equal(raw[before], '1.1.1.1');
  assert.equal(previousHeaderLine(raw, 'x-forwarded-for', before - 1), -1);
});
