/**
 * CIDR parsing and single-network membership. Parsing happens at setup and throws
 * InvalidCidrError; membership runs per request and only compares integers.
 */
import { InvalidCidrError } from '../errors.ts';
import { formatIP, ipv4FromNumber, isIPv4Mapped, maskIP, parseIP, parseIPv4Number, wordMask } from './address.ts';
import type { Cidr, IPAddress } from './types.ts';

function makeCidr(ip: IPAddress, prefix: number): Cidr {
  return { ip, prefix, text: `${formatIP(ip)}/${prefix}` };
}

/** Prefix length of a contiguous IPv4 netmask (`255.255.0.0` → 16), or -1. */
function netmaskPrefix(mask: number): number {
  for (let p = 0; p <= 32; p++) if (wordMask(p) === mask) return p;
  return -1;
}

/**
 * Parse `address/prefix` or a bare address (/32 for IPv4, /128 for IPv6) into a canonical Cidr.
 *
 * Throws {@link InvalidCidrError} when the address does not parse (IPv4 must be a canonical
 * dotted quad), the prefix is empty, not decimal, has leading zeros or is out of range, a zone is
 * present, or host bits are set: `1.2.3.4/24` is rejected ("did you mean 1.2.3.0/24?") because a
 * typo there silently changes who is trusted (docs/ranges.md).
 *
 * IPv4-mapped networks with a prefix of 96 or more normalise to IPv4 (`::ffff:10.0.0.0/104` →
 * `10.0.0.0/8`), so that mapped and plain forms match the same addresses.
 *
 * @example parseCidr('2001:DB8::/32').text // '2001:db8::/32'
 */
export function parseCidr(text: string): Cidr {
  if (text.length === 0) throw new InvalidCidrError(text, 'empty');
  let slash = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 0x2f) {
      if (slash >= 0) throw new InvalidCidrError(text, 'more than one "/"');
      slash = i;
    }
  }
  const addrEnd = slash < 0 ? text.length : slash;
  const ip = parseIP(text, 0, addrEnd);
  if (ip === null) {
    throw new InvalidCidrError(
      text,
      addrEnd === text.length ? 'not an IP address' : 'address part is not an IP address',
    );
  }
  if (ip.zone !== '') throw new InvalidCidrError(text, 'a zone (%…) is not allowed in a network');
  const bits = ip.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const start = slash + 1;
    const len = text.length - start;
    if (len === 0) throw new InvalidCidrError(text, 'prefix length missing after "/"');
    if (ip.family === 4 && parseIPv4Number(text, start) >= 0) {
      const p = netmaskPrefix(parseIPv4Number(text, start));
      throw new InvalidCidrError(
        text,
        p < 0 ? 'netmask notation is not supported' : `netmask notation is not supported; write /${p}`,
      );
    }
    prefix = 0;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) throw new InvalidCidrError(text, 'prefix length must be decimal digits');
      prefix = prefix * 10 + (c - 0x30);
      if (prefix > 999) break;
    }
    if (len > 1 && text.charCodeAt(start) === 0x30) {
      throw new InvalidCidrError(text, 'prefix length has a leading zero');
    }
    if (prefix > bits) throw new InvalidCidrError(text, `prefix length must be 0–${bits} for IPv${ip.family}`);
  }
  const network = maskIP(ip, prefix);
  if (network.w0 !== ip.w0 || network.w1 !== ip.w1 || network.w2 !== ip.w2 || network.w3 !== ip.w3) {
    throw new InvalidCidrError(text, `host bits set; did you mean ${formatIP(network)}/${prefix}?`);
  }
  if (prefix >= 96 && isIPv4Mapped(network)) return makeCidr(ipv4FromNumber(network.w3), prefix - 96);
  return makeCidr(network, prefix);
}

/**
 * True when `ip` is inside `cidr`. The zone is ignored. An IPv4 address and its IPv4-mapped IPv6
 * form (`::ffff:a.b.c.d`) are the same host and both belong to IPv4 space: they match IPv4
 * networks (and mapped networks, which parseCidr stores as IPv4) and never IPv6 networks, not
 * even `::/0` — as nginx (`ngx_cidr_match`) and proxy-addr decide.
 *
 * @example cidrContains(parseCidr('10.0.0.0/8'), parseIP('::ffff:10.1.2.3')!) // true
 */
export function cidrContains(cidr: Cidr, ip: IPAddress): boolean {
  const net = cidr.ip;
  const prefix = cidr.prefix;
  const isV4Space = ip.family === 4 || (ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff);
  if (net.family === 4) return isV4Space && (ip.w3 & wordMask(prefix)) >>> 0 === net.w3;
  return (
    !isV4Space &&
    (ip.w0 & wordMask(prefix)) >>> 0 === net.w0 &&
    (ip.w1 & wordMask(prefix - 32)) >>> 0 === net.w1 &&
    (ip.w2 & wordMask(prefix - 64)) >>> 0 === net.w2 &&
    (ip.w3 & wordMask(prefix - 96)) >>> 0 === net.w3
  );
}
