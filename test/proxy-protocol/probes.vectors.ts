/**
 * Headers that probe where nginx 1.22 and HAProxy 2.6 depart from doc/proxy-protocol.txt.
 * send-interop.test.ts sends each to both programs and pins what they do next to what our
 * decoder says; docs/proxy-protocol.md explains each row.
 */
import { ascii, tlv, v2, v2WithCrc } from '../../src/core/proxy-protocol/decode.vectors.ts';

export interface Probe {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** What the spec says a receiver does. */
  readonly spec: 'accept' | 'reject';
  /**
   * What each program did (nginx 1.22.1, HAProxy 2.6.12): `reject` = connection closed without
   * a reply; `real` = accepted with the real TCP endpoints; `empty` = accepted, no PROXY address
   * (nginx `$proxy_protocol_addr` empty); otherwise the reply body `src sport dst dport`.
   */
  readonly nginx: string;
  readonly haproxy: string;
  /** Our decoder: `ok` or the invalid reason. */
  readonly ours: string;
}

const V4 = [203, 0, 113, 7, 198, 18, 0, 10, 0x04, 0xd2, 0x01, 0xbb]; // 1234 → 443

export const probes: readonly Probe[] = [
  {
    name: 'v1 port with a leading zero',
    bytes: ascii('PROXY TCP4 203.0.113.7 198.18.0.10 01234 443\r\n'),
    spec: 'reject',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: '203.0.113.7 1234 198.18.0.10 443',
    ours: 'v1-bad-port',
  },
  {
    name: 'v1 IPv4 with a leading zero',
    bytes: ascii('PROXY TCP4 203.0.113.07 198.18.0.10 1234 443\r\n'),
    spec: 'reject',
    nginx: '203.0.113.07 1234 198.18.0.10 443',
    haproxy: '203.0.113.7 1234 198.18.0.10 443',
    ours: 'v1-bad-address',
  },
  {
    name: 'v1 port 65536',
    bytes: ascii('PROXY TCP4 203.0.113.7 198.18.0.10 65536 443\r\n'),
    spec: 'reject',
    nginx: 'reject',
    haproxy: '203.0.113.7  198.18.0.10 443',
    ours: 'v1-bad-port',
  },
  {
    name: 'v1 IPv4 octet 256',
    bytes: ascii('PROXY TCP4 203.0.113.256 198.18.0.10 1234 443\r\n'),
    spec: 'reject',
    nginx: '203.0.113.256 1234 198.18.0.10 443',
    haproxy: '203.0.114.0 1234 198.18.0.10 443',
    ours: 'v1-bad-address',
  },
  {
    name: 'v1 TCP4 carrying IPv6 addresses',
    bytes: ascii('PROXY TCP4 2001:db8::7 2001:db8::1 1234 443\r\n'),
    spec: 'reject',
    nginx: '2001:db8::7 1234 2001:db8::1 443',
    haproxy: 'reject',
    ours: 'v1-bad-address',
  },
  {
    name: 'v1 TCP6 carrying IPv4 addresses',
    bytes: ascii('PROXY TCP6 203.0.113.7 198.18.0.10 1234 443\r\n'),
    spec: 'reject',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: 'reject',
    ours: 'v1-bad-address',
  },
  {
    name: 'v1 two spaces between fields',
    bytes: ascii('PROXY TCP4 203.0.113.7  198.18.0.10 1234 443\r\n'),
    spec: 'reject',
    nginx: 'reject',
    haproxy: 'reject',
    ours: 'v1-bad-separator',
  },
  {
    name: 'v1 line ends with a lone LF',
    bytes: ascii('PROXY TCP4 203.0.113.7 198.18.0.10 1234 443\n'),
    spec: 'reject',
    nginx: 'reject',
    haproxy: 'reject',
    ours: 'v1-bad-line-ending',
  },
  {
    name: 'v1 missing destination port',
    bytes: ascii('PROXY TCP4 203.0.113.7 198.18.0.10 1234\r\n'),
    spec: 'reject',
    nginx: 'reject',
    haproxy: 'reject',
    ours: 'v1-bad-separator',
  },
  {
    name: 'v1 UNKNOWN short form',
    bytes: ascii('PROXY UNKNOWN\r\n'),
    spec: 'accept',
    nginx: 'empty',
    haproxy: 'real',
    ours: 'ok',
  },
  {
    name: 'v1 UNKNOWN with addresses (worst-case form)',
    bytes: ascii('PROXY UNKNOWN 203.0.113.7 198.18.0.10 1234 443\r\n'),
    spec: 'accept',
    nginx: 'empty',
    haproxy: 'reject',
    ours: 'ok',
  },
  { name: 'v2 LOCAL', bytes: v2(0x20, 0x00, []), spec: 'accept', nginx: 'empty', haproxy: 'real', ours: 'ok' },
  {
    name: 'v2 LOCAL carrying TCP4 addresses',
    bytes: v2(0x20, 0x11, V4),
    spec: 'accept',
    nginx: 'empty',
    haproxy: 'real',
    ours: 'ok',
  },
  { name: 'v2 PROXY UNSPEC', bytes: v2(0x21, 0x00, []), spec: 'accept', nginx: 'empty', haproxy: 'reject', ours: 'ok' },
  { name: 'v2 PROXY UDP4', bytes: v2(0x21, 0x12, V4), spec: 'accept', nginx: 'empty', haproxy: 'reject', ours: 'ok' },
  {
    name: 'v2 command 2',
    bytes: v2(0x22, 0x11, V4),
    spec: 'reject',
    nginx: 'empty',
    haproxy: 'reject',
    ours: 'v2-bad-command',
  },
  {
    name: 'v2 family nibble 4',
    bytes: v2(0x21, 0x41, V4),
    spec: 'reject',
    nginx: 'empty',
    haproxy: 'reject',
    ours: 'v2-bad-family',
  },
  {
    name: 'v2 TCP4 with 11 address bytes',
    bytes: v2(0x21, 0x11, V4.slice(0, 11)),
    spec: 'reject',
    nginx: 'reject',
    haproxy: 'reject',
    ours: 'v2-address-too-short',
  },
  {
    name: 'v2 CRC32C correct',
    bytes: v2WithCrc(0x21, 0x11, V4),
    spec: 'accept',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: '203.0.113.7 1234 198.18.0.10 443',
    ours: 'ok',
  },
  {
    name: 'v2 CRC32C wrong',
    bytes: v2WithCrc(0x21, 0x11, V4, true),
    spec: 'reject',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: 'reject',
    ours: 'v2-crc32c-mismatch',
  },
  {
    name: 'v2 CRC32C of 3 bytes',
    bytes: v2(0x21, 0x11, [...V4, ...tlv(0x03, [0, 0, 0])]),
    spec: 'reject',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: 'reject',
    ours: 'v2-crc32c-length',
  },
  {
    name: 'v2 UNIQUE_ID of 129 bytes',
    bytes: v2(0x21, 0x11, [...V4, ...tlv(0x05, new Array(129).fill(0x41))]),
    spec: 'reject',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: 'reject',
    ours: 'v2-unique-id-too-long',
  },
  {
    name: 'v2 TLV running past the header',
    bytes: v2(0x21, 0x11, [...V4, 0x04, 0x00, 0x05, 0x00]),
    spec: 'reject',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: 'reject',
    ours: 'v2-tlv-overrun',
  },
  {
    name: 'v2 SSL TLV of 4 bytes',
    bytes: v2(0x21, 0x11, [...V4, ...tlv(0x20, [1, 0, 0, 0])]),
    spec: 'reject',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: '203.0.113.7 1234 198.18.0.10 443',
    ours: 'v2-ssl-too-short',
  },
  {
    name: 'v2 AUTHORITY of 300 bytes',
    bytes: v2(0x21, 0x11, [...V4, ...tlv(0x02, new Array(300).fill(0x61))]),
    spec: 'accept',
    nginx: '203.0.113.7 1234 198.18.0.10 443',
    haproxy: 'reject',
    ours: 'ok',
  },
];
