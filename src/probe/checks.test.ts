import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIP } from '../core/ip/address.ts';
import { cidrContains, parseCidr } from '../core/ip/cidr.ts';
import { buildChecks, createCanaries, MAX_REQUESTS } from './checks.ts';

const BENCHMARK = parseCidr('198.18.0.0/15');
const DOCUMENTATION = parseCidr('2001:db8::/32');

for (const seed of [0, 1, 255, 256, 511, 12345]) {
  test(`seed ${seed}: every canary is unique, canonical and inside 198.18.0.0/15 or 2001:db8::/32`, () => {
    const checks = buildChecks(createCanaries(seed), { proxyProtocol: 2 });
    const all = checks.flatMap((c) => c.canaries);
    assert.equal(new Set(all).size, all.length);
    for (const canary of all) {
      const ip = parseIP(canary);
      assert.ok(ip !== null, canary);
      assert.ok(cidrContains(ip.family === 4 ? BENCHMARK : DOCUMENTATION, ip), canary);
      // No canary is the start of another one (the echo search matches whole addresses, but be sure).
      for (const other of all) if (other !== canary) assert.ok(!other.startsWith(canary), `${canary} / ${other}`);
    }
  });
}

test('IPv6 canaries are RFC 5952 text (what an app prints back)', () => {
  const canaries = createCanaries(0);
  assert.equal(canaries.v6(), '2001:db8:1::100');
  assert.equal(createCanaries(511).v6(), '2001:db8:200::100');
});

test('the check list: ids, bounded, the PROXY check only when asked and of the target family', () => {
  const plain = buildChecks(createCanaries(3));
  assert.deepEqual(
    plain.map((c) => c.id),
    [
      'xff-single',
      'xff-two-entries',
      'xff-two-lines',
      'xff-ipv6',
      'x-real-ip',
      'forwarded',
      'forwarded-ipv6',
      'cf-connecting-ip',
      'true-client-ip',
      'fastly-client-ip',
      'x-client-ip',
      'x-cluster-client-ip',
      'cloudfront-viewer-address',
    ],
  );
  const v6 = buildChecks(createCanaries(3), { proxyProtocol: 1, family: 6 });
  assert.ok(v6.length + 1 <= MAX_REQUESTS);
  const proxy = v6.at(-1)!;
  assert.equal(proxy.id, 'proxy-protocol-v1');
  assert.equal(proxy.proxyProtocol, 1);
  assert.equal(parseIP(proxy.canaries[0]!)?.family, 6);
  assert.equal(parseIP(buildChecks(createCanaries(3), { proxyProtocol: 2 }).at(-1)!.canaries[0]!)?.family, 4);
});

test('two-line and two-entry checks carry each canary where the role says', () => {
  const checks = buildChecks(createCanaries(9));
  const lines = checks.find((c) => c.id === 'xff-two-lines')!;
  assert.deepEqual(
    lines.headers.map(([name, value]) => [name, value]),
    [
      ['X-Forwarded-For', lines.canaries[0]],
      ['X-Forwarded-For', lines.canaries[1]],
    ],
  );
  const entries = checks.find((c) => c.id === 'xff-two-entries')!;
  assert.equal(entries.headers[0]![1], `${entries.canaries[0]}, ${entries.canaries[1]}`);
  assert.deepEqual(entries.canaryRoles, ['leftmost entry', 'rightmost entry']);
  const cloudfront = checks.find((c) => c.id === 'cloudfront-viewer-address')!;
  assert.equal(cloudfront.headers[0]![1], `${cloudfront.canaries[0]}:443`);
  const forwarded6 = checks.find((c) => c.id === 'forwarded-ipv6')!;
  assert.equal(forwarded6.headers[0]![1], `for="[${forwarded6.canaries[0]}]"`);
});
