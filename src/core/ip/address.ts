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
  if (!(start >= 0)) start = 0;
  if (!(end <= text.length)) end = text.length;
  if (end - start < 7 || end - start > 15) return -1;
  const value = scanIPv4(text, start, end);
  return value >= 0 && scanEnd === end ? value : -1;
}

/** Where the last successful {@link scanIPv4} stopped (just after the dotted quad). */
let scanEnd = 0;

/**
 * Read a canonical dotted quad at `start`, not past `limit`; return its value (and set
 * `scanEnd`) or -1. Text may follow the quad: the caller decides what may.
 */
function scanIPv4(text: string, start: number, limit: number): number {
  // Unrolled per part (1–3 digits): about a quarter faster than a generic digit loop.
  let i = start;
  let value = 0;
  for (let p = 0; p < 4; p++) {
    if (i >= limit) return -1;
    let d = text.charCodeAt(i) - DIGIT_0;
    if (!(d >= 0 && d <= 9)) return -1;
    let part = d;
    i++;
    if (i < limit) {
      d = text.charCodeAt(i) - DIGIT_0;
      if (d >= 0 && d <= 9) {
        if (part === 0) return -1; // leading zero
        part = part * 10 + d;
        i++;
        if (i < limit) {
          d = text.charCodeAt(i) - DIGIT_0;
          if (d >= 0 && d <= 9) {
            part = part * 10 + d;
            if (part > 255) return -1;
            i++;
          }
        }
      }
    }
    value = value * 256 + part;
    if (p < 3) {
      if (i >= limit || text.charCodeAt(i) !== DOT) return -1;
      i++;
    }
  }
  scanEnd = i;
  return value;
}

/** IPv4 address from its unsigned 32-bit value (`n >>> 0` is applied). */
export function ipv4FromNumber(n: number): IPAddress {
  return { family: 4, w0: 0, w1: 0, w2: 0, w3: n >>> 0, zone: '' };
}

function ipv6(w0: number, w1: number, w2: number, w3: number, zone: string): IPAddress {
  return { family: 6, w0: w0 >>> 0, w1: w1 >>> 0, w2: w2 >>> 0, w3: w3 >>> 0, zone };
}

/** Hex digit value by character code (0–127), -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX[0x41 + d] = 10 + d;
  HEX[0x61 + d] = 10 + d;
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

/** One pass over `text[start, end)`: groups, at most one `::`, an optional dotted tail, an optional `%zone`. */
function parseIPv6(text: string, start: number, end: number): IPAddress | null {
  let n = 0; // groups written
  let gap = -1; // index in `groups` where `::` stands
  let zoneStart = -1;
  let i = start;
  if (i >= end) return null;
  if (text.charCodeAt(i) === COLON) {
    // A leading colon must be the start of `::`.
    if (i + 1 >= end || text.charCodeAt(i + 1) !== COLON) return null;
    gap = 0;
    i += 2;
    if (i < end && text.charCodeAt(i) === PERCENT) zoneStart = i + 1;
  }
  while (i < end && zoneStart < 0) {
    let value = 0;
    let j = i;
    let c = 0;
    for (; j < end; j++) {
      c = text.charCodeAt(j);
      const h = c < 128 ? HEX[c]! : -1;
      if (h < 0) break;
      value = ((value << 4) | h) & 0xfffff;
    }
    const digits = j - i;
    if (digits === 0) return null;
    if (j < end && c === DOT) {
      // RFC 4291 §2.2 form 3: the last 32 bits as a dotted quad (up to the zone, if any).
      if (n > 6) return null;
      let k = j + 1;
      while (k < end && text.charCodeAt(k) !== PERCENT) k++;
      const v4 = parseIPv4Number(text, i, k);
      if (v4 < 0) return null;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      if (k < end) zoneStart = k + 1;
      break;
    }
    if (digits > 4 || n === 8) return null;
    groups[n++] = value;
    if (j === end) break;
    if (c === PERCENT) {
      zoneStart = j + 1;
      break;
    }
    if (c !== COLON) return null;
    i = j + 1;
    if (i === end) return null; // trailing single `:`
    if (text.charCodeAt(i) === COLON) {
      if (gap >= 0) return null; // a second `::`
      gap = n;
      i++;
      if (i < end && text.charCodeAt(i) === PERCENT) zoneStart = i + 1;
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
  let zone = '';
  if (zoneStart >= 0) {
    if (!isValidZone(text, zoneStart, end)) return null;
    zone = text.slice(zoneStart, end);
  }
  return {
    family: 6,
    w0: groups[0]! * 0x10000 + groups[1]!,
    w1: groups[2]! * 0x10000 + groups[3]!,
    w2: groups[4]! * 0x10000 + groups[5]!,
    w3: groups[6]! * 0x10000 + groups[7]!,
    zone,
  };
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
  // Out-of-range or NaN bounds are clamped to the text (comparisons with NaN are false).
  if (!(start >= 0)) start = 0;
  if (!(end <= text.length)) end = text.length;
  const n = parseIPv4Number(text, start, end);
  if (n >= 0) return { family: 4, w0: 0, w1: 0, w2: 0, w3: n, zone: '' };
  // A string without a colon is never IPv6 (`::` or eight groups need one), so this is cheap to try.
  return parseIPv6(text, start, end);
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
    if (!(c >= DIGIT_0 && c <= DIGIT_9)) return -1;
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
  // Out-of-range or NaN bounds are clamped to the text (comparisons with NaN are false).
  if (!(start >= 0)) start = 0;
  if (!(end <= text.length)) end = text.length;
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
    // Only IPv6 goes in brackets: parseIPv6 rejects a bare dotted quad (`[1.2.3.4]`).
    const ip = parseIPv6(text, start + 1, close);
    return ip === null ? null : { ip, port };
  }
  // IPv4, optionally with a port. No IPv6 text form starts with a dotted quad, so a quad here
  // followed by anything but `:port` is invalid.
  const n = scanIPv4(text, start, end - start > 15 ? start + 15 : end);
  if (n >= 0) {
    const ip = ipv4FromNumber(n);
    if (scanEnd === end) return { ip, port: -1 };
    if (text.charCodeAt(scanEnd) !== COLON) return null;
    const port = parsePort(text, scanEnd + 1, end);
    return port < 0 ? null : { ip, port };
  }
  const ip = parseIPv6(text, start, end);
  return ip === null ? null : { ip, port: -1 };
}

// Lookup tables keep formatting free of number-to-string conversions.
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, b) => String(b));
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16));
const HEX_BYTE_PADDED: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function formatIPv4(n: number): string {
  return `${DECIMAL[n >>> 24]}.${DECIMAL[(n >>> 16) & 0xff]}.${DECIMAL[(n >>> 8) & 0xff]}.${DECIMAL[n & 0xff]}`;
}

/** A 16-bit group in lowercase hex without leading zeros (RFC 5952 §4.1, §4.3). */
function hexGroup(g: number): string {
  return g < 0x100 ? HEX_BYTE[g]! : HEX_BYTE[g >>> 8]! + HEX_BYTE_PADDED[g & 0xff]!;
}

const formatGroups = new Uint16Array(8);

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
  const g = formatGroups;
  g[0] = ip.w0 >>> 16;
  g[1] = ip.w0;
  g[2] = ip.w1 >>> 16;
  g[3] = ip.w1;
  g[4] = ip.w2 >>> 16;
  g[5] = ip.w2;
  g[6] = ip.w3 >>> 16;
  g[7] = ip.w3;
  // The longest run of zero groups of length ≥ 2, the first one on a tie (RFC 5952 §4.2).
  let bestStart = -1;
  let bestEnd = -1;
  for (let k = 0; k < 8; k++) {
    if (g[k] !== 0) continue;
    let e = k + 1;
    while (e < 8 && g[e] === 0) e++;
    if (e - k >= 2 && e - k > bestEnd - bestStart) {
      bestStart = k;
      bestEnd = e;
    }
    k = e;
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += '::';
      k = bestEnd - 1;
    } else {
      out += k === 0 || k === bestEnd ? hexGroup(g[k]!) : `:${hexGroup(g[k]!)}`;
    }
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

/**
 * RFC 5952 §4.2.2–4.2.3 on already-parsed text: given the eight 16-bit groups, where the text's
 * `::` stood (`gapAt`, the index of the first group it replaced, or -1 when the text had none) and
 * how many groups the text wrote out, tells whether the `::` compresses exactly the first longest
 * run of two or more zero groups — and that there is no such run when the text has no `::`.
 * Shared by the resolver's fast paths, which return already-canonical input as a substring.
 *
 * @example isRfc5952ZeroRun([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], 2, 3) // true: `2001:db8::1`
 */
export function isRfc5952ZeroRun(groups: ArrayLike<number>, gapAt: number, explicitGroups: number): boolean {
  let runStart = -1;
  let runLen = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let j = k + 1;
    while (j < 8 && groups[j] === 0) j++;
    if (j - k > runLen) {
      runStart = k;
      runLen = j - k;
    }
    k = j;
  }
  if (gapAt < 0) return runStart < 0;
  return gapAt === runStart && 8 - explicitGroups === runLen;
}
