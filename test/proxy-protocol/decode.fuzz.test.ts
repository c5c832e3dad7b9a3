/**
 * Fuzz (fast-check) for decodeProxyHeader: mutations of valid headers plus random bytes, split at
 * random points. Asserts it never throws, never answers `ok` for a header an independent,
 * deliberately plain validator (below: regexes, node:net, bit-by-bit CRC32C) refuses, answers
 * the same however the bytes are split, and always answers within a bounded number of bytes.
 * Runs are few in `npm test`; `npm run fuzz` sets SOURCEIP_FUZZ_RUNS.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeProxyHeader } from '../../src/core/proxy-protocol/decode.ts';
import { decodeVectors } from '../../src/core/proxy-protocol/decode.vectors.ts';
import { encodeProxyHeader } from '../../src/core/proxy-protocol/encode.ts';
import type { ProxyDecodeResult } from '../../src/core/proxy-protocol/types.ts';

const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 400);

// ---- the independent validator --------------------------------------------------------------

interface RefHeader {
  version: 1 | 2;
  command: 'PROXY' | 'LOCAL';
  family: string;
  source?: string;
  sourcePort?: number;
  destination?: string;
  destinationPort?: number;
  tlvTypes: number[];
}

function refCrc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

const PORT = /^(0|[1-9][0-9]{0,4})$/;

/** A complete v1 line including CRLF, or null when it breaks a rule of §2.1. */
function refV1(line: string): RefHeader | null {
  if (line.length > 107 || !line.endsWith('\r\n')) return null;
  const body = line.slice(0, -2);
  if (body.includes('\r') || body.includes('\n')) return null;
  if (body === 'PROXY UNKNOWN' || body.startsWith('PROXY UNKNOWN ')) {
    return { version: 1, command: 'PROXY', family: 'UNKNOWN', tlvTypes: [] };
  }
  const parts = body.split(' ');
  if (parts.length !== 6 || parts[0] !== 'PROXY') return null;
  const [, fam, src, dst, sp, dp] = parts as [string, string, string, string, string, string];
  if (fam !== 'TCP4' && fam !== 'TCP6') return null;
  const okAddr = (a: string) => (fam === 'TCP4' ? net.isIPv4(a) : net.isIPv6(a) && /^[0-9A-Fa-f:.]+$/.test(a));
  if (!okAddr(src) || !okAddr(dst)) return null;
  if (!PORT.test(sp) || !PORT.test(dp) || Number(sp) > 65535 || Number(dp) > 65535) return null;
  return {
    version: 1,
    command: 'PROXY',
    family: fam,
    source: src,
    sourcePort: Number(sp),
    destination: dst,
    destinationPort: Number(dp),
    tlvTypes: [],
  };
}

const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** Rules decidable from the 16 fixed bytes (§2.2). */
function refV2FixedOk(h: Uint8Array): boolean {
  const ver = h[12]! >> 4;
  const cmd = h[12]! & 15;
  const af = h[13]! >> 4;
  const proto = h[13]! & 15;
  if (ver !== 2 || cmd > 1 || af > 3 || proto > 2) return false;
  const len = (h[14]! << 8) | h[15]!;
  const need = af === 0 || proto === 0 ? 0 : [0, 12, 36, 216][af]!;
  return cmd === 0 || len >= need;
}

/** Exactly one v2 header (16 + len bytes), or null when it breaks a rule of §2.2. */
function refV2(h: Uint8Array): RefHeader | null {
  if (!refV2FixedOk(h)) return null;
  const cmd = h[12]! & 15;
  const af = h[13]! >> 4;
  const proto = h[13]! & 15;
  const len = (h[14]! << 8) | h[15]!;
  if (h.length !== 16 + len) return null;
  const need = af === 0 || proto === 0 ? 0 : [0, 12, 36, 216][af]!;
  const names: Record<number, string> = { 17: 'TCP4', 18: 'UDP4', 33: 'TCP6', 34: 'UDP6', 49: 'UNIX', 50: 'UNIX' };
  const family = names[h[13]!] ?? 'UNSPEC';
  const out: RefHeader = { version: 2, command: cmd === 0 ? 'LOCAL' : 'PROXY', family, tlvTypes: [] };
  let i = 16 + need;
  if (cmd === 0 && len < need) i = h.length;
  if (cmd === 1 && (need === 12 || need === 36)) {
    const size = need === 12 ? 4 : 16;
    const addr = (at: number) =>
      size === 4
        ? [...h.subarray(at, at + 4)].join('.')
        : Array.from({ length: 8 }, (_, g) => ((h[at + 2 * g]! << 8) | h[at + 2 * g + 1]!).toString(16)).join(':');
    out.source = addr(16);
    out.destination = addr(16 + size);
    out.sourcePort = (h[16 + 2 * size]! << 8) | h[17 + 2 * size]!;
    out.destinationPort = (h[18 + 2 * size]! << 8) | h[19 + 2 * size]!;
  }
  let crcs = 0;
  while (i < h.length) {
    if (i + 3 > h.length) return null;
    const type = h[i]!;
    const vlen = (h[i + 1]! << 8) | h[i + 2]!;
    const value = h.subarray(i + 3, i + 3 + vlen);
    if (value.length !== vlen) return null;
    if (type === 0x03) {
      if (vlen !== 4 || ++crcs > 1) return null;
      const copy = Uint8Array.from(h);
      copy.fill(0, i + 3, i + 7);
      const sent = new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
      if (refCrc32c(copy) !== sent) return null;
    }
    if (type === 0x05 && vlen > 128) return null;
    if (type === 0x20) {
      if (vlen < 5) return null;
      let j = 5;
      while (j < vlen) {
        if (j + 3 > vlen) return null;
        j += 3 + ((value[j + 1]! << 8) | value[j + 2]!);
        if (j > vlen) return null;
      }
    }
    out.tlvTypes.push(type);
    i += 3 + vlen;
  }
  return out;
}

const sameIP = (a: string | undefined, b: string | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    new net.SocketAddress({ address: a, family: a.includes(':') ? 'ipv6' : 'ipv4' }).address ===
      new net.SocketAddress({ address: b, family: b.includes(':') ? 'ipv6' : 'ipv4' }).address);

/** Checks one decoder answer against the reference. */
function agree(bytes: Uint8Array, got: ProxyDecodeResult): void {
  if (bytes.length === 0) {
    assert.equal(got.status, 'incomplete');
    return;
  }
  const isV2 = bytes[0] === 0x0d;
  const isV1 = bytes[0] === 0x50;
  const sigLen = isV2 ? 12 : 5;
  const sig = isV2 ? SIG : [0x50, 0x52, 0x4f, 0x58, 0x59];
  const matches = (isV1 || isV2) && sig.slice(0, Math.min(sigLen, bytes.length)).every((b, i) => bytes[i] === b);
  if (!matches) {
    assert.equal(got.status, 'absent');
    return;
  }
  if (got.status === 'absent') assert.fail('a signature prefix answered absent');
  if (got.status === 'ok') {
    const h = got.header;
    const exact = bytes.subarray(0, h.headerLength);
    const ref = isV2 ? refV2(exact) : refV1(Buffer.from(exact).toString('latin1'));
    assert.ok(ref !== null, `ok for a header the reference refuses: ${Buffer.from(exact).toString('hex')}`);
    assert.equal(h.version, ref.version);
    assert.equal(h.command, ref.command);
    assert.equal(h.family, ref.family);
    assert.equal(h.sourcePort, ref.sourcePort);
    assert.equal(h.destinationPort, ref.destinationPort);
    if (h.family !== 'UNIX') {
      assert.ok(sameIP(h.source, ref.source), `${h.source} vs ${ref.source}`);
      assert.ok(sameIP(h.destination, ref.destination));
    }
    assert.deepEqual(
      h.tlvs.map((t) => t.type),
      ref.tlvTypes,
    );
    return;
  }
  // incomplete / invalid: the reference must not find a valid header in what is there.
  if (isV1) {
    const text = Buffer.from(bytes.subarray(0, 107)).toString('latin1');
    const crlf = text.indexOf('\r\n');
    if (crlf >= 0)
      assert.equal(
        refV1(text.slice(0, crlf + 2)),
        null,
        `${got.status} but the reference accepts ${JSON.stringify(text)}`,
      );
    if (got.status === 'incomplete') {
      assert.ok(crlf < 0 && bytes.length < 107, 'incomplete with a CRLF or 107 bytes in');
    }
    return;
  }
  if (bytes.length >= 16) {
    const total = 16 + ((bytes[14]! << 8) | bytes[15]!);
    if (got.status === 'incomplete') {
      assert.ok(
        bytes.length < total && refV2FixedOk(bytes),
        'incomplete although the fixed part is bad or all bytes are in',
      );
    } else if (bytes.length >= total) {
      assert.equal(refV2(bytes.subarray(0, total)), null, 'invalid but the reference accepts');
    } else {
      assert.equal(refV2FixedOk(bytes), false, 'invalid before the body arrived, yet the fixed part is fine');
    }
  }
}

// ---- generators ---------------------------------------------------------------------------

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const port = fc.integer({ min: 0, max: 65535 });
const encodedHeader = fc.oneof(
  fc
    .tuple(fc.oneof(fc.tuple(ipv4, ipv4), fc.tuple(ipv6, ipv6)), port, port)
    .map(([[s, d], sp, dp]) =>
      encodeProxyHeader({ version: 1, source: s, destination: d, sourcePort: sp, destinationPort: dp }),
    ),
  fc
    .tuple(
      fc.oneof(fc.tuple(ipv4, ipv4), fc.tuple(ipv6, ipv6)),
      port,
      port,
      fc.array(
        fc.record({
          type: fc.constantFrom(0x01, 0x02, 0x04, 0x05, 0x20, 0x30, 0xea, 0xf0),
          value: fc.uint8Array({ maxLength: 24 }),
        }),
        {
          maxLength: 3,
        },
      ),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([[s, d], sp, dp, tlvs, crc, local]) => {
      // SSL values need the 5-byte prefix to be valid; give them one so seeds are valid.
      const fixed = tlvs.map((t) => (t.type === 0x20 ? { type: 0x20, value: Uint8Array.from([1, 0, 0, 0, 0]) } : t));
      return encodeProxyHeader({
        version: 2,
        command: local ? 'LOCAL' : 'PROXY',
        source: local ? undefined : s,
        destination: local ? undefined : d,
        sourcePort: sp,
        destinationPort: dp,
        tlvs: fixed,
        crc32c: crc,
      });
    }),
);
const validHeader = fc.oneof(encodedHeader, fc.constantFrom(...decodeVectors.map((v) => v.bytes)));

type Mutation = { kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };
const mutation = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('flip', 'set', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
});

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let out = [...bytes];
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'flip' && out.length) out[at] = out[at]! ^ (1 << (m.byte & 7));
    else if (m.kind === 'set' && out.length) out[at] = m.byte;
    else if (m.kind === 'insert') out.splice(at, 0, m.byte);
    else if (m.kind === 'delete') out.splice(at, 1);
    else if (m.kind === 'truncate') out = out.slice(0, at);
  }
  return Uint8Array.from(out);
}

const input = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(validHeader, fc.array(mutation, { maxLength: 3 }), fc.uint8Array({ maxLength: 16 }))
      .map(([h, ms, tail]) => Uint8Array.from([...mutate(h, ms), ...tail])),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }) },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: fc.constantFrom(...'PROXY TCP46UNKOW:.0123456789abcdef\r\n'), maxLength: 110 })
      .map((s) => Uint8Array.from(Buffer.from(`PROXY ${s}`, 'latin1'))),
  },
);

// ---- properties ---------------------------------------------------------------------------

test('fuzz: never throws, never ok for what the reference validator refuses, agrees on every prefix kind', () => {
  fc.assert(
    fc.property(input, (bytes) => {
      agree(bytes, decodeProxyHeader(bytes));
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: valid headers (any TLVs, CRC32C, LOCAL) decode ok with the reference fields', () => {
  fc.assert(
    fc.property(encodedHeader, fc.uint8Array({ maxLength: 8 }), (h, tail) => {
      const bytes = Uint8Array.from([...h, ...tail]);
      const got = decodeProxyHeader(bytes);
      assert.equal(got.status, 'ok');
      if (got.status === 'ok') assert.equal(got.header.headerLength, h.length);
      agree(bytes, got);
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: the same answer however the bytes are split (re-called with the growing prefix)', () => {
  fc.assert(
    fc.property(input, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
      const whole = decodeProxyHeader(bytes);
      const points = [...new Set(cuts.map((c) => (bytes.length ? c % (bytes.length + 1) : 0)))].sort((a, b) => a - b);
      let first: ProxyDecodeResult | undefined;
      for (const n of [...points, bytes.length]) {
        const got = decodeProxyHeader(bytes.subarray(0, n));
        if (got.status === 'incomplete') {
          assert.equal(first, undefined, 'incomplete after a final answer');
          continue;
        }
        first ??= got;
        assert.deepEqual(got, whole);
      }
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: bounded — with maxLength m, any m bytes get a final answer and nothing past m is read', () => {
  fc.assert(
    fc.property(
      input,
      fc.integer({ min: 232, max: 600 }),
      fc.uint8Array({ minLength: 600, maxLength: 700 }),
      (bytes, m, pad) => {
        const long = Uint8Array.from([...bytes, ...pad]);
        const cut = long.subarray(0, m);
        const got = decodeProxyHeader(cut, { maxLength: m });
        assert.notEqual(got.status, 'incomplete');
        // Bytes after m do not change the answer.
        assert.deepEqual(decodeProxyHeader(long, { maxLength: m }), got);
        if (got.status === 'ok') assert.ok(got.header.headerLength <= m);
      },
    ),
    { numRuns: RUNS },
  );
});
