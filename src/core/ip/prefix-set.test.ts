import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidCidrError } from '../errors.ts';
import { parseIP, parseIPv4Number } from './address.ts';
import { PrefixSet } from './prefix-set.ts';

/** `want`: the configured entry text that matched, or null for no match. */
type Case = { name: string; entries: string[]; ip: string; want: string | null };

const cases: Case[] = [
  { name: 'IPv4 CIDR matches', entries: ['10.0.0.0/8'], ip: '10.1.2.3', want: '10.0.0.0/8' },
  { name: 'fail: IPv4 outside', entries: ['10.0.0.0/8'], ip: '11.1.2.3', want: null },
  { name: 'bare address matches itself', entries: ['192.0.2.1'], ip: '192.0.2.1', want: '192.0.2.1' },
  { name: 'fail: bare address neighbour', entries: ['192.0.2.1'], ip: '192.0.2.2', want: null },
  { name: 'named range reports its name', entries: ['loopback'], ip: '127.0.0.1', want: 'loopback' },
  { name: 'named range IPv6 member', entries: ['loopback'], ip: '::1', want: 'loopback' },
  { name: 'fail: loopback does not hold ::2', entries: ['loopback'], ip: '::2', want: null },
  { name: 'mapped address matches IPv4 entry', entries: ['10.0.0.0/8'], ip: '::ffff:10.0.0.2', want: '10.0.0.0/8' },
  {
    name: 'mapped entry matches IPv4 address',
    entries: ['::ffff:10.0.0.0/104'],
    ip: '10.0.0.2',
    want: '::ffff:10.0.0.0/104',
  },
  {
    name: 'mapped entry matches mapped address',
    entries: ['::ffff:10.0.0.1'],
    ip: '::ffff:10.0.0.1',
    want: '::ffff:10.0.0.1',
  },
  {
    name: 'mapped peer vs listed addresses (proxy-addr vector)',
    entries: ['10.0.0.1', '10.0.0.2'],
    ip: '::ffff:a00:1',
    want: '10.0.0.1',
  },
  { name: 'fail: NAT64 address is not IPv4', entries: ['0.0.0.0/0'], ip: '64:ff9b::1.2.3.4', want: null },
  { name: 'fail: 127.0.0.1 does not trust ::1', entries: ['127.0.0.1'], ip: '::1', want: null },
  { name: 'zone ignored', entries: ['fe80::/10'], ip: 'fe80::1%eth0', want: 'fe80::/10' },
  { name: 'most specific entry wins', entries: ['10.0.0.0/8', '10.1.0.0/16'], ip: '10.1.2.3', want: '10.1.0.0/16' },
  {
    name: 'most specific entry wins either order',
    entries: ['10.1.0.0/16', '10.0.0.0/8'],
    ip: '10.1.2.3',
    want: '10.1.0.0/16',
  },
  {
    name: 'outer entry after the inner one',
    entries: ['10.0.0.0/8', '10.1.0.0/16'],
    ip: '10.2.0.0',
    want: '10.0.0.0/8',
  },
  {
    name: 'outer entry before the inner one',
    entries: ['10.0.0.0/8', '10.1.0.0/16'],
    ip: '10.0.255.255',
    want: '10.0.0.0/8',
  },
  {
    name: 'identical networks: first configured wins',
    entries: ['private', '10.0.0.0/8'],
    ip: '10.0.0.1',
    want: 'private',
  },
  { name: 'identical networks other order', entries: ['10.0.0.0/8', 'private'], ip: '10.0.0.1', want: '10.0.0.0/8' },
  { name: 'private covers CGNAT', entries: ['private'], ip: '100.64.0.1', want: 'private' },
  { name: 'fail: private excludes 100.128.0.0', entries: ['private'], ip: '100.128.0.0', want: null },
  {
    name: 'nested three deep',
    entries: ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24'],
    ip: '10.1.2.3',
    want: '10.1.2.0/24',
  },
  {
    name: 'nested three deep, middle',
    entries: ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24'],
    ip: '10.1.3.0',
    want: '10.1.0.0/16',
  },
  { name: 'IPv6 nested', entries: ['2001:db8::/32', '2001:db8:1::/48'], ip: '2001:db8:1::5', want: '2001:db8:1::/48' },
  {
    name: 'IPv6 nested, outer',
    entries: ['2001:db8::/32', '2001:db8:1::/48'],
    ip: '2001:db8:2::5',
    want: '2001:db8::/32',
  },
  { name: 'fail: IPv6 outside', entries: ['2001:db8::/32'], ip: '2001:db9::', want: null },
  { name: 'IPv6 last address', entries: ['::/0'], ip: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', want: '::/0' },
  { name: 'fail: IPv6 /0 does not cover IPv4', entries: ['::/0'], ip: '8.8.8.8', want: null },
  { name: 'fail: IPv6 /0 does not cover mapped IPv4', entries: ['::/0'], ip: '::ffff:8.8.8.8', want: null },
  { name: 'IPv6 /0 covers NAT64', entries: ['::/0'], ip: '64:ff9b::8.8.8.8', want: '::/0' },
  { name: 'IPv4 /0 does not cover IPv6', entries: ['0.0.0.0/0'], ip: '2001:db8::1', want: null },
  { name: 'any covers IPv4', entries: ['any'], ip: '8.8.8.8', want: 'any' },
  { name: 'any covers IPv6', entries: ['any'], ip: '2001:db8::1', want: 'any' },
  { name: 'IPv4 last address', entries: ['255.255.255.255'], ip: '255.255.255.255', want: '255.255.255.255' },
  { name: 'IPv4 first address', entries: ['0.0.0.0'], ip: '0.0.0.0', want: '0.0.0.0' },
  { name: 'fail: empty set', entries: [], ip: '127.0.0.1', want: null },
  { name: 'adjacent networks', entries: ['10.0.0.0/9', '10.128.0.0/9'], ip: '10.128.0.0', want: '10.128.0.0/9' },
  { name: 'documentation IPv6', entries: ['documentation'], ip: '2001:db8::1', want: 'documentation' },
  { name: 'benchmarking', entries: ['benchmarking'], ip: '198.19.255.255', want: 'benchmarking' },
  { name: 'linklocal v4', entries: ['linklocal'], ip: '169.254.1.1', want: 'linklocal' },
  { name: 'uniquelocal v6', entries: ['uniquelocal'], ip: 'fd00::1', want: 'uniquelocal' },
];

for (const c of cases) {
  test(`PrefixSet: ${c.name}`, () => {
    const set = PrefixSet.compile(c.entries);
    const ip = parseIP(c.ip)!;
    assert.ok(ip, c.ip);
    assert.equal(set.match(ip), c.want ?? undefined);
    assert.equal(set.has(ip), c.want !== null);
    const n = parseIPv4Number(c.ip);
    if (n >= 0) assert.equal(set.hasIPv4(n), c.want !== null, 'hasIPv4 agrees with has');
  });
}

test('PrefixSet: entries, isEmpty, trustsEverything', () => {
  const set = PrefixSet.compile(['loopback', '10.0.0.0/8']);
  assert.deepEqual(set.entries, ['loopback', '10.0.0.0/8']);
  assert.ok(Object.isFrozen(set.entries));
  assert.equal(set.isEmpty, false);
  assert.equal(set.trustsEverything, false);
  assert.equal(PrefixSet.EMPTY.isEmpty, true);
  assert.equal(PrefixSet.EMPTY.has(parseIP('127.0.0.1')!), false);
  assert.equal(PrefixSet.EMPTY.trustsEverything, false);
  for (const all of [['any'], ['0.0.0.0/0'], ['::/0'], ['127.0.0.1', '::ffff:0.0.0.0/96']]) {
    assert.equal(PrefixSet.compile(all).trustsEverything, true, all.join());
  }
  assert.equal(PrefixSet.compile(['0.0.0.0/1', '128.0.0.0/1']).trustsEverything, false, 'only a /0 counts');
});

test('PrefixSet: the entries array is copied', () => {
  const entries = ['10.0.0.0/8'];
  const set = PrefixSet.compile(entries);
  entries.push('0.0.0.0/0');
  assert.deepEqual(set.entries, ['10.0.0.0/8']);
});

test('PrefixSet: hasIPv4 takes unsigned or signed 32-bit values', () => {
  const set = PrefixSet.compile(['255.0.0.0/8']);
  assert.equal(set.hasIPv4(0xff000001), true);
  assert.equal(set.hasIPv4(0xff000001 | 0), true);
  assert.equal(set.hasIPv4(0x7f000001), false);
});

const bad: Array<{ name: string; entries: string[]; error: string }> = [
  { name: 'fail: unknown name lists the names', entries: ['loopbak'], error: 'named range (loopback, linklocal' },
  { name: 'fail: names are lowercase', entries: ['Loopback'], error: 'named range' },
  { name: 'fail: unknown name with digits', entries: ['loopback6'], error: 'named range (loopback' },
  { name: 'fail: non-canonical address', entries: ['010.0.0.1'], error: 'not an IP address, CIDR or named range' },
  { name: 'fail: CSV is not split here', entries: ['10.0.0.0/8, 127.0.0.1'], error: 'decimal digits' },
  { name: 'fail: host bits', entries: ['loopback', '10.1.2.3/8'], error: 'did you mean 10.0.0.0/8?' },
  { name: 'fail: empty entry', entries: [''], error: 'empty' },
  { name: 'fail: zone', entries: ['fe80::1%eth0'], error: 'zone' },
  { name: 'fail: proxy-addr netmask', entries: ['10.0.0.0/255.0.0.0'], error: 'write /8' },
];
for (const c of bad) {
  test(`PrefixSet.compile: ${c.name}`, () => {
    assert.throws(
      () => PrefixSet.compile(c.entries),
      (e: unknown) =>
        e instanceof InvalidCidrError &&
        e.input === c.entries[c.entries.length - 1] &&
        e.message.includes(c.error) &&
        e.message.includes(JSON.stringify(e.input)),
    );
  });
}

test('PrefixSet: many entries agree with a linear scan', () => {
  // Deterministic pseudo-random networks, some nested, across both families.
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const entries: string[] = [];
  for (let i = 0; i < 300; i++) {
    const prefix = 8 + (rand() % 25);
    const addr = (rand() & (prefix === 32 ? 0xffffffff : ~(0xffffffff >>> prefix))) >>> 0;
    entries.push(`${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${prefix}`);
  }
  const set = PrefixSet.compile(entries);
  const nets = entries.map((e) => {
    const [a, p] = e.split('/');
    return { net: parseIPv4Number(a!), prefix: Number(p), text: e };
  });
  for (let i = 0; i < 5000; i++) {
    // Half the probes near a configured network, half anywhere.
    const near = nets[rand() % nets.length]!;
    const ip = i % 2 === 0 ? (near.net + (rand() % 4096)) >>> 0 : rand();
    const containing = nets.filter((n) => n.prefix === 0 || ip >>> (32 - n.prefix) === n.net >>> (32 - n.prefix));
    const best = containing.reduce<(typeof nets)[number] | undefined>(
      (acc, n) => (acc === undefined || n.prefix > acc.prefix ? n : acc),
      undefined,
    );
    assert.equal(set.hasIPv4(ip), containing.length > 0, `ip ${ip}`);
    assert.equal(set.match(parseIP(`${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`)!), best?.text);
  }
});

test('PrefixSet.hasIPv6Words: the same answer as has() on the address object', () => {
  const set = PrefixSet.compile(['fd00::/8', '2001:db8:1::/48', '2001:db8:1:2::5', '10.0.0.0/8', 'loopback']);
  const probes = [
    'fd00::1',
    'fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'fe00::',
    '2001:db8:1:ffff::1',
    '2001:db8:2::1',
    '2001:db8:1:2::5',
    '2001:db8:1:2::4',
    '::1',
    '::2',
    '::ffff:10.1.2.3',
    '::ffff:11.1.2.3',
    '::10.1.2.3',
    '::',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  ];
  let seed = 99;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const addresses = probes.map((p) => parseIP(p)!);
  for (let i = 0; i < 2000; i++) {
    // Random words, half of them inside fd00::/8 or 2001:db8:1::/48.
    const w0 = i % 4 === 0 ? 0xfd000000 + (rand() & 0xffffff) : i % 4 === 1 ? 0x20010db8 : rand();
    const w1 = i % 4 === 1 ? 0x00010000 + (rand() & 0x3) : rand();
    addresses.push({ family: 6, w0, w1, w2: rand(), w3: rand(), zone: '' });
  }
  let hits = 0;
  for (const ip of addresses) {
    const want = set.has(ip);
    if (want) hits++;
    assert.equal(set.hasIPv6Words(ip.w0, ip.w1, ip.w2, ip.w3), want, JSON.stringify(ip));
  }
  // Both answers occur, so the comparison means something.
  assert.ok(hits > 100 && hits < addresses.length - 100, `hits ${hits}`);
});
