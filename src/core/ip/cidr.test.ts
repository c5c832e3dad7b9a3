import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidCidrError } from '../errors.ts';
import { parseIP } from './address.ts';
import { cidrContains, parseCidr } from './cidr.ts';

/** `want`: canonical text, or `fail:` cases with the error message's reason part. */
type ParseCase = { name: string; input: string; want: string; family?: 4 | 6; error?: string };

const parseCases: ParseCase[] = [
  { name: 'IPv4 network', input: '10.0.0.0/8', want: '10.0.0.0/8', family: 4 },
  { name: 'IPv4 /0', input: '0.0.0.0/0', want: '0.0.0.0/0' },
  { name: 'IPv4 /32', input: '192.0.2.1/32', want: '192.0.2.1/32' },
  { name: 'IPv4 /31', input: '192.0.2.0/31', want: '192.0.2.0/31' },
  { name: 'IPv4 /12', input: '172.16.0.0/12', want: '172.16.0.0/12' },
  { name: 'bare IPv4 is /32', input: '203.0.113.9', want: '203.0.113.9/32' },
  { name: 'IPv6 network canonicalised', input: '2001:DB8:0::/32', want: '2001:db8::/32', family: 6 },
  { name: 'IPv6 /0', input: '::/0', want: '::/0' },
  { name: 'IPv6 /128', input: '::1/128', want: '::1/128' },
  { name: 'IPv6 /10', input: 'fe80::/10', want: 'fe80::/10' },
  { name: 'IPv6 /7', input: 'fc00::/7', want: 'fc00::/7' },
  { name: 'bare IPv6 is /128', input: '2001:db8::1', want: '2001:db8::1/128' },
  { name: 'IPv6 /64 full form', input: '2001:0db8:0001:0002:0000:0000:0000:0000/64', want: '2001:db8:1:2::/64' },
  { name: 'mapped /104 normalises to IPv4 /8', input: '::ffff:10.0.0.0/104', want: '10.0.0.0/8', family: 4 },
  { name: 'mapped /96 normalises to IPv4 /0', input: '::ffff:0.0.0.0/96', want: '0.0.0.0/0', family: 4 },
  { name: 'mapped /124 (realclientip vector)', input: '::ffff:4.4.4.0/124', want: '4.4.4.0/28' },
  { name: 'mapped in hex /120', input: '::ffff:c000:200/120', want: '192.0.2.0/24' },
  { name: 'bare mapped address is IPv4 /32', input: '::ffff:1.2.3.4', want: '1.2.3.4/32', family: 4 },
  { name: 'mapped space below /96 stays IPv6', input: '::fffe:0:0/95', want: '::fffe:0:0/95', family: 6 },
  { name: 'NAT64 stays IPv6', input: '64:ff9b::188.0.2.128/121', want: '64:ff9b::bc00:280/121', family: 6 },
  { name: 'NAT64 /96', input: '64:ff9b::/96', want: '64:ff9b::/96', family: 6 },
  // Errors.
  { name: 'fail: empty', input: '', want: '', error: 'empty' },
  { name: 'fail: not an address', input: 'nope', want: '', error: 'not an IP address' },
  { name: 'fail: address part not an address', input: 'nope/8', want: '', error: 'address part is not an IP address' },
  { name: 'fail: non-canonical IPv4', input: '010.0.0.0/8', want: '', error: 'address part is not an IP address' },
  { name: 'fail: short IPv4', input: '10/8', want: '', error: 'address part is not an IP address' },
  {
    name: 'fail: prefix out of range IPv4',
    input: '10.0.0.0/33',
    want: '',
    error: 'prefix length must be 0–32 for IPv4',
  },
  { name: 'fail: prefix out of range IPv6', input: '::/129', want: '', error: 'prefix length must be 0–128 for IPv6' },
  { name: 'fail: huge prefix', input: '::/99999999999999999999', want: '', error: 'prefix length must be 0–128' },
  { name: 'fail: prefix missing', input: '10.0.0.0/', want: '', error: 'prefix length missing after "/"' },
  { name: 'fail: leading zero in prefix', input: '10.0.0.0/08', want: '', error: 'prefix length has a leading zero' },
  { name: 'fail: prefix 00', input: '0.0.0.0/00', want: '', error: 'prefix length has a leading zero' },
  { name: 'fail: signed prefix', input: '10.0.0.0/+8', want: '', error: 'prefix length must be decimal digits' },
  { name: 'fail: negative prefix', input: '10.0.0.0/-8', want: '', error: 'prefix length must be decimal digits' },
  { name: 'fail: hex prefix', input: '10.0.0.0/0x8', want: '', error: 'prefix length must be decimal digits' },
  { name: 'fail: space before prefix', input: '10.0.0.0/ 8', want: '', error: 'prefix length must be decimal digits' },
  { name: 'fail: trailing space', input: '10.0.0.0/8 ', want: '', error: 'prefix length must be decimal digits' },
  { name: 'fail: leading space', input: ' 10.0.0.0/8', want: '', error: 'address part is not an IP address' },
  { name: 'fail: two slashes', input: '10.0.0.0/8/8', want: '', error: 'more than one "/"' },
  {
    name: 'fail: netmask form',
    input: '10.0.0.0/255.0.0.0',
    want: '',
    error: 'netmask notation is not supported; write /8',
  },
  { name: 'fail: non-contiguous netmask', input: '10.0.0.0/255.0.255.0', want: '', error: 'netmask notation' },
  { name: 'fail: zone', input: 'fe80::%eth0/64', want: '', error: 'a zone (%…) is not allowed in a network' },
  { name: 'fail: zone on bare address', input: 'fe80::1%eth0', want: '', error: 'a zone (%…) is not allowed' },
  {
    name: 'fail: IPv4 host bits set',
    input: '1.2.3.4/24',
    want: '',
    error: 'host bits set; did you mean 1.2.3.0/24?',
  },
  { name: 'fail: proxy-addr style 127.0.0.1/8', input: '127.0.0.1/8', want: '', error: 'did you mean 127.0.0.0/8?' },
  { name: 'fail: IPv4 /0 with host bits', input: '10.0.0.0/0', want: '', error: 'did you mean 0.0.0.0/0?' },
  {
    name: 'fail: IPv6 host bits set',
    input: '2001:db8::1/64',
    want: '',
    error: 'host bits set; did you mean 2001:db8::/64?',
  },
  {
    name: 'fail: realclientip vector ::ffff:4.4.4.4/124 has host bits',
    input: '::ffff:4.4.4.4/124',
    want: '',
    error: 'did you mean ::ffff:4.4.4.0/124?',
  },
  {
    name: 'fail: mapped host bits set',
    input: '::ffff:10.1.0.0/104',
    want: '',
    error: 'did you mean ::ffff:10.0.0.0/104?',
  },
  { name: 'fail: bracketed', input: '[::1]/128', want: '', error: 'address part is not an IP address' },
  { name: 'fail: comma list is not split', input: '10.0.0.0/8,127.0.0.1', want: '', error: 'decimal digits' },
];

for (const c of parseCases) {
  test(`parseCidr: ${c.name}`, () => {
    if (c.error !== undefined) {
      assert.throws(
        () => parseCidr(c.input),
        (e: unknown) => {
          assert.ok(e instanceof InvalidCidrError);
          assert.equal(e.code, 'SIP_ERR_INVALID_CIDR');
          assert.equal(e.input, c.input);
          assert.ok(e.message.startsWith(`invalid CIDR ${JSON.stringify(c.input)}: `), e.message);
          assert.ok(e.message.includes(c.error!), `${e.message} should include ${c.error}`);
          return true;
        },
      );
      return;
    }
    const cidr = parseCidr(c.input);
    assert.equal(cidr.text, c.want);
    if (c.family !== undefined) assert.equal(cidr.ip.family, c.family);
    assert.equal(parseCidr(cidr.text).text, cidr.text, 'canonical text parses to itself');
  });
}

test('parseCidr: attacker text in the message is escaped and cut short', () => {
  const evil = `\u001b[31m${'x'.repeat(200)}/8`;
  assert.throws(
    () => parseCidr(evil),
    (e: unknown) => e instanceof InvalidCidrError && !e.message.includes('\u001b') && e.message.length < 150,
  );
});

/** Containment, both ways between IPv4 and IPv4-mapped IPv6. */
const containCases: Array<{ name: string; cidr: string; ip: string; want: boolean }> = [
  { name: 'IPv4 inside', cidr: '10.0.0.0/8', ip: '10.255.255.255', want: true },
  { name: 'IPv4 first address', cidr: '10.0.0.0/8', ip: '10.0.0.0', want: true },
  { name: 'fail: IPv4 just outside', cidr: '10.0.0.0/8', ip: '11.0.0.0', want: false },
  { name: 'fail: IPv4 just below', cidr: '10.0.0.0/8', ip: '9.255.255.255', want: false },
  { name: 'IPv4 /32 exact', cidr: '192.0.2.1', ip: '192.0.2.1', want: true },
  { name: 'fail: IPv4 /32 neighbour', cidr: '192.0.2.1', ip: '192.0.2.2', want: false },
  { name: 'IPv4 /0 contains everything IPv4', cidr: '0.0.0.0/0', ip: '255.255.255.255', want: true },
  { name: 'IPv4 /0 contains mapped IPv6', cidr: '0.0.0.0/0', ip: '::ffff:8.8.8.8', want: true },
  { name: 'fail: IPv4 /0 does not contain plain IPv6', cidr: '0.0.0.0/0', ip: '2001:db8::1', want: false },
  { name: 'fail: IPv4 /0 does not contain NAT64', cidr: '0.0.0.0/0', ip: '64:ff9b::8.8.8.8', want: false },
  { name: 'fail: IPv4 /0 does not contain IPv4-compatible', cidr: '0.0.0.0/0', ip: '::8.8.8.8', want: false },
  { name: 'mapped address matches IPv4 network', cidr: '10.0.0.0/8', ip: '::ffff:10.1.2.3', want: true },
  { name: 'mapped address (hex) matches IPv4 network', cidr: '10.0.0.0/8', ip: '::ffff:a00:1', want: true },
  { name: 'fail: mapped address outside IPv4 network', cidr: '10.0.0.0/8', ip: '::ffff:11.1.2.3', want: false },
  { name: 'mapped network matches plain IPv4', cidr: '::ffff:10.0.0.0/104', ip: '10.9.9.9', want: true },
  { name: 'mapped network matches mapped address', cidr: '::ffff:10.0.0.0/104', ip: '::ffff:10.9.9.9', want: true },
  { name: 'fail: mapped network vs outside IPv4', cidr: '::ffff:10.0.0.0/104', ip: '11.0.0.1', want: false },
  { name: 'mapped /124 covers 4.4.4.8 (realclientip vector)', cidr: '::ffff:4.4.4.0/124', ip: '4.4.4.8', want: true },
  {
    name: 'fail: IPv6 /95 holding the mapped space does not contain IPv4',
    cidr: '::fffe:0:0/95',
    ip: '4.4.4.8',
    want: false,
  },
  { name: 'IPv6 /95 contains its non-mapped half', cidr: '::fffe:0:0/95', ip: '::fffe:1:2', want: true },
  { name: 'IPv6 inside', cidr: '2001:db8::/32', ip: '2001:db8:ffff::1', want: true },
  { name: 'fail: IPv6 outside', cidr: '2001:db8::/32', ip: '2001:db9::1', want: false },
  { name: 'IPv6 zone ignored', cidr: 'fe80::/10', ip: 'fe80::1%eth0', want: true },
  { name: 'IPv6 /10 upper edge', cidr: 'fe80::/10', ip: 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', want: true },
  { name: 'fail: IPv6 /10 past upper edge', cidr: 'fe80::/10', ip: 'fec0::', want: false },
  { name: 'IPv6 /128 exact', cidr: '::1', ip: '::1', want: true },
  { name: 'fail: ::1 does not contain 127.0.0.1', cidr: '::1', ip: '127.0.0.1', want: false },
  { name: 'fail: 127.0.0.0/8 does not contain ::1', cidr: '127.0.0.0/8', ip: '::1', want: false },
  { name: 'fail: IPv6 /0 does not contain IPv4 (nginx, proxy-addr)', cidr: '::/0', ip: '1.2.3.4', want: false },
  { name: 'fail: IPv6 /0 does not contain mapped IPv4', cidr: '::/0', ip: '::ffff:1.2.3.4', want: false },
  { name: 'IPv6 /0 contains plain IPv6', cidr: '::/0', ip: '2001:db8::1', want: true },
  { name: 'IPv6 /0 contains NAT64', cidr: '::/0', ip: '64:ff9b::1.2.3.4', want: true },
  { name: 'fail: IPv6 /80 holding ::ffff:0:0/96 does not contain IPv4', cidr: '::/80', ip: '1.2.3.4', want: false },
  { name: 'fail: IPv6 /80 does not contain mapped IPv4', cidr: '::/80', ip: '::ffff:1.2.3.4', want: false },
  { name: 'IPv6 /80 contains IPv4-compatible', cidr: '::/80', ip: '::1.2.3.4', want: true },
  { name: 'fail: IPv6 /96 of :: does not contain IPv4', cidr: '::/96', ip: '1.2.3.4', want: false },
  { name: 'fail: 2001:db8::/32 does not contain IPv4', cidr: '2001:db8::/32', ip: '32.1.13.184', want: false },
  {
    name: 'NAT64 network contains NAT64 address',
    cidr: '64:ff9b::188.0.2.128/121',
    ip: '64:ff9b::188.0.2.200',
    want: true,
  },
  { name: 'fail: NAT64 network does not contain the IPv4', cidr: '64:ff9b::/96', ip: '188.0.2.200', want: false },
];
for (const c of containCases) {
  test(`cidrContains: ${c.name}`, () => {
    assert.equal(cidrContains(parseCidr(c.cidr), parseIP(c.ip)!), c.want);
  });
}
