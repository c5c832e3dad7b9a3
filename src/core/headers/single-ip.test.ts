import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIP } from '../ip/address.ts';
import { parseViewerAddress, SingleHeaderCursor } from './single-ip.ts';

const viewer: Array<[string, string | null, number?]> = [
  ['198.51.100.10:46532', '198.51.100.10', 46532],
  ['2001:0db8:85a3:0000:0000:8a2e:0370:7334:46532', '2001:db8:85a3::8a2e:370:7334', 46532],
  ['::1:0', '::1', 0],
  ['198.51.100.10', null],
  ['[2001:db8::1]:443', null],
  ['198.51.100.10:', null],
  ['198.51.100.10:65536', null],
  [':80', null],
  ['fe80::1%eth0:80', null],
];
for (const [text, ip, port] of viewer) {
  test(`parseViewerAddress ${JSON.stringify(text)}`, () => {
    const ep = parseViewerAddress(text);
    if (ip === null) assert.equal(ep, null);
    else {
      assert.ok(ep !== null);
      assert.equal(formatIP(ep.ip), ip);
      assert.equal(ep.port, port);
    }
  });
}

test('SingleHeaderCursor: absent, present, multiple, too long', () => {
  const c = new SingleHeaderCursor('X-Real-IP');
  assert.equal(c.reset(['X-Forwarded-For', '1.1.1.1']), 0);
  assert.equal(c.reset(['x-real-ip', ' 1.1.1.1\t']), 1);
  assert.equal(c.next(), true);
  assert.equal(c.parse(), 0);
  assert.equal(c.text(), '1.1.1.1');
  assert.equal(c.next(), false);
  assert.equal(c.reset(['X-Real-IP', '1.1.1.1', 'X-REAL-IP', '1.1.1.1']), 2);
  assert.equal(c.reset(['X-Real-IP', '1'.repeat(9000)]), 3);
});

test('SingleHeaderCursor: statuses', () => {
  const c = new SingleHeaderCursor('True-Client-IP');
  const status = (v: string) => {
    c.reset(['True-Client-IP', v]);
    c.next();
    return c.parse();
  };
  assert.equal(status(''), 1);
  assert.equal(status('1.1.1.1, 2.2.2.2'), 2);
  assert.equal(status('Unknown'), 3);
  assert.equal(status('0.0.0.0'), 2);
  assert.equal(status('x'.repeat(101)), 6);
  assert.equal(status('[2001:db8::1]:8443'), 0);
  assert.equal(c.port, 8443);
});
