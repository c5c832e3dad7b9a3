/**
 * Properties of the IP/CIDR library. Time-boxed: 200 runs per property in `npm test`,
 * SOURCEIP_FUZZ_RUNS runs in `npm run fuzz`.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import proxyaddr from 'proxy-addr';
import { InvalidCidrError } from '../errors.ts';
import {
  equalIP,
  formatEndpoint,
  formatIP,
  ipFromBytes,
  ipToBytes,
  isIPv4Mapped,
  maskIP,
  parseEndpoint,
  parseIP,
  parseIPv4Number,
  unmapIPv4,
} from './address.ts';
import { cidrContains, parseCidr } from './cidr.ts';
import { PrefixSet } from './prefix-set.ts';
import type { IPAddress } from './types.ts';

const numRuns = Number(process.env.SOURCEIP_FUZZ_RUNS) || 200;
const params = { numRuns };

const word = fc.integer({ min: 0, max: 0xffffffff });
/** Words biased towards zero groups, so `::` compression paths are exercised. */
const sparseWord = fc.oneof(
  word,
  fc.constant(0),
  fc.integer({ min: 0, max: 0xffff }),
  word.map((w) => (w & 0xffff0000) >>> 0),
  fc.constant(0xffff),
);
const zoneText = fc.stringMatching(/^[A-Za-z0-9._~:-]{1,8}$/);

const ipv4 = word.map((w3): IPAddress => ({ family: 4, w0: 0, w1: 0, w2: 0, w3, zone: '' }));
const ipv6 = fc
  .record({ w0: sparseWord, w1: sparseWord, w2: sparseWord, w3: sparseWord, zone: fc.oneof(fc.constant(''), zoneText) })
  .map((r): IPAddress => ({ family: 6, ...r }));
const mapped = word.map((w3): IPAddress => ({ family: 6, w0: 0, w1: 0, w2: 0xffff, w3, zone: '' }));
const anyIP = fc.oneof(ipv4, ipv6, mapped);

const junk = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .array(fc.constantFrom(...'0123456789abcdefABCDEF:.%[]/ \t,;"-x'.split(''), '::ffff:', '255.', 'eth0'), {
      maxLength: 30,
    })
    .map((a) => a.join('')),
);

function groupsOf(ip: IPAddress): number[] {
  return [ip.w0, ip.w1, ip.w2, ip.w3].flatMap((w) => [w >>> 16, w & 0xffff]);
}

/** Any valid RFC 4291 §2.2 spelling of an IPv6 address, chosen by `choice`. */
function spell(ip: IPAddress, choice: { pad: number[]; upper: boolean[]; dotted: boolean; gap: number }): string {
  const g = groupsOf(ip);
  const hex = (k: number) => {
    let s = g[k]!.toString(16);
    s = '0'.repeat(Math.min(choice.pad[k]! % 4, 4 - s.length)) + s;
    return choice.upper[k] ? s.toUpperCase() : s;
  };
  const last = choice.dotted ? 6 : 8;
  const parts: string[] = [];
  for (let k = 0; k < last; k++) parts.push(hex(k));
  const tail = choice.dotted ? `${g[6]! >>> 8}.${g[6]! & 255}.${g[7]! >>> 8}.${g[7]! & 255}` : '';
  // Compress some run of zero groups (any run, not only the longest).
  const runs: Array<[number, number]> = [];
  for (let k = 0; k < last; k++) {
    if (g[k] !== 0) continue;
    let e = k;
    while (e + 1 < last && g[e + 1] === 0) e++;
    for (let a = k; a <= e; a++) for (let b = a; b <= e; b++) runs.push([a, b]);
    k = e;
  }
  let text: string;
  if (runs.length > 0 && choice.gap % (runs.length + 1) !== runs.length) {
    const [a, b] = runs[choice.gap % (runs.length + 1)]!;
    const head = parts.slice(0, a).join(':');
    const rest = parts.slice(b + 1);
    if (tail) rest.push(tail);
    text = `${head}::${rest.join(':')}`;
  } else {
    if (tail) parts.push(tail);
    text = parts.join(':');
  }
  return ip.zone ? `${text}%${ip.zone}` : text;
}

const spelling = fc.record({
  pad: fc.array(fc.nat(3), { minLength: 8, maxLength: 8 }),
  upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  dotted: fc.boolean(),
  gap: fc.nat(),
});

test('parseIP(formatIP(ip)) equals ip', () => {
  fc.assert(
    fc.property(anyIP, (ip) => {
      const parsed = parseIP(formatIP(ip));
      assert.ok(parsed);
      assert.ok(equalIP(parsed, ip), `${formatIP(ip)}`);
    }),
    params,
  );
});

test('every RFC 4291 spelling parses to the same address', () => {
  fc.assert(
    fc.property(fc.oneof(ipv6, mapped), spelling, (ip, choice) => {
      const text = spell(ip, choice);
      const parsed = parseIP(text);
      assert.ok(parsed, text);
      assert.ok(equalIP(parsed, ip), text);
    }),
    params,
  );
});

test('formatIP∘parseIP is idempotent on canonical text', () => {
  fc.assert(
    fc.property(fc.oneof(ipv6, mapped), spelling, (ip, choice) => {
      const canonical = formatIP(parseIP(spell(ip, choice))!);
      assert.equal(formatIP(parseIP(canonical)!), canonical);
    }),
    params,
  );
});

test('formatIP agrees with the WHATWG URL IPv6 serializer (RFC 5952 compression)', () => {
  fc.assert(
    fc.property(ipv6, (ip) => {
      fc.pre(!isIPv4Mapped(ip));
      const text = formatIP({ ...ip, zone: '' });
      assert.equal(new URL(`http://[${text}]/`).hostname, `[${text}]`);
    }),
    params,
  );
});

/** Near-valid text: a valid spelling with one character deleted, replaced or inserted. */
const mutatedSpelling = fc
  .tuple(fc.oneof(ipv6, mapped), spelling, fc.nat(), fc.constantFrom('', ':', '.', '0', 'f', 'g', '::', '1.2', '%'))
  .map(([ip, choice, at, insert]) => {
    const text = spell({ ...ip, zone: '' }, choice);
    const i = at % (text.length + 1);
    const kind = at % 3;
    return kind === 0
      ? text.slice(0, i) + text.slice(i + 1)
      : text.slice(0, i) + insert + text.slice(i + (kind === 1 ? 1 : 0));
  });
/** Dotted text with 3–5 parts of 0–300, sometimes zero-padded. */
const dotted = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.nat(2)), { minLength: 3, maxLength: 5 })
  .map((parts) => parts.map(([n, pad]) => '0'.repeat(pad === 2 ? 1 : 0) + String(n)).join('.'));
const chunks = fc
  .array(fc.constantFrom(...'0123456789abcdefABCDEF:.:.:0'.split(''), 'ffff', '::', '255', '256', '00', 'g'), {
    maxLength: 24,
  })
  .map((a) => a.join(''));

test('parseIP accepts exactly what node:net isIP accepts (zone-free text)', () => {
  fc.assert(
    fc.property(fc.oneof(chunks, mutatedSpelling, dotted), (text) => {
      assert.equal(parseIP(text) !== null, net.isIP(text) !== 0, JSON.stringify(text));
      assert.equal(parseIPv4Number(text) >= 0, net.isIPv4(text), JSON.stringify(text));
    }),
    { numRuns: numRuns * 10 },
  );
});

test('ipFromBytes∘ipToBytes round trip', () => {
  fc.assert(
    fc.property(anyIP, (ip) => {
      const bytes = ipToBytes(ip);
      assert.equal(bytes.length, ip.family === 4 ? 4 : 16);
      assert.ok(equalIP(ipFromBytes(bytes, 0, ip.family), { ...ip, zone: '' }));
    }),
    params,
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      assert.deepEqual([...ipToBytes(ipFromBytes(bytes, 0, 6))], [...bytes]);
    }),
    params,
  );
});

test('parseEndpoint(formatEndpoint(ip, port)) round trip', () => {
  fc.assert(
    fc.property(anyIP, fc.integer({ min: -1, max: 65535 }), (ip, port) => {
      const e = parseEndpoint(formatEndpoint(ip, port));
      assert.ok(e, formatEndpoint(ip, port));
      assert.ok(equalIP(e.ip, ip));
      assert.equal(e.port, port);
    }),
    params,
  );
});

/** A plain reference for parseEndpoint, written for clarity, not speed. */
function referenceEndpoint(text: string): [string, number] | null {
  const portOf = (p: string) => (/^(0|[1-9][0-9]{0,4})$/.test(p) && Number(p) <= 65535 ? Number(p) : null);
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    const ip = parseIP(text.slice(1, close));
    if (ip === null || ip.family !== 6) return null;
    const rest = text.slice(close + 1);
    if (rest === '') return [formatIP(ip), -1];
    const port = rest.startsWith(':') ? portOf(rest.slice(1)) : null;
    return port === null ? null : [formatIP(ip), port];
  }
  const parts = text.split(':');
  if (parts.length === 2) {
    const ip = parseIP(parts[0]!);
    const port = portOf(parts[1]!);
    return ip === null || ip.family !== 4 || port === null ? null : [formatIP(ip), port];
  }
  const ip = parseIP(text);
  return ip === null ? null : [formatIP(ip), -1];
}

test('parseEndpoint agrees with a plain reference on near-valid endpoints', () => {
  const endpointText = fc
    .tuple(anyIP, fc.integer({ min: -1, max: 70000 }), fc.nat(), fc.constantFrom('', ':', '[', ']', '0', '.', '%', 'x'))
    .map(([ip, port, at, insert]) => {
      const text = port > 65535 ? `${formatEndpoint(ip, -1)}:${port}` : formatEndpoint(ip, port);
      const i = at % (text.length + 1);
      const kind = at % 4;
      if (kind === 3) return text;
      return kind === 0
        ? text.slice(0, i) + text.slice(i + 1)
        : text.slice(0, i) + insert + text.slice(i + (kind === 1 ? 1 : 0));
    });
  fc.assert(
    fc.property(fc.oneof(endpointText, junk), (text) => {
      const e = parseEndpoint(text);
      assert.deepEqual(e === null ? null : [formatIP(e.ip), e.port], referenceEndpoint(text), JSON.stringify(text));
    }),
    { numRuns: numRuns * 10 },
  );
});

/** 128 bits of an address, IPv4 as its IPv4-mapped form. */
function bits128(ip: IPAddress): number[] {
  const words = ip.family === 4 ? [0, 0, 0xffff, ip.w3] : [ip.w0, ip.w1, ip.w2, ip.w3];
  const out: number[] = [];
  for (const w of words) for (let b = 31; b >= 0; b--) out.push(Math.floor(w / 2 ** b) % 2);
  return out;
}

const cidrGen = fc.oneof(
  fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })),
  fc.tuple(fc.oneof(ipv6, mapped), fc.integer({ min: 0, max: 128 })),
);

test('cidrContains agrees with a bit-by-bit reference', () => {
  // Probe addresses near the network as well as random ones.
  fc.assert(
    fc.property(cidrGen, anyIP, fc.boolean(), ([base, prefix], other, near) => {
      const cidr = parseCidr(`${formatIP(maskIP({ ...base, zone: '' }, prefix))}/${prefix}`);
      const probe = near && base.family === other.family ? { ...base, w3: other.w3 } : other;
      const netBits = bits128(cidr.ip);
      const plen = cidr.ip.family === 4 ? cidr.prefix + 96 : cidr.prefix;
      const ipBits = bits128(unmapIPv4(probe));
      // IPv4 space (plain or mapped) and IPv6 networks never match each other.
      let want = (cidr.ip.family === 4) === (unmapIPv4(probe).family === 4);
      for (let b = 0; b < plen; b++) if (netBits[b] !== ipBits[b]) want = false;
      assert.equal(cidrContains(cidr, probe), want, `${cidr.text} ∋ ${formatIP(probe)}`);
      assert.equal(PrefixSet.compile([cidr.text]).has(probe), want, `set ${cidr.text} ∋ ${formatIP(probe)}`);
    }),
    params,
  );
});

test('single-network matching agrees with proxy-addr (Express trust proxy), both families', () => {
  // proxy-addr rejects /0, so prefixes start at 1; probes carry no zone (ipaddr.js and we differ there).
  const network = fc.oneof(
    fc.tuple(ipv4, fc.integer({ min: 1, max: 32 })),
    fc.tuple(fc.oneof(ipv6, mapped), fc.integer({ min: 1, max: 128 })),
  );
  fc.assert(
    fc.property(network, anyIP, fc.boolean(), ([base, prefix], other, near) => {
      const text = `${formatIP(maskIP({ ...base, zone: '' }, prefix))}/${prefix}`;
      const probe = { ...(near && base.family === other.family ? { ...base, w3: other.w3 } : other), zone: '' };
      const theirs = proxyaddr.compile(text)(formatIP(probe), 0);
      assert.equal(cidrContains(parseCidr(text), probe), theirs, `${text} ∋ ${formatIP(probe)}`);
      assert.equal(PrefixSet.compile([text]).has(probe), theirs, `set ${text} ∋ ${formatIP(probe)}`);
    }),
    params,
  );
});

test('PrefixSet.has agrees with some(cidrContains) over random sets', () => {
  fc.assert(
    fc.property(fc.array(cidrGen, { maxLength: 12 }), fc.array(anyIP, { maxLength: 20 }), (bases, probes) => {
      const cidrs = bases.map(([ip, p]) => parseCidr(`${formatIP(maskIP({ ...ip, zone: '' }, p))}/${p}`));
      const set = PrefixSet.compile(cidrs.map((c) => c.text));
      // Probe the networks' own addresses as well as random ones.
      for (const ip of [...probes, ...cidrs.map((c) => c.ip)]) {
        const containing = cidrs.filter((c) => cidrContains(c, ip));
        assert.equal(set.has(ip), containing.length > 0, formatIP(ip));
        const match = set.match(ip);
        if (match !== undefined) assert.ok(cidrContains(parseCidr(match), ip));
      }
    }),
    params,
  );
});

test('no parser throws on arbitrary strings and slices', () => {
  fc.assert(
    fc.property(junk, fc.integer({ min: -3, max: 70 }), fc.integer({ min: -3, max: 70 }), (text, a, b) => {
      parseIP(text);
      parseIPv4Number(text);
      parseEndpoint(text);
      parseIP(text, a, b);
      parseIPv4Number(text, a, b);
      parseEndpoint(text, a, b);
      const ip = parseIP(text);
      if (ip) assert.ok(equalIP(parseIP(formatIP(ip))!, ip));
    }),
    { numRuns: numRuns * 5 },
  );
});

test('parsing a slice equals parsing the sliced text (bounds clamped)', () => {
  const bound = fc.oneof(fc.integer({ min: -3, max: 70 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0));
  fc.assert(
    fc.property(
      fc.oneof(
        junk,
        anyIP.map((ip) => `x${formatEndpoint(ip, 80)}y`),
      ),
      bound,
      bound,
      (text, a, b) => {
        const from = Number.isNaN(a) ? 0 : Math.max(a, 0);
        const to = Number.isNaN(b) ? text.length : Math.min(b, text.length);
        const sliced = text.slice(from, Math.max(from, to));
        assert.deepEqual(parseIP(text, a, b), parseIP(sliced), JSON.stringify([text, a, b]));
        assert.deepEqual(parseEndpoint(text, a, b), parseEndpoint(sliced), JSON.stringify([text, a, b]));
        assert.equal(parseIPv4Number(text, a, b), parseIPv4Number(sliced), JSON.stringify([text, a, b]));
      },
    ),
    { numRuns: numRuns * 5 },
  );
});

test('parseCidr and PrefixSet.compile throw only InvalidCidrError', () => {
  fc.assert(
    fc.property(junk, (text) => {
      for (const f of [() => parseCidr(text), () => PrefixSet.compile([text])]) {
        try {
          f();
        } catch (e) {
          assert.ok(e instanceof InvalidCidrError, String(e));
          assert.ok(e.message.length < 200);
        }
      }
    }),
    { numRuns: numRuns * 5 },
  );
});
