/**
 * IP address parsing and formatting: strict, allocation-light, no regex.
 *
 * Parsing walks character codes over `text[start, end)` so callers can parse a slice of a
 * header without copying it. Every parser returns `null` (or -1) on bad input and never throws.
 */
import type { Endpoint, IPAddress } from './types.ts';

const DOT = 0x2e;
const COLON = 0x3a;
const PERCENT = 0x25;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const BRACKET_OPEN = 0x5b;
const BRACKET_CLOSE = 0x5d;

/**
 * Parse a canonical IPv4 dotted quad to its unsigned 32-bit value, or -1.
 *
 * Canonical means exactly four decimal parts 0–255, no leading zeros (`01.2.3.4` is rejected),
 * no whitespace, no short (`127.1`), hex (`0x7f.0.0.1`) or octal forms. Different parsers reading
 * such forms differently is how allow lists get bypassed (CVE-2024-29415), so we accept one
 * spelling per address.
 *
 * @example parseIPv4Number('10.0.0.1') // 167772161
 * @example parseIPv4Number('x 10.0.0.1 y', 2, 10) // 167772161
 */
export function parseIPv4Number(text: string, start = 0, end: number = text.length): number {
  // Shortest is `0.0.0.0` (7), longest `255.255.255.255` (15).
  if (end - start < 7 || end - start > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      // A leading zero is only allowed when the part is exactly `0`.
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - DIGIT_0);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === DOT) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** IPv4 address from its unsigned 32-bit value (`n >>> 0` is applied). */
export function ipv4FromNumber(n: number): IPAddress {
  return { family: 4, w0: 0, w1: 0, w2: 0, w3: n >>> 0, zone: '' };
}

function ipv6(w0: number, w1: number, w2: number, w3: number, zone: string): IPAddress {
  return { family: 6, w0: w0 >>> 0, w1: w1 >>> 0, w2: w2 >>> 0, w3: w3 >>> 0, zone };
}

function hexValue(c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * A zone id (RFC 4007 §11) we accept: non-empty printable ASCII without whitespace and without
 * the characters that delimit it in headers and URLs (`%`, `/`, `[`, `]`, `,`, `;`, `"`).
 */
function isValidZone(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
    if (c === PERCENT || c === 0x2f || c === BRACKET_OPEN || c === BRACKET_CLOSE || c === 0x2c || c === 0x3b) {
      return false;
    }
    if (c === 0x22) return false;
  }
  return true;
}

// Scratch space for the eight 16-bit groups; parsing is synchronous, so one buffer is enough.
const groups = new Uint16Array(8);

function parseIPv6(text: string, start: number, end: number): IPAddress | null {
  let addrEnd = end;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === PERCENT) {
      addrEnd = i;
      break;
    }
  }
  let zone = '';
  if (addrEnd < end) {
    if (!isValidZone(text, addrEnd + 1, end)) return null;
    zone = text.slice(addrEnd + 1, end);
  }
  let n = 0; // groups written
  let gap = -1; // index in `groups` where `::` stands
  let i = start;
  if (i >= addrEnd) return null;
  if (text.charCodeAt(i) === COLON) {
    // A leading colon must be the start of `::`.
    if (i + 1 >= addrEnd || text.charCodeAt(i + 1) !== COLON) return null;
    gap = 0;
    i += 2;
  }
  while (i < addrEnd) {
    let value = 0;
    let j = i;
    while (j < addrEnd && j - i < 5) {
      const h = hexValue(text.charCodeAt(j));
      if (h < 0) break;
      value = value * 16 + h;
      j++;
    }
    if (j === i) return null;
    if (j < addrEnd && text.charCodeAt(j) === DOT) {
      // RFC 4291 §2.2 form 3: the last 32 bits as a dotted quad.
      if (n > 6) return null;
      const v4 = parseIPv4Number(text, i, addrEnd);
      if (v4 < 0) return null;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = addrEnd;
      break;
    }
    if (j - i > 4 || n === 8) return null;
    groups[n++] = value;
    i = j;
    if (i === addrEnd) break;
    if (text.charCodeAt(i) !== COLON) return null;
    i++;
    if (i < addrEnd && text.charCodeAt(i) === COLON) {
      if (gap >= 0) return null; // a second `::`
      gap = n;
      i++;
    } else if (i === addrEnd) {
      return null; // trailing single `:`
    }
  }
  if (gap < 0) {
    if (n !== 8) return null;
  } else {
    // `::` stands for one or more zero groups (RFC 4291 §2.2 form 2).
    if (n > 7) return null;
    const zeros = 8 - n;
    for (let k = n - 1; k >= gap; k--) groups[k + zeros] = groups[k]!;
    for (let k = gap; k < gap + zeros; k++) groups[k] = 0;
  }
  return ipv6(
    groups[0]! * 0x10000 + groups[1]!,
    groups[2]! * 0x10000 + groups[3]!,
    groups[4]! * 0x10000 + groups[5]!,
    groups[6]! * 0x10000 + groups[7]!,
    zone,
  );
}

/**
 * Parse an IP address from `text[start, end)`, or return `null`.
 *
 * - IPv4: canonical dotted quad only (see {@link parseIPv4Number}); no zone.
 * - IPv6: every RFC 4291 §2.2 text form — full, `::`-compressed, embedded dotted quad in the last
 *   32 bits (`::ffff:1.2.3.4`, `::1.2.3.4`, `64:ff9b::1.2.3.4`), either hex case, 1–4 digits per
 *   group — with an optional `%zone` (non-empty printable ASCII without whitespace, `%/[],;"`).
 * - No brackets, no port: see {@link parseEndpoint} for those.
 *
 * @example parseIP('2001:DB8::1%eth0') // { family: 6, w0: 0x20010db8, …, zone: 'eth0' }
 */
export function parseIP(text: string, start = 0, end: number = text.length): IPAddress | null {
  if (start < 0) start = 0;
  if (end > text.length) end = text.length;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) return parseIPv6(text, start, end);
    // A dotted quad never holds anything but digits and dots; stop scanning early otherwise.
    if (c !== DOT && (c < DIGIT_0 || c > DIGIT_9)) {
      // Could still be IPv6 (hex digits before the first colon, e.g. `fe80::1`).
      return hexValue(c) >= 0 ? parseIPv6(text, start, end) : null;
    }
  }
  const n = parseIPv4Number(text, start, end);
  return n < 0 ? null : ipv4FromNumber(n);
}

/**
 * Parse a port: 1–5 decimal digits, value 0–65535, no sign, no leading zeros (`080` is
 * rejected; `0` itself is accepted). Returns -1 when invalid.
 */
function parsePort(text: string, start: number, end: number): number {
  const len = end - start;
  if (len < 1 || len > 5) return -1;
  if (len > 1 && text.charCodeAt(start) === DIGIT_0) return -1;
  let port = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return -1;
    port = port * 10 + (c - DIGIT_0);
  }
  return port > 65535 ? -1 : port;
}

/**
 * Parse an address with an optional port: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]`,
 * `[2001:db8::1]:443`, `[fe80::1%eth0]:443`. Returns `null` when invalid; `port` is -1 when absent.
 *
 * Ports are 1–5 decimal digits with a value of 0–65535 and no leading zeros (`:080` is rejected,
 * `:0` accepted). Unbracketed IPv6 never carries a port: `2001:db8::1:80` is the address
 * `2001:db8::1:80`. Brackets hold IPv6 only (`[1.2.3.4]` is rejected).
 *
 * @example parseEndpoint('[2001:db8::1]:443') // { ip: …, port: 443 }
 */
export function parseEndpoint(text: string, start = 0, end: number = text.length): Endpoint | null {
  if (start < 0) start = 0;
  if (end > text.length) end = text.length;
  if (start >= end) return null;
  if (text.charCodeAt(start) === BRACKET_OPEN) {
    let close = -1;
    for (let i = start + 1; i < end; i++) {
      if (text.charCodeAt(i) === BRACKET_CLOSE) {
        close = i;
        break;
      }
    }
    if (close < 0) return null;
    let port = -1;
    if (close + 1 < end) {
      if (text.charCodeAt(close + 1) !== COLON) return null;
      port = parsePort(text, close + 2, end);
      if (port < 0) return null;
    }
    // Only IPv6 goes in brackets; checking for a colon first keeps `[1.2.3.4]` out.
    let hasColon = false;
    for (let i = start + 1; i < close; i++) {
      if (text.charCodeAt(i) === COLON) {
        hasColon = true;
        break;
      }
    }
    if (!hasColon) return null;
    const ip = parseIPv6(text, start + 1, close);
    return ip === null ? null : { ip, port };
  }
  let firstColon = -1;
  let colons = 0;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === COLON) {
      if (colons++ === 0) firstColon = i;
    }
  }
  if (colons === 1) {
    // Exactly one colon: IPv4 with a port (no IPv6 text form has a single colon).
    const n = parseIPv4Number(text, start, firstColon);
    if (n < 0) return null;
    const port = parsePort(text, firstColon + 1, end);
    return port < 0 ? null : { ip: ipv4FromNumber(n), port };
  }
  const ip = parseIP(text, start, end);
  return ip === null ? null : { ip, port: -1 };
}

function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/**
 * Text form of an address: IPv4 as a dotted quad; IPv6 per RFC 5952 §4 (lowercase hex, no
 * leading zeros, the longest run of two or more zero groups — the first on a tie — written `::`)
 * and §5 (IPv4-mapped as `::ffff:a.b.c.d`); a zone is appended as `%zone`.
 *
 * @example formatIP(parseIP('2001:0DB8:0:0:1:0:0:1')!) // '2001:db8::1:0:0:1'
 */
export function formatIP(ip: IPAddress): string {
  if (ip.family === 4) return formatIPv4(ip.w3);
  const zone = ip.zone === '' ? '' : `%${ip.zone}`;
  if (ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff) return `::ffff:${formatIPv4(ip.w3)}${zone}`;
  const g0 = ip.w0 >>> 16;
  const g1 = ip.w0 & 0xffff;
  const g2 = ip.w1 >>> 16;
  const g3 = ip.w1 & 0xffff;
  const g4 = ip.w2 >>> 16;
  const g5 = ip.w2 & 0xffff;
  const g6 = ip.w3 >>> 16;
  const g7 = ip.w3 & 0xffff;
  const g = [g0, g1, g2, g3, g4, g5, g6, g7];
  // Find the longest run of zero groups (length ≥ 2), first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let k = 0; k <= 8; k++) {
    if (k < 8 && g[k] === 0) {
      if (runStart < 0) runStart = k;
    } else if (runStart >= 0) {
      const len = k - runStart;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += g[k]!.toString(16);
  }
  return out + zone;
}

/**
 * `1.2.3.4:80` or `[2001:db8::1]:443`; without a port (`port < 0`) the address alone, IPv6 still
 * bracketed (`[2001:db8::1]`).
 */
export function formatEndpoint(ip: IPAddress, port: number): string {
  const host = ip.family === 6 ? `[${formatIP(ip)}]` : formatIP(ip);
  return port >= 0 ? `${host}:${port}` : host;
}

/**
 * Address from 4 (family 4) or 16 (family 6) network-order bytes at `offset`. Throws a
 * RangeError when the bytes are not there (a programming error, not bad input).
 */
export function ipFromBytes(bytes: Uint8Array, offset: number, family: 4 | 6): IPAddress {
  const size = family === 4 ? 4 : 16;
  if (!Number.isInteger(offset) || offset < 0 || offset + size > bytes.length) {
    throw new RangeError(`ipFromBytes: need ${size} bytes at offset ${offset}, have ${bytes.length}`);
  }
  const word = (at: number) =>
    bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
  if (family === 4) return ipv4FromNumber(word(offset));
  return ipv6(word(offset), word(offset + 4), word(offset + 8), word(offset + 12), '');
}

/** The address as 4 or 16 network-order bytes (the zone is not included). */
export function ipToBytes(ip: IPAddress): Uint8Array {
  if (ip.family === 4) {
    const out = new Uint8Array(4);
    putWord(out, 0, ip.w3);
    return out;
  }
  const out = new Uint8Array(16);
  putWord(out, 0, ip.w0);
  putWord(out, 4, ip.w1);
  putWord(out, 8, ip.w2);
  putWord(out, 12, ip.w3);
  return out;
}

function putWord(out: Uint8Array, at: number, w: number): void {
  out[at] = w >>> 24;
  out[at + 1] = (w >>> 16) & 0xff;
  out[at + 2] = (w >>> 8) & 0xff;
  out[at + 3] = w & 0xff;
}

/** True for IPv6 `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2). NAT64 `64:ff9b::/96` is not mapped. */
export function isIPv4Mapped(ip: IPAddress): boolean {
  return ip.family === 6 && ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff;
}

/** `::ffff:a.b.c.d` → `a.b.c.d` (zone dropped); any other address is returned unchanged. */
export function unmapIPv4(ip: IPAddress): IPAddress {
  return isIPv4Mapped(ip) ? ipv4FromNumber(ip.w3) : ip;
}

/** The address without its zone (the same object when it has none). */
export function withoutZone(ip: IPAddress): IPAddress {
  if (ip.zone === '') return ip;
  return { family: ip.family, w0: ip.w0, w1: ip.w1, w2: ip.w2, w3: ip.w3, zone: '' };
}

/**
 * Same family, same bits, same zone. `1.2.3.4` and `::ffff:1.2.3.4` are not equal here (use
 * {@link unmapIPv4} first to compare hosts); `fe80::1%eth0` and `fe80::1` are not equal either.
 */
export function equalIP(a: IPAddress, b: IPAddress): boolean {
  return a.family === b.family && a.w3 === b.w3 && a.w2 === b.w2 && a.w1 === b.w1 && a.w0 === b.w0 && a.zone === b.zone;
}

/** Mask keeping the top `bits` (0–32) of a 32-bit word, as an unsigned value. */
export function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Keep the first `prefix` bits of the address and zero the rest; the zone is dropped. Use it for
 * rate-limit keys (`maskIP(ip, 64)` groups an IPv6 /64). `prefix` must be an integer in 0–32
 * (IPv4) or 0–128 (IPv6), else a RangeError (a configuration bug, not request input).
 *
 * @example formatIP(maskIP(parseIP('2001:db8:1:2:3:4:5:6')!, 64)) // '2001:db8:1:2::'
 */
export function maskIP(ip: IPAddress, prefix: number): IPAddress {
  const bits = ip.family === 4 ? 32 : 128;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) {
    throw new RangeError(`maskIP: prefix must be an integer 0–${bits}, got ${String(prefix)}`);
  }
  if (ip.family === 4) return ipv4FromNumber(ip.w3 & wordMask(prefix));
  return ipv6(
    ip.w0 & wordMask(prefix),
    ip.w1 & wordMask(prefix - 32),
    ip.w2 & wordMask(prefix - 64),
    ip.w3 & wordMask(prefix - 96),
    '',
  );
}

/** `0.0.0.0` or `::` (any zone). */
export function isUnspecified(ip: IPAddress): boolean {
  return ip.w3 === 0 && ip.w2 === 0 && ip.w1 === 0 && ip.w0 === 0;
}

/** `127.0.0.0/8`, `::1`, or an IPv4-mapped `::ffff:127.x.y.z`. */
export function isLoopback(ip: IPAddress): boolean {
  if (ip.family === 4 || isIPv4Mapped(ip)) return ip.w3 >>> 24 === 127;
  return ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0 && ip.w3 === 1;
}
