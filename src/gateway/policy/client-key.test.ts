import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIP } from '../../core/ip/address.ts';
import { addressKey, MAX_EXTRA_KEY, requestKey } from './client-key.ts';
import { policyRequest } from './policy-request.vectors.ts';

type Case = { name: string; ip: string; prefix?: number; want: string };
const cases: Case[] = [
  { name: 'IPv4 as is', ip: '198.51.100.7', want: '198.51.100.7' },
  { name: 'IPv4-mapped IPv6 counts as the IPv4 address', ip: '::ffff:198.51.100.7', want: '198.51.100.7' },
  { name: 'IPv6 grouped by /64', ip: '2001:db8:1:2:aaaa:bbbb:cccc:dddd', want: '2001:db8:1:2::/64' },
  { name: 'another host of the same /64: same key', ip: '2001:db8:1:2::1', want: '2001:db8:1:2::/64' },
  { name: 'neighbouring /64: another key', ip: '2001:db8:1:3::1', want: '2001:db8:1:3::/64' },
  { name: 'zone stripped', ip: 'fe80::1:2:3:4%eth0', want: 'fe80::/64' },
  { name: 'configurable prefix /48', ip: '2001:db8:1:2::1', prefix: 48, want: '2001:db8:1::/48' },
  { name: 'prefix /128 keeps the address, zone stripped', ip: 'fe80::1%eth0', prefix: 128, want: 'fe80::1' },
  { name: 'NAT64 is IPv6, not mapped', ip: '64:ff9b::c633:6407', want: '64:ff9b::/64' },
];
for (const c of cases) {
  test(`addressKey: ${c.name}`, () => {
    assert.equal(addressKey(parseIP(c.ip)!, c.prefix ?? 64), c.want);
  });
}

test('requestKey: the resolved client, never the headers', () => {
  const spoofed = policyRequest('203.0.113.9', '203.0.113.9', {
    'x-forwarded-for': '192.0.2.1',
    'x-real-ip': '192.0.2.2',
    forwarded: 'for=192.0.2.3',
  });
  assert.deepEqual(requestKey(spoofed, { ipv6Prefix: 64 }), { key: '203.0.113.9', by: 'client' });
});

test('requestKey: client refused ⇒ keyed by the peer, and says so', () => {
  assert.deepEqual(requestKey(policyRequest(null, '10.0.0.2'), { ipv6Prefix: 64 }), {
    key: 'peer:10.0.0.2',
    by: 'peer',
  });
  assert.deepEqual(requestKey(policyRequest(null, null), { ipv6Prefix: 64 }), { key: 'unknown', by: 'none' });
});

test('requestKey: optional header part, cut to a bounded length', () => {
  const opts = { ipv6Prefix: 64, header: 'x-api-key' };
  assert.equal(requestKey(policyRequest('192.0.2.1', '192.0.2.1', { 'X-Api-Key': 'k1' }), opts).key, '192.0.2.1|=k1');
  assert.equal(requestKey(policyRequest('192.0.2.1', '192.0.2.1'), opts).key, '192.0.2.1|-');
  const long = requestKey(policyRequest('192.0.2.1', '192.0.2.1', { 'x-api-key': 'a'.repeat(5000) }), opts).key;
  assert.equal(long.length, '192.0.2.1|='.length + MAX_EXTRA_KEY);
});
