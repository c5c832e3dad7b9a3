/**
 * RFC 7239 `Forwarded`, full grammar (reference §RFC 7239):
 *
 *   Forwarded         = 1#forwarded-element
 *   forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
 *   forwarded-pair    = token "=" value          ; no whitespace around "="
 *   value             = token / quoted-string    ; RFC 7230 §3.2.6, quoted-pair unescaped
 *   node              = nodename [ ":" node-port ]
 *   nodename          = IPv4address / "[" IPv6address "]" / "unknown" / obfnode
 *
 * - Parameter names are case-insensitive; a parameter repeated in one element makes the element
 *   invalid (§4: "each parameter MUST NOT occur more than once per forwarded-element").
 * - Empty list elements (`a, , b`) are skipped (RFC 7230 §7); an element without `for=` keeps its
 *   position and is invalid (`no-for-parameter`).
 * - Nodes: IPv4 (canonical dotted quad), bracketed IPv6 (a bare IPv6 is invalid: `:` is not a
 *   tchar and §6 requires brackets), `unknown` (§6.2) and obfuscated `_id` (§6.3) are valid nodes
 *   but not addresses; ports are 0–65535 without leading zeros (stricter than `1*5DIGIT`), an
 *   obfuscated port `_x` is accepted and dropped; IPv6 zone ids are not in the grammar: invalid.
 *
 * Anti-sabotage (reference pitfall 14): an error is confined to its element. On a syntax error we
 * resynchronise at the next comma that is outside a quoted-string (quotes opened after the error
 * are honoured, so a quoted comma inside the broken element does not split it). An unterminated
 * quoted-string runs to the end of its line and poisons only that line's remaining elements;
 * every line is parsed on its own, so a proxy that appends its own `Forwarded` line is never
 * swallowed by a client's broken one. A trusted proxy's element to the right of the damage is
 * still read; the walk then refuses at the broken element instead of skipping it.
 */
import { parseIP, parseIPv4Number } from '../ip/address.ts';
import type { IPAddress } from '../ip/types.ts';
import { addressText, MAX_LINE_LENGTH } from './forwarded-for.ts';
import { isHeaderName } from './header-lines.ts';

// Element states.
const ELEM_FOR = 0;
const ELEM_NO_FOR = 7;
const ELEM_MALFORMED = 8;
// Entry status codes (= walk.ts ENTRY_*).
const OK = 0;
const EMPTY = 1;
const NOT_IP = 2;
const UNKNOWN = 3;
const OBFUSCATED = 4;
const BAD_PORT = 5;
// Header states (= walk.ts HEADER_*).
const ABSENT = 0;
const PRESENT = 1;
const LINE_TOO_LONG = 3;

/** Most pairs in one element; more ⇒ malformed. */
const MAX_PAIRS = 16;

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** RFC 7230 §3.2.6 tchar. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) {
  TCHAR[c] = 1;
  TCHAR[c + 32] = 1;
}

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

/** qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text. */
function isQdtext(c: number): boolean {
  return (
    c === HTAB ||
    c === SP ||
    c === 0x21 ||
    (c >= 0x23 && c <= 0x5b) ||
    (c >= 0x5d && c <= 0x7e) ||
    (c >= 0x80 && c <= 0xff)
  );
}

/** quoted-pair second char: HTAB / SP / VCHAR / obs-text. */
function isQuotable(c: number): boolean {
  return c === HTAB || c === SP || (c >= 0x21 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
}

/** obfnode / obfport characters after the `_`: ALPHA / DIGIT / "." / "_" / "-". */
function isObfChars(text: string, start: number, end: number): boolean {
  if (end - start < 2 || text.charCodeAt(start) !== 0x5f) return false;
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x2e ||
      c === 0x5f ||
      c === 0x2d;
    if (!ok) return false;
  }
  return true;
}

function equalsIgnoreCase(s: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let k = 0; k < aEnd - a; k++) {
    let x = s.charCodeAt(a + k);
    let y = s.charCodeAt(b + k);
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

function isForName(s: string, a: number, e: number): boolean {
  if (e - a !== 3) return false;
  return (
    (s.charCodeAt(a) | 0x20) === 0x66 && (s.charCodeAt(a + 1) | 0x20) === 0x6f && (s.charCodeAt(a + 2) | 0x20) === 0x72
  );
}

/** Receives the elements of one line, left to right. */
export interface ElementSink {
  element(
    line: string,
    state: number,
    start: number,
    end: number,
    forText: string,
    forStart: number,
    forEnd: number,
  ): void;
}

const nameStarts = new Int32Array(MAX_PAIRS);
const nameEnds = new Int32Array(MAX_PAIRS);

/** Drop the backslashes of quoted-pairs in `s[start, end)`. */
function unescapeQuoted(s: string, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < end) i++;
    out += s[i];
  }
  return out;
}

/** Tokenise one `Forwarded` line into elements (see the file comment for the error rules). */
function scanLine(s: string, sink: ElementSink): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && (s.charCodeAt(i) === SP || s.charCodeAt(i) === HTAB)) i++;
    if (i >= n) break;
    if (s.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    const elemStart = i;
    let pairs = 0;
    let forText = '';
    let forStart = -1;
    let forEnd = -1;
    let bad = false;
    let inQuote = false;
    for (;;) {
      while (i < n && (s.charCodeAt(i) === SP || s.charCodeAt(i) === HTAB)) i++;
      if (i >= n || s.charCodeAt(i) === COMMA) break;
      if (s.charCodeAt(i) === SEMI) {
        i++;
        continue;
      }
      const ns = i;
      while (i < n && isTchar(s.charCodeAt(i))) i++;
      const ne = i;
      if (ne === ns || i >= n || s.charCodeAt(i) !== EQUALS || pairs >= MAX_PAIRS) {
        bad = true;
        break;
      }
      i++;
      let vs: number;
      let ve: number;
      let escaped = false;
      if (i < n && s.charCodeAt(i) === DQUOTE) {
        i++;
        vs = i;
        let closed = false;
        while (i < n) {
          const c = s.charCodeAt(i);
          if (c === BACKSLASH) {
            if (i + 1 >= n || !isQuotable(s.charCodeAt(i + 1))) break;
            escaped = true;
            i += 2;
            continue;
          }
          if (c === DQUOTE) {
            closed = true;
            break;
          }
          if (!isQdtext(c)) break;
          i++;
        }
        if (!closed) {
          bad = true;
          inQuote = true;
          break;
        }
        ve = i;
        i++;
      } else {
        vs = i;
        while (i < n && isTchar(s.charCodeAt(i))) i++;
        ve = i;
        if (ve === vs) {
          bad = true;
          break;
        }
      }
      let dup = false;
      for (let k = 0; k < pairs; k++) {
        if (equalsIgnoreCase(s, nameStarts[k]!, nameEnds[k]!, ns, ne)) {
          dup = true;
          break;
        }
      }
      if (dup) {
        bad = true;
        break;
      }
      nameStarts[pairs] = ns;
      nameEnds[pairs] = ne;
      pairs++;
      if (isForName(s, ns, ne)) {
        if (escaped) {
          forText = unescapeQuoted(s, vs, ve);
          forStart = 0;
          forEnd = forText.length;
        } else {
          forText = s;
          forStart = vs;
          forEnd = ve;
        }
      }
      while (i < n && (s.charCodeAt(i) === SP || s.charCodeAt(i) === HTAB)) i++;
      if (i >= n || s.charCodeAt(i) === COMMA) break;
      if (s.charCodeAt(i) === SEMI) {
        i++;
        continue;
      }
      bad = true;
      break;
    }
    if (bad) {
      // Resynchronise at the next comma outside a quoted-string (an unterminated one runs to the end of the line).
      while (i < n) {
        const c = s.charCodeAt(i);
        if (inQuote) {
          if (c === BACKSLASH) i++;
          else if (c === DQUOTE) inQuote = false;
        } else if (c === DQUOTE) inQuote = true;
        else if (c === COMMA) break;
        i++;
      }
    }
    let elemEnd = Math.min(i, n);
    while (elemEnd > elemStart && (s.charCodeAt(elemEnd - 1) === SP || s.charCodeAt(elemEnd - 1) === HTAB)) elemEnd--;
    if (bad) sink.element(s, ELEM_MALFORMED, elemStart, elemEnd, '', -1, -1);
    else if (pairs > 0)
      sink.element(s, forStart < 0 ? ELEM_NO_FOR : ELEM_FOR, elemStart, elemEnd, forText, forStart, forEnd);
    if (i < n) i++; // the comma
  }
}

/** Address and port filled by {@link parseForwardedNode} when it returns 0 (ok). */
export interface ParsedNode {
  ip: IPAddress | null;
  port: number;
}

function parseNodePort(text: string, start: number, end: number): number {
  // -1: none/obfuscated (valid), -2: invalid.
  if (start === end) return -2;
  if (text.charCodeAt(start) === 0x5f) return isObfChars(text, start, end) ? -1 : -2;
  const len = end - start;
  if (len > 5 || (len > 1 && text.charCodeAt(start) === 0x30)) return -2;
  let port = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -2;
    port = port * 10 + c - 0x30;
  }
  return port > 65535 ? -2 : port;
}

/**
 * Parse an RFC 7239 node (`for`/`by` value, already unquoted) at `text[start, end)`. Returns 0
 * and fills `out` for an address; otherwise an ENTRY_* code (empty, not-an-ip, unknown,
 * obfuscated, bad-port). The unspecified addresses are not-an-ip.
 * @example parseForwardedNode('[2001:db8::17]:4711', 0, 19, out) // 0, out.port 4711
 */
export function parseForwardedNode(text: string, start: number, end: number, out: ParsedNode): number {
  out.ip = null;
  out.port = -1;
  if (start >= end) return EMPTY;
  if (text.charCodeAt(start) === 0x5b) {
    let close = start + 1;
    while (close < end && text.charCodeAt(close) !== 0x5d) close++;
    if (close >= end) return NOT_IP;
    let port = -1;
    if (close + 1 < end) {
      if (text.charCodeAt(close + 1) !== COLON) return NOT_IP;
      port = parseNodePort(text, close + 2, end);
      if (port === -2) return BAD_PORT;
    }
    let colon = false;
    for (let k = start + 1; k < close; k++) if (text.charCodeAt(k) === COLON) colon = true;
    const ip = colon ? parseIP(text, start + 1, close) : null;
    if (ip === null || ip.family !== 6 || ip.zone !== '') return NOT_IP;
    if (ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0 && ip.w3 === 0) return NOT_IP;
    out.ip = ip;
    out.port = port;
    return OK;
  }
  let nameEnd = start;
  while (nameEnd < end && text.charCodeAt(nameEnd) !== COLON) nameEnd++;
  let port = -1;
  if (nameEnd < end) {
    // A second colon: an unbracketed IPv6 (§6 requires brackets), not a port.
    for (let k = nameEnd + 1; k < end; k++) if (text.charCodeAt(k) === COLON) return NOT_IP;
    port = parseNodePort(text, nameEnd + 1, end);
    if (port === -2) return BAD_PORT;
  }
  if (nameEnd - start === 7 && equalsIgnoreCaseLiteral(text, start, 'unknown')) return UNKNOWN;
  if (text.charCodeAt(start) === 0x5f) return isObfChars(text, start, nameEnd) ? OBFUSCATED : NOT_IP;
  const n = parseIPv4Number(text, start, nameEnd);
  if (n <= 0) return NOT_IP; // not a dotted quad, or 0.0.0.0
  out.ip = { family: 4, w0: 0, w1: 0, w2: 0, w3: n >>> 0, zone: '' };
  out.port = port;
  return OK;
}

function equalsIgnoreCaseLiteral(text: string, start: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    let c = text.charCodeAt(start + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/** One element of a parsed `Forwarded` header (allocating API, for tools and tests). */
export interface ForwardedElement {
  /** 0-based line among the header's lines. */
  readonly line: number;
  /** `ok` (has `for`), `no-for`, or `malformed`. */
  readonly state: 'ok' | 'no-for' | 'malformed';
  /** The element's text as received. */
  readonly text: string;
  /** The unquoted, unescaped `for` value, when present. */
  readonly for?: string;
}

/**
 * Parse `Forwarded` lines into elements (allocates; the resolver uses {@link ForwardedCursor}).
 * @example parseForwarded(['for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"']).map((e) => e.for)
 * // ['192.0.2.60', '[2001:db8::17]:4711']
 */
export function parseForwarded(lines: readonly string[]): ForwardedElement[] {
  const out: ForwardedElement[] = [];
  let lineNo = 0;
  const sink: ElementSink = {
    element(line, state, start, end, forText, forStart, forEnd) {
      const text = line.slice(start, end);
      if (state === ELEM_FOR) out.push({ line: lineNo, state: 'ok', text, for: forText.slice(forStart, forEnd) });
      else out.push({ line: lineNo, state: state === ELEM_NO_FOR ? 'no-for' : 'malformed', text });
    },
  };
  for (; lineNo < lines.length; lineNo++) scanLine(lines[lineNo] ?? '', sink);
  return out;
}

/**
 * The walk's EntryCursor over `Forwarded`: every line is tokenised left to right into a ring of
 * the rightmost `maxEntries + 1` elements (quoted-strings cannot be scanned from the right), then
 * handed out right to left. Work is bounded by the line cap.
 */
export class ForwardedCursor implements ElementSink {
  readonly header: string;
  readonly #lower: string;
  readonly #size: number;
  readonly #lines: Int32Array;
  readonly #indexes: Int32Array;
  readonly #states: Int8Array;
  readonly #elemStarts: Int32Array;
  readonly #elemEnds: Int32Array;
  readonly #forStarts: Int32Array;
  readonly #forEnds: Int32Array;
  readonly #elemTexts: string[];
  readonly #forTexts: string[];
  readonly #node: ParsedNode = { ip: null, port: -1 };
  ip: IPAddress | null = null;
  port = -1;
  #count = 0;
  #pos = 0;
  #lineNo = 0;
  #indexInLine = 0;

  constructor(header = 'Forwarded', maxEntries = 64) {
    this.header = header;
    this.#lower = header.toLowerCase();
    const size = maxEntries + 1;
    this.#size = size;
    this.#lines = new Int32Array(size);
    this.#indexes = new Int32Array(size);
    this.#states = new Int8Array(size);
    this.#elemStarts = new Int32Array(size);
    this.#elemEnds = new Int32Array(size);
    this.#forStarts = new Int32Array(size);
    this.#forEnds = new Int32Array(size);
    this.#elemTexts = new Array<string>(size).fill('');
    this.#forTexts = new Array<string>(size).fill('');
  }

  /** ElementSink: record one element in the ring. */
  element(
    line: string,
    state: number,
    start: number,
    end: number,
    forText: string,
    forStart: number,
    forEnd: number,
  ): void {
    const slot = this.#count % this.#size;
    this.#lines[slot] = this.#lineNo;
    this.#indexes[slot] = this.#indexInLine++;
    this.#states[slot] = state;
    this.#elemTexts[slot] = line;
    this.#elemStarts[slot] = start;
    this.#elemEnds[slot] = end;
    this.#forTexts[slot] = forText;
    this.#forStarts[slot] = forStart;
    this.#forEnds[slot] = forEnd;
    this.#count++;
  }

  reset(rawHeaders: readonly string[]): number {
    this.#count = 0;
    this.#lineNo = 0;
    this.ip = null;
    this.port = -1;
    let present = false;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      const value = rawHeaders[i + 1];
      if (typeof name !== 'string' || typeof value !== 'string' || !isHeaderName(name, this.#lower)) continue;
      if (value.length > MAX_LINE_LENGTH) return LINE_TOO_LONG;
      present = true;
      this.#indexInLine = 0;
      scanLine(value, this);
      this.#lineNo++;
    }
    this.#pos = this.#count;
    return present ? PRESENT : ABSENT;
  }

  next(): boolean {
    const oldest = this.#count > this.#size ? this.#count - this.#size : 0;
    if (this.#pos - 1 < oldest) return false;
    this.#pos--;
    this.ip = null;
    this.port = -1;
    return true;
  }

  parse(): number {
    const slot = this.#pos % this.#size;
    const state = this.#states[slot]!;
    if (state !== ELEM_FOR) return state;
    const node = this.#node;
    const status = parseForwardedNode(this.#forTexts[slot]!, this.#forStarts[slot]!, this.#forEnds[slot]!, node);
    if (status === OK) {
      this.ip = node.ip;
      this.port = node.port;
    }
    return status;
  }

  /** The `for` value (unquoted) when the element has one, else the element's text. */
  text(): string {
    const slot = this.#pos % this.#size;
    if (this.#states[slot] === ELEM_FOR) return this.#forTexts[slot]!.slice(this.#forStarts[slot], this.#forEnds[slot]);
    return this.#elemTexts[slot]!.slice(this.#elemStarts[slot], this.#elemEnds[slot]);
  }

  /** The parsed node's address as received, without brackets and port. */
  address(): string {
    const slot = this.#pos % this.#size;
    return addressText(this.#forTexts[slot]!, this.#forStarts[slot]!, this.#forEnds[slot]!);
  }

  line(): number {
    return this.#lines[this.#pos % this.#size]!;
  }

  index(): number {
    return this.#indexes[this.#pos % this.#size]!;
  }
}
