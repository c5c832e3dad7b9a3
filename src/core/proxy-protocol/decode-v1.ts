/**
 * PROXY protocol version 1, the text line (HAProxy doc/proxy-protocol.txt §2.1):
 *
 *   "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP sport SP dport CRLF
 *   "PROXY" SP "UNKNOWN" [anything but CR/LF] CRLF
 *
 * One left-to-right scan over the bytes received so far. Every decision at position i reads
 * only bytes before i, so a prefix of a stream answers either `incomplete` or exactly what the
 * whole stream answers (same reason): the property the truncation and split tests pin.
 */
import { formatIP, parseIP, parseIPv4Number } from '../ip/address.ts';
import type { ProxyDecodeResult, ProxyFamily } from './types.ts';

/** §2.1: "a 108-byte buffer is always enough": the longest valid line is 107 bytes including CRLF. */
export const V1_MAX_LENGTH = 107;

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const INCOMPLETE: ProxyDecodeResult = Object.freeze({ status: 'incomplete' });

function invalid(reason: string): ProxyDecodeResult {
  return { status: 'invalid', reason };
}

/**
 * Decodes a v1 line from `bytes`, which the caller has matched against "PROXY" for its first
 * min(5, length) bytes. Never throws; reads at most 107 bytes.
 */
export function decodeV1(bytes: Uint8Array): ProxyDecodeResult {
  const n = bytes.length;
  if (n < 6) return INCOMPLETE;
  if (bytes[5] !== SP) return invalid('v1-bad-separator');
  // Protocol word: TCP4, TCP6 or UNKNOWN, compared byte by byte as far as received.
  let family: ProxyFamily;
  let word: string;
  if (n < 7) return INCOMPLETE;
  if (bytes[6] === 0x54) {
    family = bytes.length > 9 && bytes[9] === 0x36 ? 'TCP6' : 'TCP4';
    word = family;
  } else if (bytes[6] === 0x55) {
    family = 'UNKNOWN';
    word = 'UNKNOWN';
  } else {
    return invalid('v1-bad-protocol');
  }
  for (let i = 0; i < word.length; i++) {
    const at = 6 + i;
    if (at >= n) return INCOMPLETE;
    if (family !== 'UNKNOWN' && i === 3) {
      if (bytes[at] !== 0x34 && bytes[at] !== 0x36) return invalid('v1-bad-protocol');
    } else if (bytes[at] !== word.charCodeAt(i)) {
      return invalid('v1-bad-protocol');
    }
  }
  let pos = 6 + word.length;
  if (family === 'UNKNOWN') return unknownLine(bytes, pos);

  // TCP4 / TCP6: four fields, each preceded by exactly one space, then CRLF.
  const is6 = family === 'TCP6';
  let src = '';
  let dst = '';
  let sourcePort = 0;
  let destinationPort = 0;
  for (let field = 0; field < 4; field++) {
    if (pos >= n) return INCOMPLETE;
    if (bytes[pos] !== SP) return invalid('v1-bad-separator');
    // A field of at least one byte and the CRLF still have to follow.
    if (pos + 4 > V1_MAX_LENGTH) return invalid('v1-too-long');
    pos++;
    const start = pos;
    // A field ends at the next space (or CR for the last one). Bytes that cannot belong to the
    // field fail here, before the end is seen, so junk is refused as soon as it arrives.
    const last = field === 3;
    const maxLen = field < 2 ? (is6 ? 45 : 15) : 5;
    while (true) {
      if (pos >= n) return INCOMPLETE;
      const c = bytes[pos];
      if (c === (last ? CR : SP)) break;
      if (!(field < 2 ? (is6 ? isV6Char(c) : isV4Char(c)) : isDigit(c))) {
        if (c === LF) return invalid('v1-bad-line-ending');
        if (c === SP || c === CR) return invalid('v1-bad-separator');
        return invalid(field < 2 ? 'v1-bad-address' : 'v1-bad-port');
      }
      if (pos - start >= maxLen) return invalid(field < 2 ? 'v1-bad-address' : 'v1-bad-port');
      // This byte is not the CR, so the CRLF ends at pos + 3 at the earliest.
      if (pos + 3 > V1_MAX_LENGTH) return invalid('v1-too-long');
      pos++;
    }
    if (pos === start) return invalid('v1-bad-separator');
    if (field < 2) {
      // The field holds only [0-9.] (TCP4) or [0-9A-Fa-f:.] (TCP6), so no zone can sneak in.
      // IPv4: one spelling per address (no leading zeros, §2.1), so valid text is already
      // canonical. IPv6: RFC 4291 text forms, including a trailing dotted quad (HAProxy sends
      // IPv4-mapped clients that way), printed back RFC 5952.
      const text = latin1(bytes, start, pos);
      let canonical: string | null = null;
      if (!is6) {
        if (parseIPv4Number(text) >= 0) canonical = text;
      } else {
        const ip = parseIP(text);
        if (ip !== null && ip.family === 6) canonical = formatIP(ip);
      }
      if (canonical === null) return invalid('v1-bad-address');
      if (field === 0) src = canonical;
      else dst = canonical;
    } else {
      const port = parsePort(bytes, start, pos);
      if (port < 0) return invalid('v1-bad-port');
      if (field === 2) sourcePort = port;
      else destinationPort = port;
    }
  }
  // bytes[pos] is CR; the line ends only with CR LF (§2.1: a lone CR or LF is not tolerated).
  const headerLength = pos + 2;
  if (headerLength > V1_MAX_LENGTH) return invalid('v1-too-long');
  if (pos + 1 >= n) return INCOMPLETE;
  if (bytes[pos + 1] !== LF) return invalid('v1-bad-line-ending');
  return {
    status: 'ok',
    header: {
      version: 1,
      command: 'PROXY',
      family,
      source: src,
      sourcePort,
      destination: dst,
      destinationPort,
      tlvs: [],
      headerLength,
    },
  };
}

/** "PROXY UNKNOWN": the receiver ignores everything up to CRLF (§2.1), which must come within 107 bytes. */
function unknownLine(bytes: Uint8Array, pos: number): ProxyDecodeResult {
  const n = bytes.length;
  if (pos >= n) return INCOMPLETE;
  if (bytes[pos] !== SP && bytes[pos] !== CR && bytes[pos] !== LF) return invalid('v1-bad-protocol');
  for (; pos < n; pos++) {
    const c = bytes[pos];
    if (c === LF) return invalid('v1-bad-line-ending');
    if (c === CR) {
      if (pos + 2 > V1_MAX_LENGTH) return invalid('v1-too-long');
      if (pos + 1 >= n) return INCOMPLETE;
      if (bytes[pos + 1] !== LF) return invalid('v1-bad-line-ending');
      return {
        status: 'ok',
        header: { version: 1, command: 'PROXY', family: 'UNKNOWN', tlvs: [], headerLength: pos + 2 },
      };
    }
    // Not the CR, so the CRLF ends at pos + 3 at the earliest.
    if (pos + 3 > V1_MAX_LENGTH) return invalid('v1-too-long');
  }
  return INCOMPLETE;
}

/** bytes[start, end) as text; the caller has checked every byte is ASCII. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]);
  return out;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isV4Char(c: number): boolean {
  return isDigit(c) || c === 0x2e;
}

function isV6Char(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) || c === 0x3a || c === 0x2e;
}

/** Decimal 0–65535, no leading zero ("Heading zeroes are not permitted"), 1–5 digits. */
function parsePort(bytes: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len < 1 || len > 5) return -1;
  if (len > 1 && bytes[start] === 0x30) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value <= 65535 ? value : -1;
}
