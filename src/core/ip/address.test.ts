import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  equalIP,
  formatEndpoint,
  formatIP,
  ipFromBytes,
  ipToBytes,
  ipv4FromNumber,
  isIPv4Mapped,
  isLoopback,
  isUnspecified,
  maskIP,
  parseEndpoint,
  parseIP,
  parseIPv4Number,
  unmapIPv4,
  withoutZone,
} from './address.ts';

/** `want`: the RFC 5952 text of the parsed address, or null when the input must be rejected. */
type ParseCase = { name: string; input: string; want: string | null; family?: 4 | 6; zone?: string };

const parseCases: ParseCase[] = [
  // IPv4: canonical dotted quad only.
  { name: 'IPv4 dotted quad', input: '192.0.2.1', want: '192.0.2.1', family: 4 },
  { name: 'IPv4 all zeros', input: '0.0.0.0', want: '0.0.0.0', family: 4 },
  { name: 'IPv4 all ones', input: '255.255.255.255', want: '255.255.255.255', family: 4 },
  { name: 'IPv4 single zero parts', input: '10.0.0.1', want: '10.0.0.1', family: 4 },
  { name: 'fail: IPv4 leading zero (octal in some parsers, decimal in nginx)', input: '01.1.1.1', want: null },
  { name: 'fail: IPv4 leading zero in last part', input: '1.1.1.01', want: null },
  { name: 'fail: IPv4 part 00', input: '1.00.1.1', want: null },
  { name: 'fail: IPv4 three parts', input: '1.2.3', want: null },
  { name: 'fail: IPv4 five parts', input: '1.2.3.4.5', want: null },
  { name: 'fail: IPv4 part over 255', input: '256.1.1.1', want: null },
  { name: 'fail: IPv4 part 999', input: '1.1.1.999', want: null },
  { name: 'fail: IPv4 part with four digits', input: '1.1.1.1000', want: null },
  { name: 'fail: IPv4 short form 127.1', input: '127.1', want: null },
  { name: 'fail: IPv4 integer form', input: '2130706433', want: null },
  { name: 'fail: IPv4 hex part', input: '0x7f.0.0.1', want: null },
  { name: 'fail: IPv4 octal-looking part', input: '0177.0.0.1', want: null },
  { name: 'fail: IPv4 empty part', input: '1..2.3', want: null },
  { name: 'fail: IPv4 trailing dot', input: '1.2.3.4.', want: null },
  { name: 'fail: IPv4 leading dot', input: '.1.2.3.4', want: null },
  { name: 'fail: IPv4 leading space', input: ' 1.2.3.4', want: null },
  { name: 'fail: IPv4 trailing space', input: '1.2.3.4 ', want: null },
  { name: 'fail: IPv4 trailing tab', input: '1.2.3.4\t', want: null },
  { name: 'fail: IPv4 with zone (zones are IPv6 only)', input: '1.1.1.1%eth0', want: null },
  { name: 'fail: IPv4 with empty zone', input: '1.1.1.1%', want: null },
  { name: 'fail: IPv4 with port (use parseEndpoint)', input: '1.2.3.4:80', want: null },
  { name: 'fail: IPv4 in brackets', input: '[1.2.3.4]', want: null },
  { name: 'fail: IPv4 sign', input: '+1.2.3.4', want: null },
  { name: 'fail: IPv4 full-width digit', input: '１.2.3.4', want: null },
  { name: 'fail: empty string', input: '', want: null },
  { name: 'fail: word', input: 'unknown', want: null },
  { name: 'fail: hostname', input: 'localhost', want: null },
  // IPv6, RFC 4291 §2.2 form 1: full.
  { name: 'IPv6 full form', input: '2001:0db8:0000:0000:0008:0800:200c:417a', want: '2001:db8::8:800:200c:417a' },
  {
    name: 'IPv6 full form without leading zeros',
    input: '2001:DB8:0:0:8:800:200C:417A',
    want: '2001:db8::8:800:200c:417a',
  },
  { name: 'IPv6 eight non-zero groups', input: '1:2:3:4:5:6:7:8', want: '1:2:3:4:5:6:7:8', family: 6 },
  {
    name: 'IPv6 all ffff',
    input: 'FFFF:ffff:FfFf:ffff:ffff:ffff:ffff:ffff',
    want: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  },
  // Form 2: `::`.
  { name: 'IPv6 unspecified ::', input: '::', want: '::', family: 6 },
  { name: 'IPv6 loopback ::1', input: '::1', want: '::1' },
  { name: 'IPv6 loopback full form', input: '0:0:0:0:0:0:0:1', want: '::1' },
  { name: 'IPv6 trailing ::', input: '1::', want: '1::' },
  { name: 'IPv6 :: in the middle', input: 'ff01::101', want: 'ff01::101' },
  { name: 'IPv6 :: standing for one group', input: '1:2:3:4:5:6:7::', want: '1:2:3:4:5:6:7:0' },
  { name: 'IPv6 :: standing for one leading group', input: '::2:3:4:5:6:7:8', want: '0:2:3:4:5:6:7:8' },
  { name: 'IPv6 one-digit groups', input: 'a:b:c:d:e:f:0:1', want: 'a:b:c:d:e:f:0:1' },
  { name: 'IPv6 four-digit group with leading zeros', input: '0001::0010', want: '1::10' },
  { name: 'IPv6 link-local', input: 'fe80::1ff:fe23:4567:890a', want: 'fe80::1ff:fe23:4567:890a' },
  { name: 'fail: IPv6 two ::', input: '1::2::3', want: null },
  { name: 'fail: IPv6 :::', input: ':::', want: null },
  { name: 'fail: IPv6 ::: after a group', input: '1:::2', want: null },
  { name: 'fail: IPv6 nine groups', input: '1:2:3:4:5:6:7:8:9', want: null },
  { name: 'fail: IPv6 nine groups with ::', input: '1:2:3:4:5:6:7:8::', want: null },
  { name: 'fail: IPv6 :: with eight groups', input: '1:2:3:4::5:6:7:8', want: null },
  { name: 'fail: IPv6 seven groups without ::', input: '1:2:3:4:5:6:7', want: null },
  { name: 'fail: IPv6 trailing single colon', input: '1:2:3:4:5:6:7:8:', want: null },
  { name: 'fail: IPv6 trailing colon after ::', input: '1::2:', want: null },
  { name: 'fail: IPv6 leading single colon', input: ':1::2', want: null },
  { name: 'fail: IPv6 lone colon', input: ':', want: null },
  { name: 'fail: IPv6 five hex digits', input: '12345::1', want: null },
  { name: 'fail: IPv6 five digits with leading zero', input: '00001::1', want: null },
  { name: 'fail: IPv6 non-hex letter', input: 'g::1', want: null },
  { name: 'fail: IPv6 with space', input: '2001:db8:: 1', want: null },
  { name: 'fail: IPv6 with a dash', input: '2001-db8::1', want: null },
  { name: 'fail: IPv6 in brackets', input: '[::1]', want: null },
  { name: 'fail: IPv6 unclosed bracket', input: '[::1', want: null },
  { name: 'fail: IPv6 hex group prefix 0x', input: '0x1::1', want: null },
  // Form 3: embedded IPv4.
  { name: 'IPv4-mapped stays IPv6, printed dotted', input: '::ffff:1.2.3.4', want: '::ffff:1.2.3.4', family: 6 },
  { name: 'IPv4-mapped upper case', input: '::FFFF:10.0.0.1', want: '::ffff:10.0.0.1' },
  { name: 'IPv4-mapped in hex', input: '0:0:0:0:0:ffff:bc15:6', want: '::ffff:188.21.0.6' },
  { name: 'IPv4-mapped full with dotted tail', input: '0:0:0:0:0:FFFF:129.144.52.38', want: '::ffff:129.144.52.38' },
  { name: 'IPv4-compatible (deprecated) printed in hex', input: '::1.2.3.4', want: '::102:304' },
  { name: 'IPv4-compatible full', input: '0:0:0:0:0:0:13.1.68.3', want: '::d01:4403' },
  { name: 'NAT64 64:ff9b::/96 stays IPv6 hex', input: '64:ff9b::1.2.3.4', want: '64:ff9b::102:304' },
  { name: 'NAT64 realclientip vector', input: '64:ff9b::188.0.2.128', want: '64:ff9b::bc00:280' },
  { name: 'six groups then dotted quad', input: '1:2:3:4:5:6:1.2.3.4', want: '1:2:3:4:5:6:102:304' },
  { name: 'dotted quad right after ::', input: '1::1.2.3.4', want: '1::102:304' },
  { name: 'fail: seven groups then dotted quad', input: '1:2:3:4:5:6:7:1.2.3.4', want: null },
  { name: 'fail: :: plus six groups plus dotted quad', input: '1:2:3:4:5:6::1.2.3.4', want: null },
  { name: 'fail: embedded IPv4 not last', input: '::1.2.3.4:1', want: null },
  { name: 'fail: embedded IPv4 with leading zero', input: '::ffff:01.2.3.4', want: null },
  { name: 'fail: embedded IPv4 short', input: '::ffff:1.2.3', want: null },
  { name: 'fail: embedded IPv4 part over 255', input: '::ffff:1.2.3.256', want: null },
  { name: 'fail: embedded IPv4 after hex letters', input: '::ffff:a.2.3.4', want: null },
  // Zones (RFC 4007 §11).
  { name: 'zone kept', input: 'fe80::1%eth0', want: 'fe80::1%eth0', zone: 'eth0' },
  { name: 'numeric zone', input: 'fe80::382b:141b:fa4a:2a16%28', want: 'fe80::382b:141b:fa4a:2a16%28', zone: '28' },
  { name: 'zone right after ::', input: 'fe80::%eth0', want: 'fe80::%eth0', zone: 'eth0' },
  { name: 'zone on ::', input: '::%1', want: '::%1', zone: '1' },
  { name: 'zone on IPv4-mapped', input: '::ffff:1.2.3.4%eth0', want: '::ffff:1.2.3.4%eth0', zone: 'eth0' },
  { name: 'zone with dot and dash', input: 'fe80::1%en0.100-x', want: 'fe80::1%en0.100-x', zone: 'en0.100-x' },
  { name: 'fail: empty zone', input: 'fe80::1%', want: null },
  { name: 'fail: zone with space', input: 'fe80::1%eth 0', want: null },
  { name: 'fail: zone with tab', input: 'fe80::1%eth0\t', want: null },
  { name: 'fail: zone with second %', input: 'fe80::1%eth%0', want: null },
  { name: 'fail: zone with /', input: 'fe80::1%eth0/64', want: null },
  { name: 'fail: zone with [', input: 'fe80::1%eth[0', want: null },
  { name: 'fail: zone with ]', input: 'fe80::1%eth0]', want: null },
  { name: 'fail: zone with comma', input: 'fe80::1%eth0,1.2.3.4', want: null },
  { name: 'fail: zone with semicolon', input: 'fe80::1%eth0;for=x', want: null },
  { name: 'fail: zone with quote', input: 'fe80::1%eth0"', want: null },
  { name: 'fail: zone with NUL', input: 'fe80::1%eth\u00000', want: null },
  { name: 'fail: zone with DEL', input: 'fe80::1%eth\u007f', want: null },
  { name: 'fail: zone with non-ASCII', input: 'fe80::1%ethé', want: null },
  { name: 'fail: zone after a single colon', input: '1:%eth0', want: null },
  { name: 'fail: % with no address', input: '%eth0', want: null },
];

for (const c of parseCases) {
  test(`parseIP: ${c.name}`, () => {
    const ip = parseIP(c.input);
    if (c.want === null) {
      assert.equal(ip, null);
      return;
    }
    assert.ok(ip, `expected ${JSON.stringify(c.input)} to parse`);
    assert.equal(formatIP(ip), c.want);
    if (c.family !== undefined) assert.equal(ip.family, c.family);
    assert.equal(ip.zone, c.zone ?? '');
    for (const w of [ip.w0, ip.w1, ip.w2, ip.w3]) assert.ok(Number.isInteger(w) && w >= 0 && w <= 0xffffffff);
  });
}

test('parseIP: words are big-endian uint32', () => {
  assert.deepEqual(parseIP('2001:db8:85a3::8a2e:370:7334'), {
    family: 6,
    w0: 0x20010db8,
    w1: 0x85a30000,
    w2: 0x00008a2e,
    w3: 0x03707334,
    zone: '',
  });
  assert.deepEqual(parseIP('255.1.2.3'), { family: 4, w0: 0, w1: 0, w2: 0, w3: 0xff010203, zone: '' });
});

test('parseIP: parses a slice without copying', () => {
  const header = 'for=192.0.2.60;proto=http, [2001:db8::1]';
  assert.equal(formatIP(parseIP(header, 4, 14)!), '192.0.2.60');
  assert.equal(formatIP(parseIP(header, 28, 39)!), '2001:db8::1');
  assert.equal(parseIP(header, 4, 15), null);
  assert.equal(parseIP(header, 10, 5), null, 'start after end');
  assert.equal(parseIP('1.2.3.4', 0, 99)?.w3, 0x01020304, 'end past the text is clamped');
});

type V4Case = { name: string; input: string; want: number };
const v4Cases: V4Case[] = [
  { name: 'ordinary', input: '10.0.0.1', want: 0x0a000001 },
  { name: 'high bit set stays unsigned', input: '255.255.255.255', want: 0xffffffff },
  { name: 'zero', input: '0.0.0.0', want: 0 },
  { name: 'fail: leading zero', input: '10.0.0.01', want: -1 },
  { name: 'fail: IPv6', input: '::1', want: -1 },
  { name: 'fail: port', input: '10.0.0.1:80', want: -1 },
  { name: 'fail: empty', input: '', want: -1 },
  { name: 'fail: too long', input: '255.255.255.2555', want: -1 },
];
for (const c of v4Cases) {
  test(`parseIPv4Number: ${c.name}`, () => assert.equal(parseIPv4Number(c.input), c.want));
}

/** `want`: formatted address and port (-1 = none), or null. */
type EndpointCase = { name: string; input: string; want: [string, number] | null };
const endpointCases: EndpointCase[] = [
  { name: 'bare IPv4', input: '1.2.3.4', want: ['1.2.3.4', -1] },
  { name: 'IPv4 with port', input: '1.2.3.4:80', want: ['1.2.3.4', 80] },
  { name: 'IPv4 port 0', input: '1.2.3.4:0', want: ['1.2.3.4', 0] },
  { name: 'IPv4 port 65535', input: '1.2.3.4:65535', want: ['1.2.3.4', 65535] },
  { name: 'fail: IPv4 port 65536', input: '1.2.3.4:65536', want: null },
  { name: 'fail: IPv4 port 99999', input: '1.2.3.4:99999', want: null },
  { name: 'fail: IPv4 port with six digits', input: '1.2.3.4:000080', want: null },
  { name: 'fail: IPv4 port with leading zero', input: '1.2.3.4:080', want: null },
  { name: 'fail: IPv4 port 00', input: '1.2.3.4:00', want: null },
  { name: 'fail: IPv4 empty port', input: '1.2.3.4:', want: null },
  { name: 'fail: IPv4 non-digit port', input: '1.2.3.4:http', want: null },
  { name: 'fail: IPv4 signed port', input: '1.2.3.4:+80', want: null },
  { name: 'fail: IPv4 negative port', input: '1.2.3.4:-1', want: null },
  { name: 'fail: IPv4 port with space', input: '1.2.3.4: 80', want: null },
  { name: 'fail: IPv4 two ports', input: '1.2.3.4:80:81', want: null },
  { name: 'fail: non-canonical IPv4 with port', input: '01.2.3.4:80', want: null },
  { name: 'bare IPv6', input: '2001:db8::1', want: ['2001:db8::1', -1] },
  { name: 'unbracketed IPv6 never has a port', input: '2001:db8::1:80', want: ['2001:db8::1:80', -1] },
  { name: 'bare IPv6 with zone', input: 'fe80::1%eth0', want: ['fe80::1%eth0', -1] },
  { name: 'bracketed IPv6', input: '[2001:db8::1]', want: ['2001:db8::1', -1] },
  { name: 'bracketed IPv6 with port', input: '[2001:db8::1]:443', want: ['2001:db8::1', 443] },
  { name: 'bracketed IPv6 with zone and port', input: '[fe80::1%eth0]:8080', want: ['fe80::1%eth0', 8080] },
  { name: 'bracketed IPv4-mapped with port', input: '[::ffff:172.21.0.6]:4747', want: ['::ffff:172.21.0.6', 4747] },
  { name: 'bracketed NAT64 with port', input: '[64:ff9b::188.0.2.128]:4747', want: ['64:ff9b::bc00:280', 4747] },
  { name: 'bracketed port 0', input: '[::1]:0', want: ['::1', 0] },
  { name: 'fail: unclosed bracket', input: '[::1', want: null },
  { name: 'fail: unclosed bracket with port', input: '[::1:80', want: null },
  { name: 'fail: closing bracket only', input: '::1]', want: null },
  { name: 'fail: empty brackets', input: '[]', want: null },
  { name: 'fail: empty brackets with port', input: '[]:80', want: null },
  { name: 'fail: bracketed IPv4', input: '[1.2.3.4]', want: null },
  { name: 'fail: bracketed IPv4 with port', input: '[1.2.3.4]:80', want: null },
  { name: 'fail: bracketed word', input: '[unknown]:80', want: null },
  { name: 'fail: bracket then empty port', input: '[::1]:', want: null },
  { name: 'fail: bracket then junk', input: '[::1]x', want: null },
  { name: 'fail: bracket then port 65536', input: '[::1]:65536', want: null },
  { name: 'fail: bracket then non-digit port', input: '[fe80::abcd%eth0]:xyz', want: null },
  { name: 'fail: bracketed zone empty', input: '[fe80::1%]:80', want: null },
  { name: 'fail: nested brackets', input: '[[::1]]:80', want: null },
  { name: 'fail: empty', input: '', want: null },
  { name: 'fail: only a port', input: ':80', want: null },
  { name: 'fail: garbage', input: 'nope', want: null },
];
for (const c of endpointCases) {
  test(`parseEndpoint: ${c.name}`, () => {
    const e = parseEndpoint(c.input);
    if (c.want === null) {
      assert.equal(e, null);
      return;
    }
    assert.ok(e, `expected ${JSON.stringify(c.input)} to parse`);
    assert.deepEqual([formatIP(e.ip), e.port], c.want);
  });
}

test('parseEndpoint: parses a slice', () => {
  const text = 'x [2001:db8::1]:443 y';
  assert.deepEqual([formatIP(parseEndpoint(text, 2, 19)!.ip), parseEndpoint(text, 2, 19)!.port], ['2001:db8::1', 443]);
});

/** RFC 5952 §4 and §5 examples: `input` is any valid text form, `want` the one canonical form. */
const rfc5952: Array<[string, string, string]> = [
  ['§4.1 leading zeros suppressed', '2001:0db8::0001', '2001:db8::1'],
  ['§4.2.1 :: used to its maximum', '2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
  ['§4.2.2 a single zero group is not shortened', '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  ['§4.2.3 longest run is compressed', '2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
  ['§4.2.3 first run on a tie', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['§4.3 lowercase', '2001:DB8::ABCD', '2001:db8::abcd'],
  ['§2.1 varying leading zeros', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
  ['§2.2 zeros at the end', '2001:db8:0:0:0::1', '2001:db8::1'],
  ['zero run at the start', '0:0:0:1:2:3:4:5', '::1:2:3:4:5'],
  ['zero run at the end', '1:2:3:4:5:0:0:0', '1:2:3:4:5::'],
  ['two equal runs at both ends', '0:0:1:2:3:4:0:0', '::1:2:3:4:0:0'],
  ['later longer run wins', '1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ['alternating zeros are not compressed', '1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
  ['§5 IPv4-mapped with the dotted quad', '::ffff:c000:0280', '::ffff:192.0.2.128'],
  ['mapped 0.0.0.0', '::ffff:0:0', '::ffff:0.0.0.0'],
  ['::ffff:0:0:0 is not mapped', '0:0:0:0:ffff:0:0:0', '::ffff:0:0:0'],
  ['::ffff alone is not mapped', '::ffff', '::ffff'],
];
for (const [name, input, want] of rfc5952) {
  test(`formatIP RFC 5952: ${name}`, () => assert.equal(formatIP(parseIP(input)!), want));
}

test('formatEndpoint: brackets IPv6, not IPv4; port optional', () => {
  assert.equal(formatEndpoint(parseIP('1.2.3.4')!, 80), '1.2.3.4:80');
  assert.equal(formatEndpoint(parseIP('2001:DB8::1')!, 443), '[2001:db8::1]:443');
  assert.equal(formatEndpoint(parseIP('fe80::1%eth0')!, 0), '[fe80::1%eth0]:0');
  assert.equal(formatEndpoint(parseIP('::1')!, -1), '[::1]');
  assert.equal(formatEndpoint(parseIP('10.0.0.1')!, -1), '10.0.0.1');
});

test('ipv4FromNumber: unsigned, wraps like >>> 0', () => {
  assert.equal(formatIP(ipv4FromNumber(0xc0000201)), '192.0.2.1');
  assert.equal(ipv4FromNumber(-1).w3, 0xffffffff);
});

test('ipFromBytes / ipToBytes', () => {
  const v4 = new Uint8Array([9, 192, 0, 2, 1, 9]);
  assert.equal(formatIP(ipFromBytes(v4, 1, 4)), '192.0.2.1');
  assert.deepEqual([...ipToBytes(parseIP('192.0.2.1')!)], [192, 0, 2, 1]);
  const v6 = ipToBytes(parseIP('2001:db8::ff00:42:8329%eth0')!);
  assert.deepEqual([...v6], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29]);
  assert.equal(formatIP(ipFromBytes(v6, 0, 6)), '2001:db8::ff00:42:8329');
  assert.throws(() => ipFromBytes(v4, 3, 4), RangeError);
  assert.throws(() => ipFromBytes(v6, 1, 6), RangeError);
  assert.throws(() => ipFromBytes(v6, -1, 4), RangeError);
});

test('isIPv4Mapped / unmapIPv4: only ::ffff:0:0/96', () => {
  assert.equal(isIPv4Mapped(parseIP('::ffff:1.2.3.4')!), true);
  assert.equal(isIPv4Mapped(parseIP('64:ff9b::1.2.3.4')!), false);
  assert.equal(isIPv4Mapped(parseIP('::1.2.3.4')!), false);
  assert.equal(isIPv4Mapped(parseIP('1.2.3.4')!), false);
  assert.deepEqual(unmapIPv4(parseIP('::ffff:172.21.0.6%eth0')!), parseIP('172.21.0.6'));
  const nat64 = parseIP('64:ff9b::1.2.3.4')!;
  assert.equal(unmapIPv4(nat64), nat64);
  const v4 = parseIP('1.2.3.4')!;
  assert.equal(unmapIPv4(v4), v4);
});

test('withoutZone / equalIP', () => {
  const zoned = parseIP('fe80::1%eth0')!;
  const plain = parseIP('fe80::1')!;
  assert.equal(equalIP(zoned, plain), false, 'zone-sensitive');
  assert.equal(equalIP(withoutZone(zoned), plain), true);
  assert.equal(withoutZone(plain), plain);
  assert.equal(equalIP(parseIP('1.2.3.4')!, parseIP('::ffff:1.2.3.4')!), false, 'family-sensitive');
  assert.equal(equalIP(parseIP('2001:db8::1')!, parseIP('2001:DB8:0::0:1')!), true);
  assert.equal(equalIP(parseIP('2001:db8::1')!, parseIP('2001:db8::2')!), false);
});

test('maskIP: keeps the first bits, drops the zone', () => {
  const v6 = parseIP('2001:db8:1:2:3:4:5:6%eth0')!;
  assert.equal(formatIP(maskIP(v6, 64)), '2001:db8:1:2::');
  assert.equal(formatIP(maskIP(v6, 56)), '2001:db8:1::');
  assert.equal(formatIP(maskIP(v6, 0)), '::');
  assert.equal(formatIP(maskIP(v6, 128)), '2001:db8:1:2:3:4:5:6');
  assert.equal(formatIP(maskIP(v6, 17)), '2001::');
  assert.equal(formatIP(maskIP(v6, 21)), '2001:800::');
  assert.equal(formatIP(maskIP(v6, 100)), '2001:db8:1:2:3:4::');
  assert.equal(formatIP(maskIP(v6, 112)), '2001:db8:1:2:3:4:5:0');
  const v4 = parseIP('203.0.113.77')!;
  assert.equal(formatIP(maskIP(v4, 24)), '203.0.113.0');
  assert.equal(formatIP(maskIP(v4, 0)), '0.0.0.0');
  assert.equal(formatIP(maskIP(v4, 32)), '203.0.113.77');
  assert.equal(formatIP(maskIP(parseIP('255.255.255.255')!, 1)), '128.0.0.0');
  assert.throws(() => maskIP(v4, 33), RangeError);
  assert.throws(() => maskIP(v6, 129), RangeError);
  assert.throws(() => maskIP(v6, -1), RangeError);
  assert.throws(() => maskIP(v6, 1.5), RangeError);
});

test('isUnspecified / isLoopback', () => {
  const table: Array<[string, boolean, boolean]> = [
    ['0.0.0.0', true, false],
    ['::', true, false],
    ['::%eth0', true, false],
    ['127.0.0.1', false, true],
    ['127.255.0.9', false, true],
    ['::1', false, true],
    ['::ffff:127.0.0.1', false, true],
    ['128.0.0.1', false, false],
    ['::2', false, false],
    ['0.0.0.1', false, false],
    ['::ffff:0.0.0.0', false, false],
  ];
  for (const [text, unspecified, loopback] of table) {
    const ip = parseIP(text)!;
    assert.equal(isUnspecified(ip), unspecified, `${text} unspecified`);
    assert.equal(isLoopback(ip), loopback, `${text} loopback`);
  }
});
