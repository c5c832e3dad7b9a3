/**
 * Named ranges usable wherever a trust or allow list takes a CIDR. `loopback`, `linklocal` and
 * `uniquelocal` are exactly proxy-addr's (Express `trust proxy`) names and ranges; the others are
 * ours. docs/ranges.md lists them with their sources.
 */

/** Name → CIDRs. Names are lowercase and matched exactly. */
export const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  /** RFC 1122 §3.2.1.3, RFC 4291 §2.5.3. */
  loopback: Object.freeze(['127.0.0.0/8', '::1/128']),
  /** RFC 3927, RFC 4291 §2.5.6. */
  linklocal: Object.freeze(['169.254.0.0/16', 'fe80::/10']),
  /** RFC 1918, RFC 4193. */
  uniquelocal: Object.freeze(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
  /** RFC 6598 shared address space (carrier-grade NAT). */
  cgnat: Object.freeze(['100.64.0.0/10']),
  /** loopback ∪ linklocal ∪ uniquelocal ∪ cgnat: addresses that never come from the public internet. */
  private: Object.freeze([
    '127.0.0.0/8',
    '::1/128',
    '169.254.0.0/16',
    'fe80::/10',
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    'fc00::/7',
    '100.64.0.0/10',
  ]),
  /** RFC 2544 benchmarking network. */
  benchmarking: Object.freeze(['198.18.0.0/15']),
  /** RFC 5737 TEST-NET-1/2/3 and RFC 3849. */
  documentation: Object.freeze(['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32']),
  /** Every address. Trusting it trusts everything; PrefixSet flags it with `trustsEverything`. */
  any: Object.freeze(['0.0.0.0/0', '::/0']),
});

/** True when `name` is one of {@link NAMED_RANGES} (exact, lowercase). */
export function isNamedRange(name: string): boolean {
  return Object.hasOwn(NAMED_RANGES, name);
}
