import assert from 'node:assert/strict';
import { test } from 'node:test';
import proxyaddr from 'proxy-addr';
import { formatIP, ipFromBytes, parseIP } from './address.ts';
import { parseCidr } from './cidr.ts';
import { PrefixSet } from './prefix-set.ts';
import { isNamedRange, NAMED_RANGES } from './ranges.ts';

test('every named range is a list of canonical CIDRs', () => {
  for (const [name, cidrs] of Object.entries(NAMED_RANGES)) {
    assert.ok(cidrs.length > 0, name);
    for (const text of cidrs) assert.equal(parseCidr(text).text, text, `${name}: ${text}`);
  }
});

test('named ranges are frozen', () => {
  assert.ok(Object.isFrozen(NAMED_RANGES));
  for (const cidrs of Object.values(NAMED_RANGES)) assert.ok(Object.isFrozen(cidrs));
});

test('the required names exist with the documented networks', () => {
  assert.deepEqual(NAMED_RANGES.loopback, ['127.0.0.0/8', '::1/128']);
  assert.deepEqual(NAMED_RANGES.linklocal, ['169.254.0.0/16', 'fe80::/10']);
  assert.deepEqual(NAMED_RANGES.uniquelocal, ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']);
  assert.deepEqual(NAMED_RANGES.cgnat, ['100.64.0.0/10']);
  assert.deepEqual(NAMED_RANGES.benchmarking, ['198.18.0.0/15']);
  assert.deepEqual(NAMED_RANGES.documentation, ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32']);
  assert.deepEqual(NAMED_RANGES.any, ['0.0.0.0/0', '::/0']);
  const union = [
    ...NAMED_RANGES.loopback!,
    ...NAMED_RANGES.linklocal!,
    ...NAMED_RANGES.uniquelocal!,
    ...NAMED_RANGES.cgnat!,
  ];
  assert.deepEqual(
    [...NAMED_RANGES.private!].sort(),
    union.sort(),
    'private = loopback ∪ linklocal ∪ uniquelocal ∪ cgnat',
  );
});

const names: Array<[string, boolean]> = [
  ['loopback', true],
  ['private', true],
  ['any', true],
  ['Loopback', false],
  ['toString', false],
  ['__proto__', false],
  ['constructor', false],
  ['', false],
];
for (const [name, want] of names) {
  test(`${want ? '' : 'fail: '}isNamedRange(${JSON.stringify(name)}) is ${want}`, () =>
    assert.equal(isNamedRange(name), want));
}

/**
 * proxy-addr (Express `trust proxy`) defines loopback, linklocal and uniquelocal; ours must hold
 * exactly the same addresses. Probe the edges of every network and pseudo-random addresses.
 */
test('loopback, linklocal, uniquelocal match proxy-addr exactly', () => {
  const probes: string[] = ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.0.1', '::ffff:8.8.8.8'];
  for (const cidrs of [NAMED_RANGES.loopback!, NAMED_RANGES.linklocal!, NAMED_RANGES.uniquelocal!]) {
    for (const text of cidrs) {
      const cidr = parseCidr(text);
      const bytes = cidr.ip.family === 4 ? 4 : 16;
      const first = [...ipToArray(cidr.ip.family, cidr.ip)];
      const last = first.map((b, i) => {
        const hostBits = Math.max(0, Math.min(8, (i + 1) * 8 - cidr.prefix));
        return b | ((1 << hostBits) - 1);
      });
      for (const edge of [first, last]) {
        for (const delta of [-1, 0, 1])
          probes.push(formatIP(ipFromBytes(addToBytes(edge, delta), 0, bytes === 4 ? 4 : 6)));
      }
    }
  }
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  for (let i = 0; i < 2000; i++) {
    const top = [10, 127, 169, 172, 192, 0xfe, 0xfc, 0xfd, rand() & 255][i % 9]!;
    if (i % 2 === 0) probes.push(`${top}.${rand() & 255}.${rand() & 255}.${rand() & 255}`);
    else
      probes.push(
        formatIP(
          ipFromBytes(
            Uint8Array.from({ length: 16 }, (_, k) => (k === 0 ? top : rand() & 255)),
            0,
            6,
          ),
        ),
      );
  }
  for (const name of ['loopback', 'linklocal', 'uniquelocal']) {
    const theirs = proxyaddr.compile(name);
    const ours = PrefixSet.compile([name]);
    for (const probe of probes) {
      assert.equal(ours.has(parseIP(probe)!), theirs(probe, 0), `${name} ${probe}`);
    }
  }
});

function ipToArray(family: 4 | 6, ip: { w0: number; w1: number; w2: number; w3: number }): Uint8Array {
  const words = family === 4 ? [ip.w3] : [ip.w0, ip.w1, ip.w2, ip.w3];
  return Uint8Array.from(words.flatMap((w) => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255]));
}

/** Big-endian add of -1, 0 or +1, wrapping. */
function addToBytes(bytes: number[], delta: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = out.length - 1; i >= 0 && delta !== 0; i--) {
    const v = out[i]! + delta;
    out[i] = v & 255;
    delta = v < 0 ? -1 : v > 255 ? 1 : 0;
  }
  return out;
}
