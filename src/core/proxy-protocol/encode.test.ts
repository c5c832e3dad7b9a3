import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SourceIpError } from '../errors.ts';
import { decodeProxyHeader } from './decode.ts';
import { type EncodeProxyHeaderOptions, encodeProxyHeader } from './encode.ts';

const text = (b: Uint8Array) => String.fromCharCode(...b);
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

type Case = { name: string; options: EncodeProxyHeaderOptions; want?: string; wantHex?: string; error?: RegExp };
const cases: Case[] = [
  {
    name: 'v1 TCP4',
    options: { version: 1, source: '203.0.113.7', sourcePort: 51234, destination: '198.18.0.10', destinationPort: 443 },
    want: 'PROXY TCP4 203.0.113.7 198.18.0.10 51234 443\r\n',
  },
  {
    name: 'v1 TCP6 printed RFC 5952',
    options: { version: 1, source: '2001:DB8:0:0:0:0:0:7', sourcePort: 1, destination: '::1', destinationPort: 2 },
    want: 'PROXY TCP6 2001:db8::7 ::1 1 2\r\n',
  },
  { name: 'v1 UNKNOWN', options: { version: 1, family: 'UNKNOWN' }, want: 'PROXY UNKNOWN\r\n' },
  {
    name: 'v2 TCP4 no TLV',
    options: { version: 2, source: '203.0.113.7', sourcePort: 51234, destination: '198.18.0.10', destinationPort: 443 },
    wantHex: '0d0a0d0a000d0a515549540a2111000ccb007107c612000ac82201bb',
  },
  { name: 'v2 LOCAL', options: { version: 2, command: 'LOCAL' }, wantHex: '0d0a0d0a000d0a515549540a20000000' },
  {
    name: 'v2 TCP4 with CRC32C (checked against the decoder)',
    options: { version: 2, source: '1.2.3.4', sourcePort: 1, destination: '5.6.7.8', destinationPort: 2, crc32c: true },
  },
  {
    name: 'fail: v1 with TLVs',
    options: { version: 1, source: '1.2.3.4', destination: '1.2.3.4', tlvs: [{ type: 1, value: new Uint8Array(1) }] },
    error: /TLV/,
  },
  { name: 'fail: v1 mixed families', options: { version: 1, source: '1.2.3.4', destination: '::1' }, error: /IPv4/ },
  {
    name: 'fail: port out of range',
    options: { version: 2, source: '1.2.3.4', sourcePort: 70000, destination: '1.2.3.4' },
    error: /port/,
  },
  { name: 'fail: not an address', options: { version: 2, source: 'nope', destination: '1.2.3.4' }, error: /nope/ },
  {
    name: 'fail: UNIQUE_ID over 128 bytes',
    options: { version: 2, command: 'LOCAL', tlvs: [{ type: 5, value: new Uint8Array(129) }] },
    error: /UNIQUE_ID/,
  },
  { name: 'fail: v2 family UNKNOWN', options: { version: 2, family: 'UNKNOWN' }, error: /UNKNOWN/ },
];
for (const c of cases) {
  test(c.name, () => {
    if (c.error) {
      assert.throws(
        () => encodeProxyHeader(c.options),
        (e: unknown) => e instanceof SourceIpError && c.error!.test(e.message),
      );
      return;
    }
    const out = encodeProxyHeader(c.options);
    if (c.want !== undefined) assert.equal(text(out), c.want);
    if (c.wantHex !== undefined) assert.equal(toHex(out), c.wantHex);
    const back = decodeProxyHeader(out);
    assert.equal(back.status, 'ok', JSON.stringify(back));
    if (back.status === 'ok') assert.equal(back.header.headerLength, out.length);
  });
}

test('v2 CRC32C: length covers the TLV, a flipped address bit fails the check', () => {
  const out = encodeProxyHeader({
    version: 2,
    source: '127.0.0.1',
    sourcePort: 40000,
    destination: '127.0.0.1',
    destinationPort: 8080,
    crc32c: true,
  });
  assert.equal(toHex(out.subarray(0, 28)), '0d0a0d0a000d0a515549540a211100137f0000017f0000019c401f90');
  assert.equal(decodeProxyHeader(out).status, 'ok');
  const bad = Uint8Array.from(out);
  bad[20] ^= 1;
  assert.deepEqual(decodeProxyHeader(bad), { status: 'invalid', reason: 'v2-crc32c-mismatch' });
});

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const port = fc.integer({ min: 0, max: 65535 });
const tlvArb = fc.record({
  type: fc.integer({ min: 0, max: 255 }).filter((t) => t !== 0x03 && t !== 0x05 && t !== 0x20),
  value: fc.uint8Array({ maxLength: 40 }),
});

test('round trip: decode(encode(x)) gives back x, for v1 and v2, v4 and v6, with TLVs and CRC32C', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<1 | 2>(1, 2),
      fc.oneof(fc.tuple(ipv4, ipv4), fc.tuple(ipv6, ipv6)),
      port,
      port,
      fc.array(tlvArb, { maxLength: 4 }),
      fc.boolean(),
      (version, [source, destination], sourcePort, destinationPort, tlvs, crc) => {
        const opts = version === 1 ? {} : { tlvs, crc32c: crc };
        const out = encodeProxyHeader({ version, source, sourcePort, destination, destinationPort, ...opts });
        const got = decodeProxyHeader(out);
        assert.equal(got.status, 'ok');
        if (got.status !== 'ok') return;
        const h = got.header;
        assert.equal(h.version, version);
        assert.equal(h.headerLength, out.length);
        assert.equal(h.sourcePort, sourcePort);
        assert.equal(h.destinationPort, destinationPort);
        // Same address as fast-check's text, whatever spelling it chose.
        assert.equal(
          toHex(encodeProxyHeader({ version: 2, source: h.source, destination: h.destination })),
          toHex(encodeProxyHeader({ version: 2, source, destination })),
        );
        if (version === 2) {
          const types = h.tlvs.map((t) => t.type);
          assert.deepEqual(types, [...tlvs.map((t) => t.type), ...(crc ? [0x03] : [])]);
          tlvs.forEach((t, i) => {
            assert.deepEqual([...(h.tlvs[i]?.value ?? [])], [...t.value]);
          });
        }
      },
    ),
    { numRuns: Number(process.env.SOURCEIP_FUZZ_RUNS ?? 300) },
  );
});

test('ssl info round trips as the 0x20 TLV', () => {
  const te = new TextEncoder();
  const out = encodeProxyHeader({
    version: 2,
    source: '1.2.3.4',
    destination: '5.6.7.8',
    ssl: { client: 5, verify: 0xdeadbeef, subtlvs: [{ type: 0x21, value: te.encode('TLSv1.3') }] },
  });
  const got = decodeProxyHeader(out);
  assert.equal(got.status, 'ok');
  if (got.status === 'ok') {
    assert.equal(got.header.ssl?.client, 5);
    assert.equal(got.header.ssl?.verify, 0xdeadbeef);
    assert.equal(new TextDecoder().decode(got.header.ssl?.subtlvs[0]?.value), 'TLSv1.3');
  }
});
