/**
 * The key a rate limit counts a request under. It comes from the resolved client — the address
 * the trust walk accepted — never from a header a client could set; one person must not get a
 * fresh budget by changing an `X-Forwarded-For` value, nor by walking through the 2^64
 * addresses of the IPv6 /64 their ISP gave them.
 *
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.1`) counts as the IPv4 address.
 * - IPv6 is grouped by a prefix (/64 by default: one subscriber's LAN); the zone is dropped
 *   (it only means something on the host that added it).
 * - When the resolver refused to name a client (`client: null`), the direct peer is used and
 *   the result says so (`by: 'peer'`): everyone behind that peer then shares one budget, which
 *   is the safe failure.
 */
import { formatIP, maskIP, unmapIPv4 } from '../../core/ip/address.ts';
import type { IPAddress } from '../../core/ip/types.ts';
import type { PolicyRequest } from './types.ts';

/** Longest extra key part taken from a request header (attacker text: cut, never parsed). */
export const MAX_EXTRA_KEY = 128;

/**
 * Canonical text of the address group: `192.0.2.1`, `2001:db8:1:2::/64`, or the full IPv6
 * address when the prefix is 128.
 * @example addressKey(parseIP('2001:db8:1:2:aaaa::1%eth0')!, 64) // '2001:db8:1:2::/64'
 */
export function addressKey(ip: IPAddress, ipv6Prefix = 64): string {
  const host = unmapIPv4(ip);
  if (host.family === 4) return formatIP(host);
  if (ipv6Prefix >= 128) return formatIP(host.zone === '' ? host : maskIP(host, 128));
  return `${formatIP(maskIP(host, ipv6Prefix))}/${ipv6Prefix}`;
}

export interface RequestKey {
  readonly key: string;
  /** What the address part came from. */
  readonly by: 'client' | 'peer' | 'none';
}

export interface KeyOptions {
  readonly ipv6Prefix: number;
  /** Lower-case header name whose value is added to the key (e.g. an API key), if any. */
  readonly header?: string;
}

/**
 * @example requestKey(request, { ipv6Prefix: 64 }) // { key: '198.51.100.7', by: 'client' }
 */
export function requestKey(request: PolicyRequest, options: KeyOptions): RequestKey {
  let base: string;
  let by: RequestKey['by'];
  if (request.client !== null) {
    base = addressKey(request.client, options.ipv6Prefix);
    by = 'client';
  } else if (request.peer !== null) {
    base = `peer:${addressKey(request.peer, options.ipv6Prefix)}`;
    by = 'peer';
  } else {
    base = 'unknown';
    by = 'none';
  }
  if (options.header !== undefined) {
    const value = request.header(options.header);
    base += value === undefined ? '|-' : `|=${value.length > MAX_EXTRA_KEY ? value.slice(0, MAX_EXTRA_KEY) : value}`;
  }
  return { key: base, by };
}
