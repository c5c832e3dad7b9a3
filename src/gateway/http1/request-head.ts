/**
 * HTTP/1.1 request-head parser (RFC 9112 §2–§3, §5, §6) over raw bytes, strict by design: everything that lets
 * two parsers disagree about where a request ends is rejected (docs/gateway-safety.md lists each decision).
 *
 * Resumable by line: `parse()` consumes complete lines from `pos` and returns `NEED_MORE` until the empty line,
 * so a head sent one byte at a time costs O(n). Offsets are absolute into the caller's buffer; when the caller
 * compacts its buffer it calls `shift(delta)`.
 */
import { latin1 } from './bytes.ts';
import {
  H_CONNECTION,
  H_CONTENT_LENGTH,
  H_EXPECT,
  H_HOST,
  H_OTHER,
  H_TRANSFER_ENCODING,
  H_UNDERSCORE,
  H_UPGRADE,
  type HeaderNames,
  hashName,
} from './header-names.ts';

export const NEED_MORE = 0;
export const DONE = 1;
export const FAILED = -1;

/** RFC 9110 §5.6.2 tchar. */
export const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let b = 48; b <= 57; b++) TCHAR[b] = 1;
for (let b = 65; b <= 90; b++) TCHAR[b] = 1;
for (let b = 97; b <= 122; b++) TCHAR[b] = 1;

/** field-value bytes (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text. CR, LF, NUL, other CTLs and DEL are not. */
export const VALUE_BYTE = new Uint8Array(256);
VALUE_BYTE[9] = 1;
for (let b = 32; b <= 126; b++) VALUE_BYTE[b] = 1;
for (let b = 128; b <= 255; b++) VALUE_BYTE[b] = 1;

/** request-target bytes: visible ASCII only (no SP, CTL, DEL or non-ASCII). */
const TARGET_BYTE = new Uint8Array(256);
for (let b = 33; b <= 126; b++) TARGET_BYTE[b] = 1;

/** Host header bytes: reg-name / IP-literal / port characters (RFC 3986 §3.2.2). */
const HOST_BYTE = new Uint8Array(256);
for (const c of "-._~!$&'()*+,;=:[]") HOST_BYTE[c.charCodeAt(0)] = 1;
for (let b = 48; b <= 57; b++) HOST_BYTE[b] = 1;
for (let b = 65; b <= 90; b++) HOST_BYTE[b] = 1;
for (let b = 97; b <= 122; b++) HOST_BYTE[b] = 1;
HOST_BYTE[37] = 1; // pct-encoded

export interface HeadLimits {
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  readonly maxBodyBytes: number;
}

/** Up to this many `Connection` tokens are remembered (nominated hop-by-hop names). */
const MAX_NOMINATED = 16;
const MAX_LEADING_EMPTY_LINES = 4;

export class RequestHead {
  // --- output (valid after DONE) ---
  method = '';
  /** Origin-form target (absolute-form converted, RFC 9112 §3.2.2), or `*`. */
  target = '';
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor = 1;
  headerCount = 0;
  /** Per header: nameStart, nameEnd, valueStart, valueEnd (value without surrounding OWS). */
  offs: Int32Array;
  /** Per header: kind from HeaderNames (with H_UNDERSCORE). */
  kinds: Uint16Array;
  /** Host from the header (or the absolute-form authority), lower-case as received; '' when absent. */
  host = '';
  /** True when the target was absolute-form: the Host header lines are replaced by `host`. */
  absoluteForm = false;
  /** -1: no body; otherwise the Content-Length. */
  contentLength = -1;
  chunked = false;
  /** `Connection: close` on 1.1, or 1.0 without `keep-alive`. */
  wantsClose = false;
  isUpgrade = false;
  expectContinue = false;
  /** Hashes of names nominated by `Connection` (hop-by-hop, RFC 9110 §7.6.1). */
  nominated: number[] = [];
  /** Offset just past the empty line. */
  headEnd = 0;
  // --- error (valid after FAILED) ---
  status = 400;
  error = '';

  // --- parse state ---
  #start = 0;
  #pos = 0;
  #inHeaders = false;
  #emptyLines = 0;
  #hostCount = 0;
  #connectionTokens = 0;
  readonly #names: HeaderNames;
  readonly #limits: HeadLimits;

  constructor(names: HeaderNames, limits: HeadLimits) {
    this.#names = names;
    this.#limits = limits;
    this.offs = new Int32Array(limits.maxHeaderCount * 4);
    this.kinds = new Uint16Array(limits.maxHeaderCount);
  }

  /** Starts a new head at `start`. */
  reset(start: number): void {
    this.#start = start;
    this.#pos = start;
    this.#inHeaders = false;
    this.#emptyLines = 0;
    this.#hostCount = 0;
    this.#connectionTokens = 0;
    this.headerCount = 0;
    this.host = '';
    this.absoluteForm = false;
    this.contentLength = -1;
    this.chunked = false;
    this.wantsClose = false;
    this.isUpgrade = false;
    this.expectContinue = false;
    if (this.nominated.length > 0) this.nominated = [];
    this.status = 400;
    this.error = '';
  }

  /** Whether any byte of this head has been consumed or is pending (used for header vs idle timeouts). */
  get started(): boolean {
    return this.#pos > this.#start || this.#inHeaders;
  }

  /** The caller moved its data by `delta` bytes (compaction). */
  shift(delta: number): void {
    this.#start += delta;
    this.#pos += delta;
    const n = this.headerCount * 4;
    for (let i = 0; i < n; i++) this.offs[i]! += delta;
  }

  #fail(error: string, status = 400): number {
    this.error = error;
    this.status = status;
    return FAILED;
  }

  /** Parses complete lines of `buf[pos, end)`. */
  parse(buf: Buffer, end: number): number {
    for (;;) {
      const lineStart = this.#pos;
      // A JS scan: header lines are short, and Buffer#indexOf's native call costs more than the loop.
      let lf = lineStart;
      while (lf < end && buf[lf] !== 10) lf++;
      if (lf >= end) {
        // Check the limit on what is buffered so far, so a head without LF cannot grow without bound.
        if (end - this.#start > this.#limits.maxHeaderBytes) {
          return this.#inHeaders ? this.#fail('headers-too-large', 431) : this.#fail('request-line-too-long', 414);
        }
        // A CR that is followed by something other than LF is a bare CR: fail early.
        for (let i = lineStart; i < end - 1; i++) if (buf[i] === 13) return this.#fail('bare-cr');
        return NEED_MORE;
      }
      if (lf + 1 - this.#start > this.#limits.maxHeaderBytes) {
        return this.#inHeaders ? this.#fail('headers-too-large', 431) : this.#fail('request-line-too-long', 414);
      }
      // RFC 9112 §2.2 allows a bare LF as a line terminator; we do not (a parser that disagrees desyncs).
      if (lf === lineStart || buf[lf - 1] !== 13) return this.#fail('bare-lf');
      const lineEnd = lf - 1;
      this.#pos = lf + 1;
      if (!this.#inHeaders) {
        if (lineEnd === lineStart) {
          // §2.2: a server SHOULD ignore at least one empty line received before the request-line.
          if (++this.#emptyLines > MAX_LEADING_EMPTY_LINES) return this.#fail('empty-lines');
          continue;
        }
        if (this.#requestLine(buf, lineStart, lineEnd) === FAILED) return FAILED;
        this.#inHeaders = true;
        continue;
      }
      if (lineEnd === lineStart) {
        this.headEnd = this.#pos;
        return this.#finish(buf);
      }
      if (this.#headerLine(buf, lineStart, lineEnd) === FAILED) return FAILED;
    }
  }

  #requestLine(buf: Buffer, start: number, end: number): number {
    let i = start;
    // A CR inside the line is reported as such, whatever else is wrong (the same kind however bytes arrive).
    for (let k = start; k < end; k++) if (buf[k] === 13) return this.#fail('bare-cr');
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === start || i >= end || buf[i] !== 32) return this.#fail('bad-request-line');
    this.method = methodName(buf, start, i);
    const targetStart = ++i;
    while (i < end && TARGET_BYTE[buf[i]!] === 1) i++;
    if (i === targetStart || i >= end || buf[i] !== 32) return this.#fail('bad-request-target');
    const targetEnd = i++;
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3); exactly one SP before it.
    if (
      end - i !== 8 ||
      buf[i] !== 72 ||
      buf[i + 1] !== 84 ||
      buf[i + 2] !== 84 ||
      buf[i + 3] !== 80 ||
      buf[i + 4] !== 47 ||
      buf[i + 6] !== 46
    ) {
      return this.#fail('bad-version');
    }
    const major = buf[i + 5]! - 48;
    const minor = buf[i + 7]! - 48;
    if (major < 0 || major > 9 || minor < 0 || minor > 9) return this.#fail('bad-version');
    if (major !== 1) return this.#fail('unsupported-version', 505);
    this.minor = minor === 0 ? 0 : 1;
    if (this.minor === 0) this.wantsClose = true;
    if (this.method === 'CONNECT') return this.#fail('connect-method', 405);
    return this.#target(buf, targetStart, targetEnd);
  }

  #target(buf: Buffer, start: number, end: number): number {
    const first = buf[start];
    if (first === 47) {
      this.target = latin1(buf, start, end);
      return DONE;
    }
    if (first === 42 && end - start === 1) {
      if (this.method !== 'OPTIONS') return this.#fail('bad-request-target');
      this.target = '*';
      return DONE;
    }
    // absolute-form: scheme "://" authority [path-abempty] ["?" query] — http and https only.
    const text = latin1(buf, start, end);
    const lower = text.slice(0, 8).toLowerCase();
    const skip = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : 0;
    if (skip === 0) return this.#fail('bad-request-target');
    let j = skip;
    while (j < text.length && text.charCodeAt(j) !== 47 && text.charCodeAt(j) !== 63) j++;
    const authority = text.slice(skip, j);
    if (authority.length === 0 || authority.includes('@')) return this.#fail('bad-request-target');
    for (let k = 0; k < authority.length; k++) {
      if (HOST_BYTE[authority.charCodeAt(k)] !== 1) return this.#fail('bad-request-target');
    }
    this.absoluteForm = true;
    this.host = authority.toLowerCase();
    const rest = text.slice(j);
    this.target = rest.length === 0 ? '/' : rest.charCodeAt(0) === 63 ? `/${rest}` : rest;
    return DONE;
  }

  #headerLine(buf: Buffer, start: number, end: number): number {
    const b0 = buf[start]!;
    if (b0 === 32 || b0 === 9) return this.#fail('obs-fold');
    let i = start;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === start) return this.#fail(b0 === 58 ? 'empty-header-name' : 'bad-header-name');
    if (i >= end || buf[i] !== 58) {
      if (i >= end) return this.#fail('missing-colon');
      const b = buf[i];
      if (b === 32 || b === 9) return this.#fail('space-before-colon');
      return this.#fail(b === 13 ? 'bare-cr' : 'bad-header-name');
    }
    const nameEnd = i++;
    while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
    const valueStart = i;
    let valueEnd = i;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (VALUE_BYTE[b] !== 1) {
        if (b === 13) return this.#fail('bare-cr');
        return this.#fail(b === 0 ? 'nul-in-value' : 'ctl-in-value');
      }
      if (b !== 32 && b !== 9) valueEnd = i + 1;
    }
    const n = this.headerCount;
    if (n >= this.#limits.maxHeaderCount) return this.#fail('too-many-headers', 431);
    const o = n * 4;
    this.offs[o] = start;
    this.offs[o + 1] = nameEnd;
    this.offs[o + 2] = valueStart;
    this.offs[o + 3] = valueEnd;
    const kind = this.#names.kindOf(buf, start, nameEnd);
    this.kinds[n] = kind;
    this.headerCount = n + 1;
    if (kind === H_OTHER || (kind & H_UNDERSCORE) !== 0) return DONE;
    return this.#known(buf, kind, valueStart, valueEnd);
  }

  #known(buf: Buffer, kind: number, vs: number, ve: number): number {
    switch (kind) {
      case H_HOST: {
        if (++this.#hostCount > 1) return this.#fail('duplicate-host');
        if (this.absoluteForm) return DONE; // §3.2.2: the target's authority wins; this line is dropped
        if (ve === vs) return this.#fail('empty-host');
        let upper = false;
        for (let i = vs; i < ve; i++) {
          const b = buf[i]!;
          if (HOST_BYTE[b] !== 1) return this.#fail('bad-host');
          if (b >= 65 && b <= 90) upper = true;
        }
        this.host = upper ? latin1(buf, vs, ve).toLowerCase() : latin1(buf, vs, ve);
        return DONE;
      }
      case H_CONTENT_LENGTH: {
        // nginx rejects any repeated Content-Length; we do too, identical or not (RFC 9110 §8.6 permits either).
        if (this.contentLength !== -1) return this.#fail('duplicate-content-length');
        if (ve === vs) return this.#fail('bad-content-length');
        let value = 0;
        for (let i = vs; i < ve; i++) {
          const d = buf[i]! - 48;
          if (d < 0 || d > 9) return this.#fail('bad-content-length');
          value = value * 10 + d;
          if (value > this.#limits.maxBodyBytes) return this.#fail('body-too-large', 413);
        }
        this.contentLength = value;
        return DONE;
      }
      case H_TRANSFER_ENCODING: {
        // Only a single `chunked` (case-insensitive, §7.1) is accepted; any list, other coding, or second line is not.
        if (this.chunked) return this.#fail('duplicate-transfer-encoding');
        if (ve - vs !== 7 || latin1(buf, vs, ve).toLowerCase() !== 'chunked') {
          return this.#fail('bad-transfer-encoding');
        }
        this.chunked = true;
        return DONE;
      }
      case H_CONNECTION:
        return this.#connection(buf, vs, ve);
      case H_EXPECT:
        if (ve - vs === 12 && latin1(buf, vs, ve).toLowerCase() === '100-continue') this.expectContinue = true;
        return DONE;
      case H_UPGRADE:
        return DONE;
      default:
        return DONE;
    }
  }

  /** Connection = #connection-option (RFC 9110 §7.6.1): tokens separated by commas with OWS. */
  #connection(buf: Buffer, vs: number, ve: number): number {
    let i = vs;
    while (i < ve) {
      while (i < ve && (buf[i] === 32 || buf[i] === 9 || buf[i] === 44)) i++;
      const ts = i;
      while (i < ve && TCHAR[buf[i]!] === 1) i++;
      const te = i;
      while (i < ve && (buf[i] === 32 || buf[i] === 9)) i++;
      if (i < ve && buf[i] !== 44) return this.#fail('bad-connection');
      if (te === ts) continue;
      if (++this.#connectionTokens > MAX_NOMINATED) return this.#fail('bad-connection');
      const len = te - ts;
      if (len === 5 && equalsLower(buf, ts, 'close')) this.wantsClose = true;
      else if (len === 10 && equalsLower(buf, ts, 'keep-alive')) {
        if (this.minor === 0) this.wantsClose = false;
      } else if (len === 7 && equalsLower(buf, ts, 'upgrade')) this.isUpgrade = true;
      else this.nominated.push(hashName(buf, ts, te));
    }
    return DONE;
  }

  #finish(buf: Buffer): number {
    if (this.minor === 1 && this.#hostCount === 0 && !this.absoluteForm) return this.#fail('missing-host');
    if (this.chunked) {
      if (this.contentLength !== -1) return this.#fail('cl-and-te');
      if (this.minor === 0) return this.#fail('te-on-http10');
    }
    if (this.isUpgrade) {
      // An upgrade needs `Connection: upgrade` + an Upgrade header, on a 1.1 GET without a body.
      let hasUpgradeHeader = false;
      for (let h = 0; h < this.headerCount; h++) if (this.kinds[h] === H_UPGRADE) hasUpgradeHeader = true;
      this.isUpgrade =
        hasUpgradeHeader && this.minor === 1 && this.method === 'GET' && !this.chunked && this.contentLength <= 0;
    }
    void buf;
    return DONE;
  }

  /** Value of header `h` as a latin1 string. */
  value(buf: Buffer, h: number): string {
    return latin1(buf, this.offs[h * 4 + 2]!, this.offs[h * 4 + 3]!);
  }

  /** Name of header `h` as received. */
  name(buf: Buffer, h: number): string {
    return latin1(buf, this.offs[h * 4]!, this.offs[h * 4 + 1]!);
  }
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

/** The method as a string; the common ones without allocating. */
function methodName(buf: Buffer, start: number, end: number): string {
  for (let m = 0; m < METHODS.length; m++) {
    const name = METHODS[m]!;
    if (name.length !== end - start) continue;
    let i = 0;
    while (i < name.length && buf[start + i] === name.charCodeAt(i)) i++;
    if (i === name.length) return name;
  }
  return latin1(buf, start, end);
}

export function equalsLower(buf: Buffer, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    let b = buf[start + i]!;
    if (b >= 65 && b <= 90) b |= 0x20;
    if (b !== word.charCodeAt(i)) return false;
  }
  return true;
}
