/**
 * X-Forwarded-For and any other comma-list header (`X-Original-Forwarded-For`, a custom name),
 * read from raw header lines in wire order and handed to the trust walk one entry at a time,
 * from the right. Our own strict semantics (not nginx's, not Node's):
 *
 * - every line of the header counts, in wire order (RFC 9110 §5.3: lines of a list header are
 *   one list), so an attacker's second line cannot hide behind the first;
 * - entries split on `,`; spaces and TABs around an entry are trimmed;
 * - an empty entry (`a,,b`, a blank line) keeps its position and is invalid — a hop count never
 *   silently shifts;
 * - each entry is `ip`, `v4:port`, `[v6]` or `[v6]:port` (parseEndpoint); an unbracketed IPv6
 *   never carries a port; `unknown` is recognised (Squid), everything else is not-an-ip;
 * - the unspecified addresses `0.0.0.0` and `::` are not a client (realclientip-go agrees);
 * - caps: a line longer than {@link MAX_LINE_LENGTH} refuses (`header-too-long`) when the walk
 *   reaches it; an entry longer than {@link MAX_ENTRY_LENGTH} is invalid without being parsed;
 *   the entry count is capped by the walk. Scanning is lazy, from the right — lines are found
 *   from the end of rawHeaders — so only what the walk visits costs anything.
 */
import { ipv4FromNumber, isRfc5952ZeroRun, parseEndpoint, parseIP } from '../ip/address.ts';
import type { IPAddress } from '../ip/types.ts';
import { isHeaderName } from './header-lines.ts';

/** Longest header line we read (longer ⇒ `header-too-long`). Node's default header limit is 16 KiB in total. */
export const MAX_LINE_LENGTH = 8192;
/** Longest entry we parse: `[` + 45-char IPv6 + `%` + zone + `]:65535` fits easily. */
export const MAX_ENTRY_LENGTH = 100;

// Status codes, equal to walk.ts ENTRY_* (kept literal so headers/ does not depend on trust/).
const OK = 0;
const EMPTY = 1;
const NOT_IP = 2;
const UNKNOWN = 3;
const TOO_LONG = 6;
const LINE_OVER_CAP = 9;
// Header states, equal to walk.ts HEADER_*.
const ABSENT = 0;
const PRESENT = 1;
const LINE_TOO_LONG = 3;

const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;

/** `unknown`, ASCII case-insensitive, at `value[start, end)`. */
export function isUnknownToken(value: string, start: number, end: number): boolean {
  if (end - start !== 7) return false;
  const word = 'unknown';
  for (let i = 0; i < 7; i++) {
    let c = value.charCodeAt(start + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The address part of an entry that parsed: inside `[…]`, or before the only colon of `v4:port`,
 * or the whole span (bare IPv6). The text as received, for clients printed without reformatting.
 */
export function addressText(text: string, start: number, end: number): string {
  if (text.charCodeAt(start) === 0x5b) {
    let close = start + 1;
    while (close < end && text.charCodeAt(close) !== 0x5d) close++;
    return text.slice(start + 1, close);
  }
  let colon = -1;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === 0x3a) {
      if (colon >= 0) return text.slice(start, end);
      colon = i;
    }
  }
  return text.slice(start, colon < 0 ? end : colon);
}

/** True for `0.0.0.0` and `::` (any zone): never a client. */
export function isUnspecifiedIP(ip: IPAddress): boolean {
  return ip.w3 === 0 && ip.w2 === 0 && ip.w1 === 0 && ip.w0 === 0;
}

/** Scratch groups for {@link parseCanonicalIPv6Words} (parsing is synchronous). */
const FAST_GROUPS = new Uint16Array(8);
/** Scratch words for {@link parseCanonicalIPv6}. */
const FAST_WORDS = new Uint32Array(4);

/**
 * Parse `text[start, end)` only if it is a zone-less, non-mapped IPv6 address written exactly in
 * its RFC 5952 form (lower-case hex, no leading zeros, the first longest run of ≥ 2 zero groups
 * as `::`) — what proxies that format with inet_ntop send. One pass, and the text is then
 * already the canonical client text. Anything else returns null and takes the general parser;
 * a property test pins that both agree.
 *
 * @example parseCanonicalIPv6('2001:db8::1', 0, 11) // 2001:db8::1 ; parseCanonicalIPv6('2001:DB8::1', 0, 11) // null
 */
export function parseCanonicalIPv6(text: string, start: number, end: number): IPAddress | null {
  const w = FAST_WORDS;
  if (!parseCanonicalIPv6Words(text, start, end, w)) return null;
  return { family: 6, w0: w[0]!, w1: w[1]!, w2: w[2]!, w3: w[3]!, zone: '' };
}

/**
 * {@link parseCanonicalIPv6} without the address object: on success writes the four big-endian
 * words (`IPAddress.w0…w3`) to `out[0..3]` and returns true; false (out untouched or partly
 * written) for anything that function rejects.
 *
 * @example const w = new Uint32Array(4); parseCanonicalIPv6Words('fd00::2', 0, 7, w) // true, w = [0xfd000000, 0, 0, 2]
 */
export function parseCanonicalIPv6Words(text: string, start: number, end: number, out: Uint32Array): boolean {
  const len = end - start;
  if (len < 3 || len > 39) return false;
  const g = FAST_GROUPS;
  let n = 0;
  let gap = -1;
  let i = start;
  if (text.charCodeAt(i) === 0x3a) {
    if (text.charCodeAt(i + 1) !== 0x3a) return false;
    gap = 0;
    i += 2;
  }
  for (;;) {
    const first = text.charCodeAt(i);
    let value = 0;
    let digits = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      let h: number;
      if (c >= 0x30 && c <= 0x39) h = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) h = c - 0x57;
      else break;
      value = value * 16 + h;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || (digits > 1 && first === 0x30) || n === 8) return false;
    g[n++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a || i + 1 === end) return false;
    i++;
    if (text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = n;
      i++;
      if (i === end) break;
    }
  }
  if (gap < 0) {
    if (n !== 8) return false;
  } else {
    // In canonical form `::` stands for two or more groups.
    if (n > 6) return false;
    const zeros = 8 - n;
    for (let k = n - 1; k >= gap; k--) g[k + zeros] = g[k]!;
    for (let k = gap; k < gap + zeros; k++) g[k] = 0;
  }
  if (!isRfc5952ZeroRun(g, gap, n)) return false;
  const w2 = g[4]! * 0x10000 + g[5]!;
  // IPv4-mapped addresses print as ::ffff:a.b.c.d (and we unmap them): not this fast path.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && w2 === 0xffff) return false;
  out[0] = g[0]! * 0x10000 + g[1]!;
  out[1] = g[2]! * 0x10000 + g[3]!;
  out[2] = w2;
  out[3] = g[6]! * 0x10000 + g[7]!;
  return true;
}

/** Where the quad found by the last successful {@link scanQuadLeft} starts. */
let quadStart = 0;

/** Where the quad found by the last successful {@link scanQuadLeft} starts. */
export function lastQuadStart(): number {
  return quadStart;
}

/**
 * The canonical dotted quad (parseIPv4Number's rules: four parts of 1–3 digits, each ≤ 255, no
 * leading zero) that ends at `end`, read right to left with each part unrolled: its value, with
 * its first index in `quadStart`; or -1. Parts are read greedily (up to three digits), so a digit
 * or dot left of `quadStart` means the entry is something else — the caller checks that char.
 *
 * @example scanQuadLeft('a, 10.0.0.1', 11) // 167772161, quadStart = 3
 */
export function scanQuadLeft(text: string, end: number): number {
  let i = end - 1;
  let quad = 0;
  for (let shift = 0; ; shift += 8) {
    let d = i >= 0 ? text.charCodeAt(i) - 0x30 : -1;
    if (!(d >= 0 && d <= 9)) return -1;
    let part = d;
    i--;
    d = i >= 0 ? text.charCodeAt(i) - 0x30 : -1;
    if (d >= 0 && d <= 9) {
      const tens = d;
      part += d * 10;
      i--;
      d = i >= 0 ? text.charCodeAt(i) - 0x30 : -1;
      if (d >= 0 && d <= 9) {
        part += d * 100;
        if (d === 0 || part > 255) return -1;
        i--;
      } else if (tens === 0) {
        return -1; // leading zero
      }
    }
    quad |= part << shift;
    if (shift === 24) break;
    if (i < 0 || text.charCodeAt(i) !== 0x2e) return -1;
    i--;
  }
  quadStart = i + 1;
  return quad >>> 0;
}

/** Groups read right to left by {@link scanCanonicalIPv6Left}. */
const LEFT_GROUPS = new Uint16Array(8);

/** Lower-case hex digit value, or -1 (RFC 5952 §4.3: canonical text is lower case). */
function lowerHex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * {@link parseCanonicalIPv6Words} read right to left, for the trust walk that meets entries from
 * the right: the longest run of `[0-9a-f:]` ending at `end` is parsed in the same pass that finds
 * where it starts. Returns that start — the address is `text[start, end)` — with its words in
 * `out`, or -1 when that run is not an RFC 5952 text (zone-less, not IPv4-mapped). The caller
 * checks what stands left of `start`. Same answer as parseCanonicalIPv6Words(text, start, end)
 * (strict-xff.test.ts). Each group is read unrolled (1–4 digits) and RFC 5952 §4.2's rule — the
 * `::` is the first longest run of ≥ 2 zero groups — is checked from run lengths kept on the way.
 *
 * @example const w = new Uint32Array(4); scanCanonicalIPv6Left('a, fd00::2', 10, w) // 3, w = [0xfd000000, 0, 0, 2]
 */
export function scanCanonicalIPv6Left(text: string, end: number, out: Uint32Array): number {
  const rev = LEFT_GROUPS;
  let n = 0; // groups read, right to left
  let gapRight = -1; // groups right of `::`
  let i = end - 1;
  if (i >= 1 && text.charCodeAt(i) === 0x3a) {
    // Only `::` may end an address (`1::`).
    if (text.charCodeAt(i - 1) !== 0x3a) return -1;
    gapRight = 0;
    i -= 2;
  }
  // Longest runs of explicit zero groups right of the `::` (or anywhere without one) and left of it.
  let run = 0;
  let longestRight = 0;
  let longestLeft = 0;
  let start: number;
  // Each character is read once: `c` is the character at `i` (-1 left of the text).
  let c = i >= 0 ? text.charCodeAt(i) : -1;
  for (;;) {
    let d = lowerHex(c);
    if (d < 0) return -1;
    let value = d;
    c = --i >= 0 ? text.charCodeAt(i) : -1;
    d = lowerHex(c);
    if (d >= 0) {
      value |= d << 4;
      let lead = d;
      c = --i >= 0 ? text.charCodeAt(i) : -1;
      d = lowerHex(c);
      if (d >= 0) {
        value |= d << 8;
        lead = d;
        c = --i >= 0 ? text.charCodeAt(i) : -1;
        d = lowerHex(c);
        if (d >= 0) {
          value |= d << 12;
          lead = d;
          c = --i >= 0 ? text.charCodeAt(i) : -1;
          if (lowerHex(c) >= 0) return -1; // a fifth digit
        }
      }
      if (lead === 0) return -1; // leading zero (RFC 5952 §4.1)
    }
    if (n === 8) return -1;
    // A zero group next to `::` means the compressed run is longer than written.
    if (value === 0 && gapRight === n) return -1;
    rev[n++] = value;
    if (value === 0) {
      run++;
      if (gapRight < 0) {
        if (run > longestRight) longestRight = run;
      } else if (run > longestLeft) longestLeft = run;
    } else run = 0;
    if (c !== 0x3a) {
      start = i + 1;
      break;
    }
    c = --i >= 0 ? text.charCodeAt(i) : -1;
    if (c === 0x3a) {
      if (gapRight >= 0 || value === 0) return -1;
      gapRight = n;
      run = 0;
      c = --i >= 0 ? text.charCodeAt(i) : -1;
      // `::` opening the address (`::1`): nothing more of it on the left (a third `:` is not an address).
      if (lowerHex(c) < 0) {
        if (c === 0x3a) return -1;
        start = i + 1;
        break;
      }
    }
    // Otherwise a single `:`: the next round needs a group at `c`.
  }
  if (gapRight < 0) {
    // Eight groups, and no run of two zero groups left uncompressed.
    if (n !== 8 || longestRight >= 2) return -1;
  } else {
    // `::` stands for z ≥ 2 groups and is the first longest zero run: runs on its right may
    // equal it, runs on its left must be shorter.
    const z = 8 - n;
    if (z < 2 || longestRight > z || longestLeft >= z) return -1;
  }
  out[0] = 0;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  // Group j (right to left) sits at index 7 - j right of the gap, at n - 1 - j left of it.
  const right = gapRight < 0 ? n : gapRight;
  for (let j = 0; j < n; j++) {
    const at = j < right ? 7 - j : n - 1 - j;
    out[at >> 1] += (at & 1) === 0 ? rev[j]! * 0x10000 : rev[j]!;
  }
  // IPv4-mapped addresses print as ::ffff:a.b.c.d: not this fast path.
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) return -1;
  return start;
}

/**
 * Right-to-left cursor over a comma-list header (the walk's EntryCursor). Allocation-free except
 * for the parsed address and `text()`.
 *
 * @example
 * const c = new ListHeaderCursor('X-Forwarded-For');
 * c.reset(['X-Forwarded-For', '203.0.113.7, 10.0.0.2']); // 1 (present)
 * c.next(); c.parse(); c.text(); // '10.0.0.2'
 * c.next(); c.parse(); c.text(); // '203.0.113.7'
 */
export class ListHeaderCursor {
  readonly header: string;
  readonly #lower: string;
  port = -1;
  /** After ENTRY_OK: the entry's IPv4 value when it is a plain dotted quad, else -1 (trust checks without allocating). */
  v4 = -1;
  /** After ENTRY_OK: the address text as received is exactly its RFC 5952 form (see address()). */
  canonical = false;
  #ip: IPAddress | null = null;
  /** The entry's dotted-quad value read by next(), or -1. */
  #quad = -1;
  #raw: readonly string[] = [];
  /** Index in rawHeaders of the current line's value. */
  #valueAt = -1;
  #value = '';
  #lineNo = 0;
  #started = false;
  /** The walk reached a line over MAX_LINE_LENGTH: one refusing position, then the end. */
  #poisoned = false;
  /** Current entry, trimmed: value[start, end). */
  #start = 0;
  #end = 0;
  /** Position of the comma left of the current entry, or -1 at the start of the line. */
  #comma = -1;
  /** Address part of the parsed entry: value[addrStart, addrEnd). */
  #addrStart = 0;
  #addrEnd = 0;

  constructor(header: string) {
    this.header = header;
    this.#lower = header.toLowerCase();
  }

  /** After ENTRY_OK: the parsed address (built on first read for plain IPv4 entries). */
  get ip(): IPAddress | null {
    if (this.#ip === null && this.v4 >= 0) this.#ip = ipv4FromNumber(this.v4);
    return this.#ip;
  }

  reset(rawHeaders: readonly string[]): number {
    this.#raw = rawHeaders;
    this.#started = false;
    this.#poisoned = false;
    this.#ip = null;
    this.v4 = -1;
    this.port = -1;
    this.#lineNo = -1;
    // Only the last line is needed to start: scan from the end and stop there. Earlier lines are
    // found (and their length checked) only if the walk gets that far.
    const at = this.#previousLine(rawHeaders.length + 1);
    if (at < 0) return ABSENT;
    const value = rawHeaders[at] as string;
    if (value.length > MAX_LINE_LENGTH) return LINE_TOO_LONG;
    this.#valueAt = at;
    this.#value = value;
    return PRESENT;
  }

  /** Index of the value of the last line of this header whose value index is below `before`, or -1. */
  #previousLine(before: number): number {
    const raw = this.#raw;
    const lower = this.#lower;
    const len = lower.length;
    // Pairs (i, i + 1) with i + 1 < min(before, raw.length); i even.
    for (let i = (Math.min(before, raw.length) - 2) & ~1; i >= 0; i -= 2) {
      const name = raw[i];
      // Most names differ in length: one load and compare per header line.
      if (typeof name !== 'string' || name.length !== len) continue;
      // The configured spelling first (one memcmp), then the case-insensitive compare.
      if (name !== this.header && !isHeaderName(name, lower)) continue;
      if (typeof raw[i + 1] === 'string') return i + 1;
    }
    return -1;
  }

  next(): boolean {
    let endPos: number;
    if (!this.#started) {
      this.#started = true;
      endPos = this.#value.length;
    } else if (this.#comma >= 0) {
      endPos = this.#comma;
    } else {
      // Start of this line: continue at the end of the previous line of the same header.
      if (this.#poisoned) return false;
      const at = this.#previousLine(this.#valueAt - 1);
      if (at < 0) return false;
      this.#valueAt = at;
      this.#lineNo = -1;
      const line = this.#raw[at] as string;
      if (line.length > MAX_LINE_LENGTH) {
        // Reached a line over the cap: one poisoned position whose parse() refuses, then the end.
        this.#poisoned = true;
        this.#quad = -1;
        this.#value = '';
        this.#start = 0;
        this.#end = 0;
        this.#comma = -1;
        this.#ip = null;
        this.v4 = -1;
        this.canonical = false;
        this.port = -1;
        return true;
      }
      this.#value = line;
      endPos = line.length;
    }
    const value = this.#value;
    let i = endPos - 1;
    while (i >= 0) {
      const c = value.charCodeAt(i);
      if (c !== SPACE && c !== TAB) break;
      i--;
    }
    const end = i + 1;
    // While looking for the comma, read a canonical dotted quad backwards (the usual entry costs
    // one pass). Same rules as parseIPv4Number: four parts of 1–3 digits, each ≤ 255, no leading
    // zero; a property test pins the two together.
    let quad = 0;
    let part = 0;
    let mul = 1;
    let digits = 0;
    let dots = 0;
    let top = 0;
    let isQuad = true;
    for (; i >= 0; i--) {
      const c = value.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) {
        if (digits === 3) {
          isQuad = false;
          break;
        }
        part += (c - 0x30) * mul;
        mul *= 10;
        digits++;
        top = c;
      } else if (c === 0x2e) {
        if (digits === 0 || (digits > 1 && top === 0x30) || part > 255 || dots === 3) {
          isQuad = false;
          break;
        }
        quad += part * (dots === 0 ? 1 : dots === 1 ? 0x100 : 0x10000);
        dots++;
        part = 0;
        mul = 1;
        digits = 0;
      } else break;
    }
    if (isQuad) {
      if (digits === 0 || (digits > 1 && top === 0x30) || part > 255 || dots !== 3) isQuad = false;
      else quad += part * 0x1000000;
    }
    let comma = i;
    while (comma >= 0 && value.charCodeAt(comma) !== COMMA) comma--;
    let start = comma + 1;
    while (start < end) {
      const c = value.charCodeAt(start);
      if (c !== SPACE && c !== TAB) break;
      start++;
    }
    this.#start = start;
    this.#end = end;
    this.#comma = comma;
    this.#ip = null;
    this.v4 = -1;
    // The quad is the entry only when nothing but spaces/TABs stands between it and the comma.
    this.#quad = isQuad && start === i + 1 ? quad : -1;
    this.canonical = false;
    this.port = -1;
    return true;
  }

  parse(): number {
    // Fast path, small enough to be inlined into the walk: a plain dotted quad (read by next())
    // needs no parse and no object; 0.0.0.0 goes the long way to be refused.
    const n = this.#quad;
    if (n > 0) {
      this.v4 = n;
      this.canonical = true; // our IPv4 parser accepts only the canonical dotted quad
      this.port = -1;
      this.#addrStart = this.#start;
      this.#addrEnd = this.#end;
      return OK;
    }
    return this.#parseOther();
  }

  #parseOther(): number {
    if (this.#poisoned) return LINE_OVER_CAP;
    const start = this.#start;
    const end = this.#end;
    if (start === end) return EMPTY;
    if (end - start > MAX_ENTRY_LENGTH) return TOO_LONG;
    const value = this.#value;
    if (value.charCodeAt(start) !== 0x5b) {
      // A bare IPv6 (the usual non-IPv4 entry): one parse, no Endpoint object; canonical text
      // (what inet_ntop writes) is recognised in the same pass.
      const fast = parseCanonicalIPv6(value, start, end);
      if (fast !== null) {
        this.#ip = fast;
        this.canonical = true;
        this.port = -1;
        this.#addrStart = start;
        this.#addrEnd = end;
        return OK;
      }
      const ip = parseIP(value, start, end);
      if (ip !== null) {
        if (isUnspecifiedIP(ip)) return NOT_IP;
        this.#ip = ip;
        this.port = -1;
        this.#addrStart = start;
        this.#addrEnd = end;
        return OK;
      }
    }
    const ep = parseEndpoint(value, start, end);
    if (ep === null || isUnspecifiedIP(ep.ip)) return isUnknownToken(value, start, end) ? UNKNOWN : NOT_IP;
    this.#ip = ep.ip;
    this.port = ep.port;
    // Address span without brackets and port (the port, when present, follows the last colon).
    let addrStart = start;
    let addrEnd = end;
    if (ep.port >= 0) {
      addrEnd--;
      while (addrEnd > start && value.charCodeAt(addrEnd) !== 0x3a) addrEnd--;
    }
    if (value.charCodeAt(start) === 0x5b) {
      addrStart++;
      addrEnd--; // the `]`
    }
    this.#addrStart = addrStart;
    this.#addrEnd = addrEnd;
    return OK;
  }

  text(): string {
    return this.#value.slice(this.#start, this.#end);
  }

  /** The current (parsed) entry's address as received, without brackets and port. */
  address(): string {
    return this.#value.slice(this.#addrStart, this.#addrEnd);
  }

  /** 0-based line among this header's lines (counted on demand: for traces). */
  line(): number {
    if (this.#lineNo < 0) {
      let n = 0;
      for (let at = this.#previousLine(this.#valueAt); at >= 0; at = this.#previousLine(at)) n++;
      this.#lineNo = n;
    }
    return this.#lineNo;
  }

  /** Index of the current entry in its line, counted from the left (counts commas: for traces). */
  index(): number {
    let n = 0;
    const value = this.#value;
    for (let i = 0; i < this.#start && i < value.length; i++) if (value.charCodeAt(i) === COMMA) n++;
    return n;
  }
}
