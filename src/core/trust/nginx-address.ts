/**
 * nginx 1.22's own address text handling, reproduced exactly (src/core/ngx_inet.c of
 * release-1.22.1): `ngx_inet_addr`, `ngx_inet6_addr`, `ngx_parse_addr`, `ngx_parse_addr_port`,
 * `ngx_inet6_ntop` / `ngx_sock_ntop` (how `$remote_addr` prints), `ngx_ptocidr` and
 * `ngx_cidr_match` (`set_real_ip_from`). These differ from our strict parser on purpose: the
 * `nginx` strategy must answer what nginx answers, quirks included (see the TSDoc of each).
 */
import { InvalidCidrError } from '../errors.ts';
import type { IPAddress } from '../ip/types.ts';

/** An address as nginx holds it in a sockaddr: IPv4, IPv6 (never unmapped) or AF_UNIX. */
export type NginxAddress = IPAddress | 'unix';

/** A parsed `addr[:port]` entry; `port` 0 when absent (then `$remote_port` is empty). */
export interface NginxEndpoint {
  readonly ip: IPAddress;
  readonly port: number;
}

/** One `set_real_ip_from` entry: address and mask words, or AF_UNIX (`unix:`). */
export interface NginxCidr {
  readonly family: 4 | 6 | 'unix';
  /** Network and mask as four 32-bit words (IPv4 uses w3 only). */
  readonly addr: readonly [number, number, number, number];
  readonly mask: readonly [number, number, number, number];
  /** The text as configured, for traces. */
  readonly text: string;
}

const NONE = -1;

function ipv4(n: number): IPAddress {
  return { family: 4, w0: 0, w1: 0, w2: 0, w3: n >>> 0, zone: '' };
}

/**
 * `ngx_inet_addr`: decimal octets, exactly three dots. Leading zeros are read as decimal
 * (`010.1.1.1` is 10.1.1.1), empty octets count as 0 (`1..2.3` is 1.0.2.3), and
 * `255.255.255.255` is rejected because it equals INADDR_NONE. Returns the address as an
 * unsigned 32-bit number, or -1.
 */
export function nginxInetAddr(text: string, start = 0, end: number = text.length): number {
  let addr = 0;
  let octet = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + (c - 0x30);
      if (octet > 255) return NONE;
      continue;
    }
    if (c === 0x2e) {
      addr = ((addr << 8) + octet) >>> 0;
      octet = 0;
      dots++;
      continue;
    }
    return NONE;
  }
  if (dots !== 3) return NONE;
  addr = ((addr << 8) + octet) >>> 0;
  return addr === 0xffffffff ? NONE : addr;
}

const scratch = new Uint8Array(16);

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * `ngx_inet6_addr`: RFC 4291 text with nginx's deviations — a single leading `:` is skipped
 * (`:1:2:3:4:5:6:7:8` parses), `::` must stand for at least one group, groups have at most four
 * digits, the embedded IPv4 tail uses {@link nginxInetAddr} (so `::ffff:1..2.3` parses and
 * `::ffff:255.255.255.255` does not), zones (`%eth0`) and brackets are rejected.
 */
export function nginxInet6Addr(text: string, start = 0, end: number = text.length): IPAddress | null {
  let len = end - start;
  if (len === 0) return null;
  const out = scratch;
  out.fill(0);
  let w = 0; // write index into out
  let zero = -1;
  let digit = -1;
  let len4 = 0;
  let nibbles = 0;
  let word = 0;
  let n = 8;
  let p = start;
  if (text.charCodeAt(p) === 0x3a) {
    p++;
    len--;
  }
  for (; len > 0; len--) {
    const c = text.charCodeAt(p++);
    if (c === 0x3a) {
      if (nibbles) {
        digit = p;
        len4 = len;
        out[w++] = (word >> 8) & 0xff;
        out[w++] = word & 0xff;
        if (--n) {
          nibbles = 0;
          word = 0;
          continue;
        }
      } else if (zero === -1) {
        digit = p;
        len4 = len;
        zero = w;
        continue;
      }
      return null;
    }
    if (c === 0x2e && nibbles) {
      if (n < 2 || digit === -1) return null;
      const v4 = nginxInetAddr(text, digit, digit + len4 - 1);
      if (v4 === NONE) return null;
      out[w++] = (v4 >>> 24) & 0xff;
      out[w++] = (v4 >>> 16) & 0xff;
      word = v4 & 0xffff;
      n--;
      break;
    }
    if (++nibbles > 4) return null;
    const h = hexValue(c);
    if (h < 0) return null;
    word = word * 16 + h;
  }
  if (nibbles === 0 && zero === -1) return null;
  out[w++] = (word >> 8) & 0xff;
  out[w++] = word & 0xff;
  if (--n) {
    if (zero === -1) return null;
    // Move the bytes written after the `::` to the end, zero the gap (ngx_inet6_addr's memmove).
    const gap = n * 2;
    for (let s = w - 1; s >= zero; s--) out[s + gap] = out[s] as number;
    out.fill(0, zero, zero + gap);
  } else if (zero !== -1) {
    return null;
  }
  return {
    family: 6,
    w0:
      ((out[0] as number) * 0x1000000 + ((out[1] as number) << 16) + ((out[2] as number) << 8) + (out[3] as number)) >>>
      0,
    w1:
      ((out[4] as number) * 0x1000000 + ((out[5] as number) << 16) + ((out[6] as number) << 8) + (out[7] as number)) >>>
      0,
    w2:
      ((out[8] as number) * 0x1000000 +
        ((out[9] as number) << 16) +
        ((out[10] as number) << 8) +
        (out[11] as number)) >>>
      0,
    w3:
      ((out[12] as number) * 0x1000000 +
        ((out[13] as number) << 16) +
        ((out[14] as number) << 8) +
        (out[15] as number)) >>>
      0,
    zone: '',
  };
}

/** `ngx_parse_addr`: IPv4 (as {@link nginxInetAddr}) else IPv6 (as {@link nginxInet6Addr}). */
export function nginxParseAddr(text: string, start = 0, end: number = text.length): IPAddress | null {
  const v4 = nginxInetAddr(text, start, end);
  if (v4 !== NONE) return ipv4(v4);
  return nginxInet6Addr(text, start, end);
}

/** `ngx_atoi`: decimal digits only, at least one, no sign; -1 on error or overflow. */
function nginxAtoi(text: string, start: number, end: number): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
    // ngx_int_t overflow is an error; any value above 2^53 is far outside every range we check.
    if (value > Number.MAX_SAFE_INTEGER) return -1;
  }
  return value;
}

/**
 * `ngx_parse_addr_port` of 1.22: a bare address; else `[addr]:port` (the bracket content may be
 * IPv4: `[1.2.3.4]:80` parses) or `addr:port` split at the first `:`. The port must be 1–65535
 * (leading zeros allowed). `[2001:db8::1]` without a port is rejected (accepted only since 1.27.3).
 */
export function nginxParseAddrPort(text: string, start = 0, end: number = text.length): NginxEndpoint | null {
  const whole = nginxParseAddr(text, start, end);
  if (whole) return { ip: whole, port: 0 };
  let addrStart = start;
  let addrEnd: number;
  let portStart: number;
  if (end > start && text.charCodeAt(start) === 0x5b) {
    const close = text.indexOf(']', start);
    if (close === -1 || close >= end || close === end - 1 || text.charCodeAt(close + 1) !== 0x3a) return null;
    addrStart = start + 1;
    addrEnd = close;
    portStart = close + 2;
  } else {
    const colon = text.indexOf(':', start);
    if (colon === -1 || colon >= end) return null;
    addrEnd = colon;
    portStart = colon + 1;
  }
  const port = nginxAtoi(text, portStart, end);
  if (port < 1 || port > 65535) return null;
  const ip = nginxParseAddr(text, addrStart, addrEnd);
  return ip ? { ip, port } : null;
}

/**
 * `ngx_inet6_ntop`: the longest run of two or more zero groups (the first of equal runs) becomes
 * `::`; groups in lowercase hex without leading zeros. When the run starts at the first group,
 * the last 32 bits print as dotted IPv4 for `::ffff:a.b.c.d` (mapped), `::a.b.c.d` (six zero
 * groups) and seven zero groups unless the last group's bytes are `00xx` or `xx01`:
 * `::102` prints `::0.0.1.2`, but `::1` and `::101` stay hex.
 */
export function nginxFormatIPv6(ip: IPAddress): string {
  const words = [
    ip.w0 >>> 16,
    ip.w0 & 0xffff,
    ip.w1 >>> 16,
    ip.w1 & 0xffff,
    ip.w2 >>> 16,
    ip.w2 & 0xffff,
    ip.w3 >>> 16,
    ip.w3 & 0xffff,
  ];
  let zero = -1;
  let last = -1;
  let max = 1;
  let run = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] !== 0) {
      if (max < run) {
        zero = last;
        max = run;
      }
      run = 0;
      continue;
    }
    if (run++ === 0) last = i;
  }
  if (max < run) {
    zero = last;
    max = run;
  }
  const b12 = (ip.w3 >>> 24) & 0xff;
  const b13 = (ip.w3 >>> 16) & 0xff;
  const b14 = (ip.w3 >>> 8) & 0xff;
  const b15 = ip.w3 & 0xff;
  let groups = 8;
  let out = '';
  if (zero === 0) {
    if ((max === 5 && words[5] === 0xffff) || max === 6 || (max === 7 && b14 !== 0 && b15 !== 1)) groups = 6;
    out = ':';
  }
  for (let i = 0; i < groups; i++) {
    if (i === zero) {
      out += ':';
      i += max - 1;
      continue;
    }
    out += (words[i] as number).toString(16);
    if (i < 7) out += ':';
  }
  if (groups === 6) out += `${b12}.${b13}.${b14}.${b15}`;
  return out;
}

/** `$remote_addr` text of an address (ngx_sock_ntop without port); `unix:` for AF_UNIX. */
export function nginxFormatAddress(addr: NginxAddress): string {
  if (addr === 'unix') return 'unix:';
  if (addr.family === 4) {
    const n = addr.w3;
    return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
  }
  return nginxFormatIPv6(addr);
}

function prefixMask(bits: number, words: number): [number, number, number, number] {
  const mask: [number, number, number, number] = [0, 0, 0, 0];
  const first = 4 - words;
  for (let i = 0; i < words; i++) {
    const take = Math.min(32, Math.max(0, bits - i * 32));
    mask[first + i] = take === 0 ? 0 : (0xffffffff << (32 - take)) >>> 0;
  }
  return mask;
}

/**
 * `set_real_ip_from` value as 1.22 compiles it: `unix:`, or `ngx_ptocidr` (address parsed as by
 * {@link nginxParseAddr}, mask after the first `/` with `ngx_atoi`, host bits cleared — nginx only
 * warns about them). nginx would resolve anything else as a host name at start-up; we refuse it,
 * except `255.255.255.255`, which ngx_ptocidr rejects and the resolver returns as itself.
 */
export function nginxParseCidr(text: string): NginxCidr {
  if (text === 'unix:') return { family: 'unix', addr: [0, 0, 0, 0], mask: [0, 0, 0, 0], text };
  if (text === '255.255.255.255') {
    return { family: 4, addr: [0, 0, 0, 0xffffffff], mask: [0, 0, 0, 0xffffffff], text };
  }
  const slash = text.indexOf('/');
  const addrEnd = slash === -1 ? text.length : slash;
  const v4 = nginxInetAddr(text, 0, addrEnd);
  const ip: IPAddress | null = v4 !== NONE ? ipv4(v4) : nginxInet6Addr(text, 0, addrEnd);
  if (ip === null) {
    throw new InvalidCidrError(text, 'not an address nginx 1.22 parses (host names are not resolved)');
  }
  const max = ip.family === 4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    bits = nginxAtoi(text, slash + 1, text.length);
    if (bits < 0 || bits > max) throw new InvalidCidrError(text, `prefix length must be 0–${max}`);
  }
  const mask = prefixMask(bits, ip.family === 4 ? 1 : 4);
  const addr: [number, number, number, number] = [
    (ip.w0 & mask[0]) >>> 0,
    (ip.w1 & mask[1]) >>> 0,
    (ip.w2 & mask[2]) >>> 0,
    (ip.w3 & mask[3]) >>> 0,
  ];
  return { family: max === 32 ? 4 : 6, addr, mask, text };
}

/**
 * `ngx_cidr_match`: an IPv4-mapped IPv6 address is matched as IPv4 (against IPv4 entries only —
 * never against an IPv6 `::ffff:…/n` entry); IPv6 against IPv6 entries; AF_UNIX against `unix:`.
 * Returns the matching entry, or null.
 */
export function nginxCidrMatch(addr: NginxAddress, cidrs: readonly NginxCidr[]): NginxCidr | null {
  let family: 4 | 6 | 'unix';
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  if (addr === 'unix') {
    family = 'unix';
  } else if (addr.family === 6 && addr.w0 === 0 && addr.w1 === 0 && addr.w2 === 0xffff) {
    family = 4;
    w3 = addr.w3;
  } else {
    family = addr.family;
    w0 = addr.w0;
    w1 = addr.w1;
    w2 = addr.w2;
    w3 = addr.w3;
  }
  for (const cidr of cidrs) {
    if (cidr.family !== family) continue;
    if (family === 'unix') return cidr;
    const m = cidr.mask;
    const a = cidr.addr;
    if ((w3 & m[3]) >>> 0 !== a[3]) continue;
    if (family === 6 && ((w0 & m[0]) >>> 0 !== a[0] || (w1 & m[1]) >>> 0 !== a[1] || (w2 & m[2]) >>> 0 !== a[2]))
      continue;
    return cidr;
  }
  return null;
}
