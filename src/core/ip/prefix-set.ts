/**
 * A compiled set of networks for per-request membership tests.
 *
 * Setup turns the configured entries (addresses, CIDRs, named ranges) into sorted, disjoint
 * address intervals — one table for IPv4, one for IPv6 — each labelled with the configured entry
 * that covers it most specifically. A lookup is a binary search over typed arrays: no allocation,
 * no string keys.
 */
import { InvalidCidrError } from '../errors.ts';
import { parseIP } from './address.ts';
import { parseCidr } from './cidr.ts';
import { isNamedRange, NAMED_RANGES } from './ranges.ts';
import type { Cidr, IPAddress } from './types.ts';

type Interval = { start: bigint; end: bigint; label: number };
type Item = Interval & { order: number };

function cidrToInterval(cidr: Cidr): { start: bigint; end: bigint } {
  const ip = cidr.ip;
  const bits = ip.family === 4 ? 32 : 128;
  const start =
    ip.family === 4
      ? BigInt(ip.w3)
      : (BigInt(ip.w0) << 96n) | (BigInt(ip.w1) << 64n) | (BigInt(ip.w2) << 32n) | BigInt(ip.w3);
  const size = 1n << BigInt(bits - cidr.prefix);
  return { start, end: start + size - 1n };
}

/**
 * Flatten nested-or-disjoint intervals (CIDRs never partly overlap) into disjoint ones, each
 * labelled by the most specific covering item; among identical items the first configured wins.
 */
function flatten(items: Item[]): Interval[] {
  items.sort((a, b) =>
    a.start !== b.start ? (a.start < b.start ? -1 : 1) : a.end !== b.end ? (a.end > b.end ? -1 : 1) : a.order - b.order,
  );
  const out: Interval[] = [];
  const emit = (start: bigint, end: bigint, label: number) => {
    if (start > end) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.label === label && last.end + 1n === start) last.end = end;
    else out.push({ start, end, label });
  };
  const stack: Item[] = [];
  let cursor = 0n;
  for (const item of items) {
    while (stack.length > 0 && stack[stack.length - 1]!.end < item.start) {
      const top = stack.pop()!;
      emit(cursor, top.end, top.label);
      cursor = top.end + 1n;
    }
    const top = stack[stack.length - 1];
    if (top !== undefined) {
      if (top.start === item.start && top.end === item.end) continue; // duplicate: first one wins
      emit(cursor, item.start - 1n, top.label);
    }
    cursor = item.start;
    stack.push(item);
  }
  while (stack.length > 0) {
    const top = stack.pop()!;
    emit(cursor, top.end, top.label);
    cursor = top.end + 1n;
  }
  return out;
}

const NAMES = Object.keys(NAMED_RANGES).join(', ');

/**
 * Trusted/allowed networks compiled once at setup.
 *
 * @example
 * const trusted = PrefixSet.compile(['loopback', '10.0.0.0/8', '2001:db8::/32']);
 * trusted.has(parseIP('::ffff:10.1.2.3')!); // true: IPv4-mapped matches IPv4 networks
 * trusted.match(parseIP('127.0.0.1')!); // 'loopback'
 */
export class PrefixSet {
  /** The entries as configured, in order. */
  readonly entries: readonly string[];
  /** True when an entry covers all of IPv4 or all of IPv6 (a /0, e.g. `any`, `0.0.0.0/0`, `::/0`). */
  readonly trustsEverything: boolean;
  /** True when there are no entries. */
  readonly isEmpty: boolean;
  readonly #v4Start: Uint32Array;
  readonly #v4End: Uint32Array;
  readonly #v4Label: Int32Array;
  /** Four words per interval, big-endian order. */
  readonly #v6Start: Uint32Array;
  readonly #v6End: Uint32Array;
  readonly #v6Label: Int32Array;

  /** A set with no entries: matches nothing. */
  static readonly EMPTY: PrefixSet = PrefixSet.compile([]);

  private constructor(entries: readonly string[], v4: Interval[], v6: Interval[], trustsEverything: boolean) {
    this.entries = Object.freeze([...entries]);
    this.isEmpty = entries.length === 0;
    this.trustsEverything = trustsEverything;
    this.#v4Start = Uint32Array.from(v4, (r) => Number(r.start));
    this.#v4End = Uint32Array.from(v4, (r) => Number(r.end));
    this.#v4Label = Int32Array.from(v4, (r) => r.label);
    this.#v6Start = new Uint32Array(v6.length * 4);
    this.#v6End = new Uint32Array(v6.length * 4);
    this.#v6Label = Int32Array.from(v6, (r) => r.label);
    v6.forEach((r, i) => {
      for (let k = 0; k < 4; k++) {
        const shift = BigInt(96 - 32 * k);
        this.#v6Start[i * 4 + k] = Number((r.start >> shift) & 0xffffffffn);
        this.#v6End[i * 4 + k] = Number((r.end >> shift) & 0xffffffffn);
      }
    });
  }

  /**
   * Compile entries: IP addresses, CIDRs (see parseCidr) and named ranges (ranges.ts). Entries
   * are not split on commas. Throws InvalidCidrError naming the first bad entry.
   */
  static compile(entries: readonly string[]): PrefixSet {
    const v4: Item[] = [];
    const v6: Item[] = [];
    let trustsEverything = false;
    let order = 0;
    entries.forEach((entry, label) => {
      if (typeof entry !== 'string') throw new InvalidCidrError(String(entry), 'entry is not a string');
      let cidrs: Cidr[];
      if (isNamedRange(entry)) {
        cidrs = NAMED_RANGES[entry]!.map(parseCidr);
      } else {
        // Without a "/" the entry was meant as an address or a name: say which names exist.
        if (entry !== '' && !entry.includes('/') && parseIP(entry) === null) {
          throw new InvalidCidrError(entry, `not an IP address, CIDR or named range (${NAMES})`);
        }
        cidrs = [parseCidr(entry)];
      }
      for (const cidr of cidrs) {
        if (cidr.prefix === 0) trustsEverything = true;
        const { start, end } = cidrToInterval(cidr);
        if (cidr.ip.family === 4) {
          v4.push({ start, end, label, order: order++ });
        } else {
          v6.push({ start, end, label, order: order++ });
        }
      }
    });
    return new PrefixSet(entries, flatten(v4), flatten(v6), trustsEverything);
  }

  /** Label index of the IPv4 interval holding `n`, or -1. */
  #findV4(n: number): number {
    const starts = this.#v4Start;
    let lo = 0;
    let hi = starts.length - 1;
    // Last interval whose start ≤ n.
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= n) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && n <= this.#v4End[hi]! ? this.#v4Label[hi]! : -1;
  }

  #findV6(ip: IPAddress): number {
    const starts = this.#v6Start;
    let lo = 0;
    let hi = this.#v6Label.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(starts, mid * 4, ip) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && compare(this.#v6End, hi * 4, ip) >= 0 ? this.#v6Label[hi]! : -1;
  }

  /** #findV6 for an address given as its four words (unsigned), without an IPAddress object. */
  #findV6Words(w0: number, w1: number, w2: number, w3: number): number {
    const starts = this.#v6Start;
    let lo = 0;
    let hi = this.#v6Label.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWords(starts, mid * 4, w0, w1, w2, w3) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && compareWords(this.#v6End, hi * 4, w0, w1, w2, w3) >= 0 ? this.#v6Label[hi]! : -1;
  }

  #find(ip: IPAddress): number {
    if (ip.family === 4) return this.#findV4(ip.w3);
    if (ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff) return this.#findV4(ip.w3);
    return this.#findV6(ip);
  }

  /**
   * True when `ip` is in the set. IPv4 and IPv4-mapped addresses match IPv4 networks only (never
   * an IPv6 network such as `::/0`); zones are ignored. Same answer as some(cidrContains).
   */
  has(ip: IPAddress): boolean {
    return this.#find(ip) >= 0;
  }

  /** Fast path for an IPv4 address given as its unsigned 32-bit value (see parseIPv4Number). */
  hasIPv4(n: number): boolean {
    return this.#findV4(n >>> 0) >= 0;
  }

  /**
   * Fast path for an IPv6 address given as its four big-endian 32-bit words (`IPAddress.w0…w3`):
   * the same answer as `has({ family: 6, w0, w1, w2, w3, zone: '' })` — IPv4-mapped words match
   * IPv4 networks — without building the address object.
   *
   * @example PrefixSet.compile(['fd00::/8']).hasIPv6Words(0xfd000000, 0, 0, 2) // true
   */
  hasIPv6Words(w0: number, w1: number, w2: number, w3: number): boolean {
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) return this.#findV4(w3 >>> 0) >= 0;
    return this.#findV6Words(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0) >= 0;
  }

  /**
   * The configured entry text that covers `ip` (the most specific one when several do), e.g.
   * `'loopback'` or `'10.0.0.0/8'`, or undefined. For traces.
   */
  match(ip: IPAddress): string | undefined {
    const label = this.#find(ip);
    return label >= 0 ? this.entries[label] : undefined;
  }
}

/** Compare the 128-bit value at `words[at..at+3]` with `ip`: negative, 0 or positive. */
function compare(words: Uint32Array, at: number, ip: IPAddress): number {
  let d = words[at]! - ip.w0;
  if (d !== 0) return d;
  d = words[at + 1]! - ip.w1;
  if (d !== 0) return d;
  d = words[at + 2]! - ip.w2;
  if (d !== 0) return d;
  return words[at + 3]! - ip.w3;
}

/** {@link compare} with the address as four words. */
function compareWords(words: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number): number {
  let d = words[at]! - w0;
  if (d !== 0) return d;
  d = words[at + 1]! - w1;
  if (d !== 0) return d;
  d = words[at + 2]! - w2;
  if (d !== 0) return d;
  return words[at + 3]! - w3;
}
