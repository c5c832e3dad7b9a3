/**
 * What Express 5's `trust proxy` sees as an address: ipaddr.js 1.9.1 (`isValid`, `parse`) as
 * used by proxy-addr 2.0.x, and proxy-addr's compile rules (`compile`, `parseipNotation`,
 * `trustSingle`/`trustMulti`). Reproduced, not imported: src/core has no dependencies.
 *
 * ipaddr.js 1.9.1 accepts far more than dotted quads — `10` (0.0.0.10), `167772161`
 * (10.0.0.1), `0xa.0.0.1`, octal `012.0.0.1` (10.0.0.1), `0X1F` (0, the capital X makes it
 * octal), `1:2:3:4:5:6:7:8:` (trailing colon), `1::2:3:4:5:6:7:8` (`::` for no group) — and
 * rejects some RFC 4291 forms (`::1.2.3.4`, `1::1.2.3.4`). Zones `%[0-9a-z]+` are accepted and
 * ignored when matching. Every rule below is checked against the real library by
 * test/resolve/express-address-differential.test.ts.
 */
import { InvalidCidrError, InvalidOptionError } from '../errors.ts';
import type { IPAddress } from '../ip/types.ts';

const MAX32 = 0xffffffff;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** An IPv4 part token of ipaddr.js: `\d+` or `0[xX][0-9a-fA-F]+`. */
function isV4Part(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  let allDigits = true;
  for (let i = start; i < end; i++) if (!isDigit(s.charCodeAt(i))) allDigits = false;
  if (allDigits) return true;
  if (end - start < 3 || s.charCodeAt(start) !== 0x30) return false;
  const x = s.charCodeAt(start + 1);
  if (x !== 0x78 && x !== 0x58) return false;
  for (let i = start + 2; i < end; i++) if (hexDigit(s.charCodeAt(i)) < 0) return false;
  return true;
}

/** `parseInt(text, radix)` over a prefix of valid digits (JS semantics: stop at the first invalid digit). */
function parseIntPrefix(s: string, start: number, end: number, radix: number): number {
  let value = 0;
  let any = false;
  for (let i = start; i < end; i++) {
    const d = hexDigit(s.charCodeAt(i));
    if (d < 0 || d >= radix) break;
    value = value * radix + d;
    any = true;
  }
  return any ? value : Number.NaN;
}

/** ipaddr.js `parseIntAuto`: a leading `0` not followed by a lowercase `x` means octal. */
function parseIntAuto(s: string, start: number, end: number): number {
  if (s.charCodeAt(start) === 0x30 && s.charCodeAt(start + 1) !== 0x78) return parseIntPrefix(s, start, end, 8);
  const x = s.charCodeAt(start + 1);
  if (s.charCodeAt(start) === 0x30 && (x === 0x78 || x === 0x58)) return parseIntPrefix(s, start + 2, end, 16);
  return parseIntPrefix(s, start, end, 10);
}

/** `parseInt(text)` without radix (the transitional IPv4 tail): `0x`/`0X` hex, else decimal. */
function parseIntNoRadix(s: string, start: number, end: number): number {
  const x = s.charCodeAt(start + 1);
  if (s.charCodeAt(start) === 0x30 && (x === 0x78 || x === 0x58)) return parseIntPrefix(s, start + 2, end, 16);
  return parseIntPrefix(s, start, end, 10);
}

/** ipaddr.IPv4.isValid + parse: four parts or one long value. Returns the address number or -1. */
export function ipaddrParseIPv4(s: string): number {
  const dots: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 0x2e) {
      dots.push(i);
      if (dots.length > 3) return -1;
    }
  }
  if (dots.length === 3) {
    let addr = 0;
    let start = 0;
    for (let k = 0; k < 4; k++) {
      const end = k < 3 ? (dots[k] as number) : s.length;
      if (!isV4Part(s, start, end)) return -1;
      const v = parseIntAuto(s, start, end);
      if (!(v >= 0 && v <= 255)) return -1;
      addr = addr * 256 + v;
      start = end + 1;
    }
    return addr;
  }
  if (dots.length === 0 && isV4Part(s, 0, s.length)) {
    const v = parseIntAuto(s, 0, s.length);
    if (!(v >= 0 && v <= MAX32)) return -1;
    return v;
  }
  return -1;
}

/** ipaddr.js `expandIPv6(string, parts)`; `text` has no zone. Returns the groups or null. */
function expandIPv6(text: string, parts: number): number[] | null {
  const first = text.indexOf('::');
  if (first !== text.lastIndexOf('::')) return null;
  let colons = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x3a) colons++;
  if (text.startsWith('::')) colons--;
  if (text.endsWith('::')) colons--;
  if (colons > parts) return null;
  let s = text;
  if (first !== -1) s = `${text.slice(0, first)}:${'0:'.repeat(parts - colons)}${text.slice(first + 2)}`;
  if (s.charCodeAt(0) === 0x3a) s = s.slice(1);
  if (s.charCodeAt(s.length - 1) === 0x3a) s = s.slice(0, -1);
  const groups: number[] = [];
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s.charCodeAt(i) === 0x3a) {
      groups.push(parseIntPrefix(s, start, i, 16));
      start = i + 1;
    }
  }
  return groups;
}

/** Colon-run grammar of the IPv6 regexes; `leadingOnly` = the transitional prefix (must end in a colon). */
function matchesColonGrammar(s: string, start: number, end: number, prefix: boolean): boolean {
  let i = start;
  let hexRuns = 0;
  // Leading colons: none, or exactly `::`.
  let run = 0;
  while (i < end && s.charCodeAt(i) === 0x3a) {
    run++;
    i++;
  }
  if (run !== 0 && run !== 2) return false;
  // Only colons: `::` (`::::` matches the regex too, but expandIPv6 refuses it).
  if (i === end) return run === 2;
  let lastRun = 0;
  while (i < end) {
    const hs = i;
    while (i < end && hexDigit(s.charCodeAt(i)) >= 0) i++;
    if (i === hs) return false;
    hexRuns++;
    const cs = i;
    while (i < end && s.charCodeAt(i) === 0x3a) i++;
    lastRun = i - cs;
    if (i < end && lastRun > 2) return false;
    if (i < end && lastRun === 0) return false;
  }
  if (prefix) return lastRun === 1 || lastRun === 2;
  // Trailing run: from a group's `:`/`::` plus an optional `::` (`:::` and `::::` are then refused by expandIPv6).
  return hexRuns > 0 && lastRun <= 4;
}

function words(groups: readonly number[]): IPAddress {
  return {
    family: 6,
    w0: ((groups[0] as number) * 0x10000 + (groups[1] as number)) >>> 0,
    w1: ((groups[2] as number) * 0x10000 + (groups[3] as number)) >>> 0,
    w2: ((groups[4] as number) * 0x10000 + (groups[5] as number)) >>> 0,
    w3: ((groups[6] as number) * 0x10000 + (groups[7] as number)) >>> 0,
    zone: '',
  };
}

function validGroups(groups: readonly number[] | null): groups is number[] {
  if (groups === null || groups.length !== 8) return false;
  for (const g of groups) if (!(g >= 0 && g <= 0xffff)) return false;
  return true;
}

/** ipaddr.IPv6.isValid + parse (native or transitional form, optional `%zone`); null when invalid. */
export function ipaddrParseIPv6(s: string): IPAddress | null {
  if (s.indexOf(':') === -1) return null;
  const pct = s.indexOf('%');
  const bodyEnd = pct === -1 ? s.length : pct;
  let zone = '';
  if (pct !== -1) {
    if (pct === s.length - 1) return null;
    for (let i = pct + 1; i < s.length; i++) if (!isAlnum(s.charCodeAt(i))) return null;
    zone = s.slice(pct + 1);
  }
  let hasDot = false;
  for (let i = 0; i < bodyEnd; i++) if (s.charCodeAt(i) === 0x2e) hasDot = true;
  if (!hasDot) {
    if (!matchesColonGrammar(s, 0, bodyEnd, false)) return null;
    const groups = expandIPv6(s.slice(0, bodyEnd), 8);
    if (!validGroups(groups)) return null;
    return { ...words(groups), zone };
  }
  // Transitional: `<groups ending in a colon><a.b.c.d>`; the IPv4 parts are read by parseInt
  // without radix (decimal or 0x-hex, no octal), and the prefix loses its last colon before
  // expansion to six groups — which is why `::1.2.3.4` and `1::1.2.3.4` are invalid.
  const lastColon = s.lastIndexOf(':', bodyEnd - 1);
  if (!matchesColonGrammar(s, 0, lastColon + 1, true)) return null;
  const octets: number[] = [];
  let start = lastColon + 1;
  for (let k = 0; k < 4; k++) {
    let end = start;
    while (end < bodyEnd && s.charCodeAt(end) !== 0x2e) end++;
    if (k < 3 ? end >= bodyEnd : end !== bodyEnd) return null;
    if (!isV4Part(s, start, end)) return null;
    octets.push(parseIntNoRadix(s, start, end));
    start = end + 1;
  }
  const head = expandIPv6(s.slice(0, lastColon), 6);
  if (head === null) return null;
  for (const o of octets) if (!(o >= 0 && o <= 255)) return null;
  const groups = [
    ...head,
    (octets[0] as number) * 256 + (octets[1] as number),
    (octets[2] as number) * 256 + (octets[3] as number),
  ];
  if (!validGroups(groups)) return null;
  return { ...words(groups), zone };
}

/** ipaddr.js 1.9.1 `parse(isValid ? s : …)`: IPv6 first, then IPv4; null when `isValid` is false. */
export function ipaddrParse(s: unknown): IPAddress | null {
  if (typeof s !== 'string') return null;
  const v6 = ipaddrParseIPv6(s);
  if (v6 !== null) return v6;
  const v4 = ipaddrParseIPv4(s);
  return v4 < 0 ? null : { family: 4, w0: 0, w1: 0, w2: 0, w3: v4 >>> 0, zone: '' };
}

function isMapped(ip: IPAddress): boolean {
  return ip.family === 6 && ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff;
}

/** One compiled trust entry: proxy-addr's `[ip, range]`. */
export interface ExpressSubnet {
  readonly ip: IPAddress;
  readonly range: number;
  /** The entry as configured (for traces), e.g. `loopback` or `10.0.0.0/8`. */
  readonly text: string;
}

/** proxy-addr's named ranges (`IP_RANGES`), exactly — note `127.0.0.1/8`. */
const EXPRESS_RANGES: Readonly<Record<string, readonly string[]>> = {
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  loopback: ['127.0.0.1/8', '::1/128'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

function prefixLengthFromMask(mask: number): number | null {
  // ipaddr.js prefixLengthFromSubnetMask: contiguous ones from the left, else null.
  let bits = 0;
  let seenZero = false;
  for (let b = 31; b >= 0; b--) {
    const one = (mask >>> b) & 1;
    if (one && seenZero) return null;
    if (one) bits++;
    else seenZero = true;
  }
  return bits;
}

/**
 * proxy-addr `parseipNotation`: `ip`, `ip/prefix` (decimal digits) or IPv4 `ip/netmask` (any
 * ipaddr.js IPv4 form, contiguous). A mapped IPv6 without `/` is stored as IPv4. Prefix 0 is
 * refused (`range <= 0`), so `0.0.0.0/0` and `::/0` are errors. Host bits are kept (ignored).
 */
export function expressParseSubnet(note: string, text: string = note): ExpressSubnet {
  const slash = note.lastIndexOf('/');
  const addrText = slash === -1 ? note : note.slice(0, slash);
  let ip = ipaddrParse(addrText);
  if (ip === null) throw new InvalidCidrError(text, `invalid IP address: ${addrText}`);
  if (slash === -1 && isMapped(ip)) ip = { family: 4, w0: 0, w1: 0, w2: 0, w3: ip.w3, zone: '' };
  const max = ip.family === 6 ? 128 : 32;
  let range: number | null;
  if (slash === -1) range = max;
  else {
    const r = note.slice(slash + 1);
    let digits = r.length > 0;
    for (let i = 0; i < r.length; i++) if (!isDigit(r.charCodeAt(i))) digits = false;
    if (digits) range = Number.parseInt(r, 10);
    else if (ip.family === 4 && ipaddrParse(r) !== null) {
      const mask = ipaddrParse(r) as IPAddress;
      range = mask.family === 4 ? prefixLengthFromMask(mask.w3) : null;
    } else range = null;
  }
  if (range === null || range <= 0 || range > max)
    throw new InvalidCidrError(text, `invalid range on address: ${note}`);
  return { ip, range, text };
}

/** An Express `trust proxy` value (what `app.set('trust proxy', …)` takes), functions excepted. */
export type ExpressTrustSetting = boolean | number | string | readonly string[] | null | undefined;

/** A compiled trust function, `(addr, i)` as proxy-addr calls it (i = 0 for the socket). */
export type ExpressTrust = (addr: string | undefined, index: number) => boolean;

/** Compiled `trust proxy`: the function, its subnets (if any) and whether it trusts everything. */
export interface CompiledExpressTrust {
  /** `all` (true), `hops` (a number), `subnets` (addresses and ranges; none = trust nothing). */
  readonly kind: 'all' | 'hops' | 'subnets';
  readonly trust: ExpressTrust;
  readonly subnets: readonly ExpressSubnet[];
  readonly trustsEverything: boolean;
}

function matchSubnet(addr: string | undefined, subnets: readonly ExpressSubnet[]): ExpressSubnet | undefined {
  const ip = ipaddrParse(addr);
  return ip === null ? undefined : matchSubnetIP(ip, subnets);
}

/** proxy-addr's trust test for an address already parsed by {@link ipaddrParse}. */
export function matchSubnetIP(parsed: IPAddress, subnets: readonly ExpressSubnet[]): ExpressSubnet | undefined {
  let ip = parsed;
  // proxy-addr 2.0.8: mapped candidates are canonicalised to IPv4 first.
  if (isMapped(ip)) ip = { family: 4, w0: 0, w1: 0, w2: 0, w3: ip.w3, zone: '' };
  for (const subnet of subnets) {
    const s = subnet.ip;
    let w0 = ip.w0;
    let w1 = ip.w1;
    let w2 = ip.w2;
    const w3 = ip.w3;
    if (ip.family !== s.family) {
      // IPv4 candidate vs IPv6 subnet: only a mapped subnet whose prefix covers ::ffff: (≥ 96).
      if (s.family === 4 || !(subnet.range >= 96 && isMapped(s))) continue;
      w0 = 0;
      w1 = 0;
      w2 = 0xffff;
    } else if (ip.family === 6 && isMapped(s)) {
      continue;
    }
    if (prefixEqual(s.family, [w0, w1, w2, w3], s, subnet.range)) return subnet;
  }
  return undefined;
}

function prefixEqual(family: 4 | 6, a: readonly number[], s: IPAddress, range: number): boolean {
  const b = family === 4 ? [s.w3] : [s.w0, s.w1, s.w2, s.w3];
  const av = family === 4 ? [a[3] as number] : a;
  let bits = range;
  for (let i = 0; i < b.length && bits > 0; i++) {
    const take = Math.min(32, bits);
    const mask = take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    if (((av[i] as number) & mask) >>> 0 !== ((b[i] as number) & mask) >>> 0) return false;
    bits -= take;
  }
  return true;
}

/**
 * Express `compileTrust` + proxy-addr `compile`, throwing where Express throws at
 * `app.set('trust proxy', …)`: `true` trusts all; a number N trusts hops `i < N`; a string is a
 * comma list (items trimmed); an array is used as is (items not trimmed); `loopback`,
 * `linklocal`, `uniquelocal` expand to proxy-addr's ranges; `false`/`undefined`/`null`/`[]`
 * trust nothing.
 *
 * @example compileExpressTrust('loopback, 10.0.0.0/8').trust('::ffff:127.0.0.1', 0) // true
 */
export function compileExpressTrust(setting: ExpressTrustSetting): CompiledExpressTrust {
  if (setting === true) return { kind: 'all', trust: () => true, subnets: [], trustsEverything: true };
  if (typeof setting === 'number') {
    const n = setting;
    return { kind: 'hops', trust: (_a, i) => i < n, subnets: [], trustsEverything: false };
  }
  let list: readonly string[];
  if (typeof setting === 'string') list = setting.split(',').map((v) => v.trim());
  else if (Array.isArray(setting)) list = setting as readonly string[];
  else if (setting === false || setting === undefined || setting === null) list = [];
  else throw new InvalidOptionError('trust proxy', 'unsupported trust argument');
  const subnets: ExpressSubnet[] = [];
  for (const item of list) {
    if (typeof item !== 'string') throw new InvalidOptionError('trust proxy', 'unsupported trust argument');
    const named = Object.hasOwn(EXPRESS_RANGES, item) ? EXPRESS_RANGES[item] : undefined;
    if (named) for (const cidr of named) subnets.push(expressParseSubnet(cidr, item));
    else subnets.push(expressParseSubnet(item));
  }
  if (subnets.length === 0) return { kind: 'subnets', trust: () => false, subnets, trustsEverything: false };
  return {
    kind: 'subnets',
    trust: (addr) => matchSubnet(addr, subnets) !== undefined,
    subnets,
    trustsEverything: false,
  };
}
