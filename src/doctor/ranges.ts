/**
 * How wide a trust list is. Trusted-proxy settings (ingress-nginx `proxy-real-ip-cidr`, Kong
 * `trusted_ips`, Traefik `trustedIPs`, sourceip trust profiles) are lists of CIDRs whose permissive
 * value is a spoofing hole; this classifies a list with core/ip's parser.
 */
import { parseCidr } from '../core/ip/cidr.ts';
import { isNamedRange, NAMED_RANGES } from '../core/ip/ranges.ts';

export interface TrustAnalysis {
  /** Entries as written (split on commas and whitespace). */
  readonly entries: readonly string[];
  /** An entry covers every address (`0.0.0.0/0`, `::/0`, `any`, `*`, `all`, `true`). */
  readonly everything: boolean;
  /** The first entry wider than /8 (IPv4) or /7 (IPv6: wider than fc00::/7, e.g. 2000::/3) that is not everything. */
  readonly veryWide: string | undefined;
  /** Entries that are neither an address, a CIDR nor a named range. */
  readonly invalid: readonly string[];
}

const EVERYTHING_WORDS = new Set(['*', 'all', 'any', 'true', '0/0']);

/** Splits a comma/space separated setting value (`"10.0.0.0/8, 192.168.0.0/16"`). */
export function splitList(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(splitList);
  if (typeof value !== 'string' && typeof value !== 'number') return [];
  return String(value)
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

export function analyzeTrust(value: unknown): TrustAnalysis {
  const entries = splitList(value);
  let everything = false;
  let veryWide: string | undefined;
  const invalid: string[] = [];
  for (const entry of entries) {
    const lower = entry.toLowerCase();
    if (EVERYTHING_WORDS.has(lower)) {
      everything = true;
      continue;
    }
    const cidrs = isNamedRange(lower) ? NAMED_RANGES[lower]! : [entry];
    for (const text of cidrs) {
      const prefix = prefixOf(text);
      if (prefix === undefined) {
        invalid.push(entry);
        continue;
      }
      if (prefix.bits === 0) everything = true;
      else if (prefix.bits < (prefix.family === 4 ? 8 : 7)) veryWide ??= entry;
    }
  }
  return { entries, everything, veryWide: everything ? undefined : veryWide, invalid };
}

/**
 * Prefix length and family of a CIDR or address. Lenient about host bits (nginx and Kong accept
 * `10.0.0.1/8` and use the network); strict about everything else.
 */
function prefixOf(text: string): { bits: number; family: 4 | 6 } | undefined {
  try {
    const cidr = parseCidr(text);
    return { bits: cidr.prefix, family: cidr.ip.family };
  } catch {
    const slash = text.indexOf('/');
    if (slash < 0) return undefined;
    const bits = Number(text.slice(slash + 1));
    try {
      const network = parseCidr(text.slice(0, slash));
      const max = network.ip.family === 4 ? 32 : 128;
      if (!Number.isInteger(bits) || bits < 0 || bits > max || !/^\d+$/.test(text.slice(slash + 1))) return undefined;
      return { bits, family: network.ip.family };
    } catch {
      return undefined;
    }
  }
}
