/**
 * Spec vectors for the PROXY decoder, one or more per rule of HAProxy doc/proxy-protocol.txt.
 * Used by decode.test.ts (results), the truncation test (every prefix), the fuzz test (seeds)
 * and the benchmark. Built by hand, not with our encoder, so the two check each other.
 */
import { crc32cBytewise } from './crc32c.ts';

export interface DecodeVector {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly status: 'ok' | 'incomplete' | 'absent' | 'invalid';
  readonly reason?: string;
  /** Fields of the decoded header to compare (ok only). */
  readonly header?: Record<string, unknown>;
}

export const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) => Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16));
}

export function tlv(type: number, value: Uint8Array | readonly number[]): number[] {
  const v = [...value];
  return [type, v.length >> 8, v.length & 0xff, ...v];
}

/** A v2 header: signature, ver_cmd, fam, len = body length (or `len` when given), body. */
export function v2(verCmd: number, fam: number, body: readonly number[], len = body.length): Uint8Array {
  return Uint8Array.from([...SIG, verCmd, fam, len >> 8, len & 0xff, ...body]);
}

/** A v2 header whose last TLV is a CRC32C computed over it (checksum field zeroed). */
export function v2WithCrc(verCmd: number, fam: number, body: readonly number[], corrupt = false): Uint8Array {
  const out = v2(verCmd, fam, [...body, 0x03, 0x00, 0x04, 0, 0, 0, 0]);
  const sum = (crc32cBytewise(out) ^ (corrupt ? 1 : 0)) >>> 0;
  out.set([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff], out.length - 4);
  return out;
}

const V4_ADDR = [203, 0, 113, 7, 198, 18, 0, 10, 0xc8, 0x22, 0x01, 0xbb]; // 51234 → 443
const V6_SRC = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07];
const V6_DST = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];
const V6_ADDR = [...V6_SRC, ...V6_DST, 0x00, 0x50, 0x01, 0xbb];
function unixAddr(src: string, dst: string): number[] {
  const out = new Array<number>(216).fill(0);
  for (let i = 0; i < src.length; i++) out[i] = src.charCodeAt(i);
  for (let i = 0; i < dst.length; i++) out[108 + i] = dst.charCodeAt(i);
  return out;
}
const text = (s: string) => [...ascii(s)];
const SSL_VALUE = [
  0x07,
  0,
  0,
  0,
  0,
  ...tlv(0x21, text('TLSv1.3')),
  ...tlv(0x22, text('client.example')),
  ...tlv(0x23, text('TLS_AES_256_GCM_SHA384')),
];
const V4_OK = {
  family: 'TCP4',
  source: '203.0.113.7',
  sourcePort: 51234,
  destination: '198.18.0.10',
  destinationPort: 443,
};

export const decodeVectors: readonly DecodeVector[] = [
  // §2.1 v1
  {
    name: 'v1 TCP4 from the spec example',
    bytes: ascii('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n'),
    status: 'ok',
    header: {
      version: 1,
      command: 'PROXY',
      family: 'TCP4',
      source: '192.168.0.1',
      sourcePort: 56324,
      destination: '192.168.0.11',
      destinationPort: 443,
      headerLength: 47,
      tlvs: [],
    },
  },
  {
    name: 'v1 TCP4 longest line, 56 bytes',
    bytes: ascii('PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n'),
    status: 'ok',
    header: { headerLength: 56, sourcePort: 65535 },
  },
  {
    name: 'v1 TCP4 zero address and ports',
    bytes: ascii('PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n'),
    status: 'ok',
    header: { source: '0.0.0.0', sourcePort: 0 },
  },
  {
    name: 'v1 TCP6 full form is printed RFC 5952',
    bytes: ascii('PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0007 2001:db8:1::1 80 443\r\n'),
    status: 'ok',
    header: {
      family: 'TCP6',
      source: '2001:db8::7',
      destination: '2001:db8:1::1',
      sourcePort: 80,
      destinationPort: 443,
    },
  },
  {
    name: 'v1 TCP6 longest line, 104 bytes',
    bytes: ascii(
      'PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n',
    ),
    status: 'ok',
    header: { headerLength: 104 },
  },
  {
    name: 'v1 TCP6 IPv4-mapped as HAProxy prints it',
    bytes: ascii('PROXY TCP6 ::ffff:127.0.0.2 ::1 1 2\r\n'),
    status: 'ok',
    header: { source: '::ffff:127.0.0.2', destination: '::1' },
  },
  {
    name: 'v1 UNKNOWN short form',
    bytes: ascii('PROXY UNKNOWN\r\n'),
    status: 'ok',
    header: { family: 'UNKNOWN', headerLength: 15, source: undefined },
  },
  {
    name: 'v1 UNKNOWN worst case, 107 bytes: the rest of the line is ignored',
    bytes: ascii(
      'PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n',
    ),
    status: 'ok',
    header: { family: 'UNKNOWN', headerLength: 107, source: undefined },
  },
  {
    name: 'v1 UNKNOWN with junk before CRLF is ignored',
    bytes: ascii('PROXY UNKNOWN whatever\tgoes\r\n'),
    status: 'ok',
    header: { family: 'UNKNOWN' },
  },
  {
    name: 'fail: v1 UNKNOWN line longer than 107 bytes',
    bytes: ascii(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`),
    status: 'invalid',
    reason: 'v1-too-long',
  },
  {
    name: 'fail: v1 UNKNOWN followed by a letter',
    bytes: ascii('PROXY UNKNOWNX\r\n'),
    status: 'invalid',
    reason: 'v1-bad-protocol',
  },
  {
    name: 'fail: v1 UNKNOWN with a lone LF',
    bytes: ascii('PROXY UNKNOWN\n'),
    status: 'invalid',
    reason: 'v1-bad-line-ending',
  },
  {
    name: 'fail: v1 UNKNOWN with a lone CR',
    bytes: ascii('PROXY UNKNOWN\rX'),
    status: 'invalid',
    reason: 'v1-bad-line-ending',
  },
  {
    name: 'fail: v1 lone LF ends the line',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'),
    status: 'invalid',
    reason: 'v1-bad-line-ending',
  },
  {
    name: 'fail: v1 CR without LF',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rG'),
    status: 'invalid',
    reason: 'v1-bad-line-ending',
  },
  { name: 'v1 CR at the end waits for LF', bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r'), status: 'incomplete' },
  {
    name: 'fail: v1 "PROXY" not followed by a space',
    bytes: ascii('PROXY\r\n'),
    status: 'invalid',
    reason: 'v1-bad-separator',
  },
  {
    name: 'fail: v1 lower-case protocol',
    bytes: ascii('PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-protocol',
  },
  {
    name: 'fail: v1 TCP5',
    bytes: ascii('PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-protocol',
  },
  {
    name: 'fail: v1 UDP4 is not a v1 protocol',
    bytes: ascii('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-protocol',
  },
  {
    name: 'fail: v1 two spaces after PROXY',
    bytes: ascii('PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-protocol',
  },
  {
    name: 'fail: v1 two spaces between addresses',
    bytes: ascii('PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-separator',
  },
  {
    name: 'fail: v1 tab as separator',
    bytes: ascii('PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-separator',
  },
  {
    name: 'fail: v1 trailing space before CRLF',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n'),
    status: 'invalid',
    reason: 'v1-bad-separator',
  },
  {
    name: 'fail: v1 missing destination port',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'),
    status: 'invalid',
    reason: 'v1-bad-separator',
  },
  {
    name: 'fail: v1 IPv4 leading zero',
    bytes: ascii('PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 IPv4 octet over 255',
    bytes: ascii('PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 IPv4 three octets',
    bytes: ascii('PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 IPv4 five octets',
    bytes: ascii('PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 TCP4 with IPv6 addresses',
    bytes: ascii('PROXY TCP4 ::1 ::1 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 TCP6 with IPv4 addresses',
    bytes: ascii('PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 TCP6 two "::"',
    bytes: ascii('PROXY TCP6 1::2::3 ::1 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 TCP6 nine groups',
    bytes: ascii('PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 TCP6 group of five digits',
    bytes: ascii('PROXY TCP6 12345:: ::1 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 TCP6 zone id',
    bytes: ascii('PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 TCP6 brackets',
    bytes: ascii('PROXY TCP6 [::1] ::1 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  {
    name: 'fail: v1 port leading zero',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-port',
  },
  {
    name: 'fail: v1 port 65536',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n'),
    status: 'invalid',
    reason: 'v1-bad-port',
  },
  {
    name: 'fail: v1 port with six digits',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-port',
  },
  {
    name: 'fail: v1 negative port',
    bytes: ascii('PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-port',
  },
  {
    name: 'fail: v1 NUL inside the line',
    bytes: ascii('PROXY TCP4 1.2.3.4\x00 5.6.7.8 1 2\r\n'),
    status: 'invalid',
    reason: 'v1-bad-address',
  },
  { name: 'v1 prefix "PRO" is incomplete', bytes: ascii('PRO'), status: 'incomplete' },
  { name: 'v1 up to the protocol word is incomplete', bytes: ascii('PROXY TCP'), status: 'incomplete' },
  // §2.2: detecting the signature; everything else is absent as soon as it differs.
  { name: 'HTTP GET is absent at the first byte', bytes: ascii('GET / HTTP/1.1\r\n'), status: 'absent' },
  { name: 'HTTP PROPFIND is absent at "PROP"', bytes: ascii('PROP'), status: 'absent' },
  { name: 'HTTP POST is absent', bytes: ascii('POST / HTTP/1.1\r\n'), status: 'absent' },
  { name: 'TLS ClientHello is absent', bytes: hex('16030100f8010000f40303'), status: 'absent' },
  { name: 'CRLF then not the v2 signature is absent', bytes: ascii('\r\n\r\nX'), status: 'absent' },
  { name: 'v2 signature prefix is incomplete', bytes: Uint8Array.from(SIG.slice(0, 7)), status: 'incomplete' },
  { name: 'empty input is incomplete', bytes: new Uint8Array(0), status: 'incomplete' },
  // §2.2 v2
  {
    name: 'v2 PROXY TCP4',
    bytes: v2(0x21, 0x11, V4_ADDR),
    status: 'ok',
    header: { version: 2, command: 'PROXY', ...V4_OK, headerLength: 28, tlvs: [] },
  },
  {
    name: 'v2 PROXY UDP4',
    bytes: v2(0x21, 0x12, V4_ADDR),
    status: 'ok',
    header: { family: 'UDP4', source: '203.0.113.7' },
  },
  {
    name: 'v2 PROXY TCP6',
    bytes: v2(0x21, 0x21, V6_ADDR),
    status: 'ok',
    header: {
      family: 'TCP6',
      source: '2001:db8::7',
      destination: '2001:db8:1::1',
      sourcePort: 80,
      destinationPort: 443,
      headerLength: 52,
    },
  },
  {
    name: 'v2 PROXY UDP6',
    bytes: v2(0x21, 0x22, V6_ADDR),
    status: 'ok',
    header: { family: 'UDP6', source: '2001:db8::7' },
  },
  {
    name: 'v2 PROXY UNIX stream: paths without trailing NULs',
    bytes: v2(0x21, 0x31, unixAddr('/run/client.sock', '/run/server.sock')),
    status: 'ok',
    header: {
      family: 'UNIX',
      source: '/run/client.sock',
      destination: '/run/server.sock',
      sourcePort: undefined,
      headerLength: 232,
    },
  },
  {
    name: 'v2 PROXY UNIX datagram',
    bytes: v2(0x21, 0x32, unixAddr('/a', '/b')),
    status: 'ok',
    header: { family: 'UNIX', source: '/a' },
  },
  {
    name: 'v2 PROXY UNSPEC: no addresses',
    bytes: v2(0x21, 0x00, []),
    status: 'ok',
    header: { command: 'PROXY', family: 'UNSPEC', source: undefined, headerLength: 16 },
  },
  {
    name: 'v2 LOCAL UNSPEC health check',
    bytes: v2(0x20, 0x00, []),
    status: 'ok',
    header: { command: 'LOCAL', family: 'UNSPEC', source: undefined, headerLength: 16 },
  },
  {
    name: 'v2 LOCAL ignores the addresses it was sent but skips them (len honoured)',
    bytes: v2(0x20, 0x11, V4_ADDR),
    status: 'ok',
    header: { command: 'LOCAL', family: 'TCP4', source: undefined, sourcePort: undefined, headerLength: 28 },
  },
  {
    name: 'v2 LOCAL with a family and no address bytes',
    bytes: v2(0x20, 0x21, []),
    status: 'ok',
    header: { command: 'LOCAL', family: 'TCP6', headerLength: 16 },
  },
  {
    name: 'v2 data after the header is not consumed',
    bytes: Uint8Array.from([...v2(0x21, 0x11, V4_ADDR), ...ascii('GET /')]),
    status: 'ok',
    header: { headerLength: 28 },
  },
  { name: 'v2 fixed part only is incomplete', bytes: v2(0x21, 0x11, [], 12), status: 'incomplete' },
  {
    name: 'v2 one body byte short is incomplete',
    bytes: v2(0x21, 0x11, V4_ADDR.slice(0, 11), 12),
    status: 'incomplete',
  },
  {
    name: 'fail: v2 version 1 in the version nibble',
    bytes: v2(0x11, 0x11, V4_ADDR),
    status: 'invalid',
    reason: 'v2-bad-version',
  },
  { name: 'fail: v2 version 3', bytes: v2(0x31, 0x11, V4_ADDR), status: 'invalid', reason: 'v2-bad-version' },
  { name: 'fail: v2 command 2', bytes: v2(0x22, 0x11, V4_ADDR), status: 'invalid', reason: 'v2-bad-command' },
  { name: 'fail: v2 command 0xF', bytes: v2(0x2f, 0x11, V4_ADDR), status: 'invalid', reason: 'v2-bad-command' },
  { name: 'fail: v2 address family 4', bytes: v2(0x21, 0x41, V4_ADDR), status: 'invalid', reason: 'v2-bad-family' },
  { name: 'fail: v2 transport 3', bytes: v2(0x21, 0x13, V4_ADDR), status: 'invalid', reason: 'v2-bad-transport' },
  {
    name: 'fail: v2 bad family is refused before the length arrives',
    bytes: Uint8Array.from([...SIG, 0x21, 0xf1]),
    status: 'invalid',
    reason: 'v2-bad-family',
  },
  {
    name: 'fail: v2 TCP4 with 11 address bytes',
    bytes: v2(0x21, 0x11, V4_ADDR.slice(0, 11)),
    status: 'invalid',
    reason: 'v2-address-too-short',
  },
  {
    name: 'fail: v2 TCP6 with the TCP4 length',
    bytes: v2(0x21, 0x21, V4_ADDR),
    status: 'invalid',
    reason: 'v2-address-too-short',
  },
  {
    name: 'fail: v2 UNIX with 215 bytes',
    bytes: v2(0x21, 0x31, unixAddr('/a', '/b').slice(0, 215)),
    status: 'invalid',
    reason: 'v2-address-too-short',
  },
  {
    name: 'fail: v2 short length is refused from the 16 fixed bytes alone',
    bytes: Uint8Array.from([...SIG, 0x21, 0x21, 0, 12]),
    status: 'invalid',
    reason: 'v2-address-too-short',
  },
  // §2.2 TLVs
  {
    name: 'v2 TLVs ALPN, AUTHORITY, NOOP, UNIQUE_ID, NETNS, AWS 0xEA in wire order',
    bytes: v2(0x21, 0x11, [
      ...V4_ADDR,
      ...tlv(0x01, text('h2')),
      ...tlv(0x02, text('example.com')),
      ...tlv(0x04, []),
      ...tlv(0x05, new Array(128).fill(0xab)),
      ...tlv(0x30, text('blue')),
      ...tlv(0xea, [0x01, ...text('vpce-08d2bf15fac5001c9')]),
    ]),
    status: 'ok',
    header: { ...V4_OK, tlvTypes: [0x01, 0x02, 0x04, 0x05, 0x30, 0xea] },
  },
  {
    name: 'v2 experimental and future TLV types are kept',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0xf0, [1]), ...tlv(0xff, [])]),
    status: 'ok',
    header: { tlvTypes: [0xf0, 0xff] },
  },
  {
    name: 'v2 TLVs after UNSPEC start at byte 16',
    bytes: v2(0x21, 0x00, [...tlv(0x02, text('a.example'))]),
    status: 'ok',
    header: { family: 'UNSPEC', tlvTypes: [0x02] },
  },
  {
    name: 'v2 LOCAL TLVs after the family address block',
    bytes: v2(0x20, 0x11, [...V4_ADDR, ...tlv(0x05, [1, 2])]),
    status: 'ok',
    header: { command: 'LOCAL', tlvTypes: [0x05] },
  },
  {
    name: 'v2 CRC32C correct',
    bytes: v2WithCrc(0x21, 0x11, [...V4_ADDR, ...tlv(0x02, text('example.com'))]),
    status: 'ok',
    header: { tlvTypes: [0x02, 0x03] },
  },
  {
    name: 'v2 CRC32C correct in the middle of the TLVs',
    bytes: crcInMiddle(),
    status: 'ok',
    header: { tlvTypes: [0x03, 0x04] },
  },
  {
    name: 'v2 CRC32C correct on LOCAL',
    bytes: v2WithCrc(0x20, 0x00, []),
    status: 'ok',
    header: { command: 'LOCAL', tlvTypes: [0x03] },
  },
  {
    name: 'fail: v2 CRC32C mismatch',
    bytes: v2WithCrc(0x21, 0x11, V4_ADDR, true),
    status: 'invalid',
    reason: 'v2-crc32c-mismatch',
  },
  {
    name: 'fail: v2 CRC32C mismatch on LOCAL',
    bytes: v2WithCrc(0x20, 0x00, [], true),
    status: 'invalid',
    reason: 'v2-crc32c-mismatch',
  },
  {
    name: 'fail: v2 CRC32C of 3 bytes',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x03, [0, 0, 0])]),
    status: 'invalid',
    reason: 'v2-crc32c-length',
  },
  {
    name: 'fail: v2 CRC32C of 5 bytes',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x03, [0, 0, 0, 0, 0])]),
    status: 'invalid',
    reason: 'v2-crc32c-length',
  },
  { name: 'fail: v2 two CRC32C TLVs', bytes: twoCrcs(), status: 'invalid', reason: 'v2-crc32c-duplicate' },
  {
    name: 'fail: v2 UNIQUE_ID of 129 bytes',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x05, new Array(129).fill(1))]),
    status: 'invalid',
    reason: 'v2-unique-id-too-long',
  },
  {
    name: 'fail: v2 TLV value runs past len',
    bytes: v2(0x21, 0x11, [...V4_ADDR, 0x02, 0x00, 0x05, 0x61, 0x62]),
    status: 'invalid',
    reason: 'v2-tlv-overrun',
  },
  {
    name: 'fail: v2 two stray bytes after the TLVs',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x04, []), 0x04, 0x00]),
    status: 'invalid',
    reason: 'v2-tlv-overrun',
  },
  {
    name: 'fail: v2 one stray byte after the addresses',
    bytes: v2(0x21, 0x11, [...V4_ADDR, 0x04]),
    status: 'invalid',
    reason: 'v2-tlv-overrun',
  },
  {
    name: 'fail: v2 LOCAL with a TLV that overruns',
    bytes: v2(0x20, 0x00, [0x04, 0x00, 0x09]),
    status: 'invalid',
    reason: 'v2-tlv-overrun',
  },
  {
    name: 'v2 SSL TLV with VERSION, CN and CIPHER sub-TLVs',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x20, SSL_VALUE)]),
    status: 'ok',
    header: { ssl: { client: 7, verify: 0, subtlvTypes: [0x21, 0x22, 0x23] }, tlvTypes: [0x20] },
  },
  {
    name: 'v2 SSL TLV without sub-TLVs, verify non-zero',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x20, [0x01, 0, 0, 0, 9])]),
    status: 'ok',
    header: { ssl: { client: 1, verify: 9, subtlvTypes: [] } },
  },
  {
    name: 'fail: v2 SSL TLV of 4 bytes',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x20, [1, 0, 0, 0])]),
    status: 'invalid',
    reason: 'v2-ssl-too-short',
  },
  {
    name: 'fail: v2 SSL sub-TLV runs past the SSL TLV',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x20, [1, 0, 0, 0, 0, 0x21, 0x00, 0x09, 0x54])]),
    status: 'invalid',
    reason: 'v2-ssl-subtlv-overrun',
  },
  {
    name: 'fail: v2 SSL sub-TLV header cut short',
    bytes: v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x20, [1, 0, 0, 0, 0, 0x21, 0x00])]),
    status: 'invalid',
    reason: 'v2-ssl-subtlv-overrun',
  },
];

function crcInMiddle(): Uint8Array {
  const out = v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x03, [0, 0, 0, 0]), ...tlv(0x04, [9, 9])]);
  const sum = crc32cBytewise(out);
  out.set([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff], 16 + 12 + 3);
  return out;
}

function twoCrcs(): Uint8Array {
  // The first one verifies (computed with both fields zero); the second is a rule we add.
  const out = v2(0x21, 0x11, [...V4_ADDR, ...tlv(0x03, [0, 0, 0, 0]), ...tlv(0x03, [0, 0, 0, 0])]);
  const sum = crc32cBytewise(out);
  out.set([sum >>> 24, (sum >>> 16) & 0xff, (sum >>> 8) & 0xff, sum & 0xff], 16 + 12 + 3);
  return out;
}
