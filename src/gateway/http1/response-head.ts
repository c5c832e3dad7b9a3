/**
 * Upstream response-head parser: just enough to forward the response safely — status line, header lines
 * (same byte rules as requests), and the framing of RFC 9112 §6.3: 1xx/204/304 and HEAD have no body,
 * Transfer-Encoding ending in `chunked` wins over Content-Length, another coding or no length means the body
 * runs until the upstream closes. A response that cannot be framed unambiguously is a 502.
 */
import { latin1 } from './bytes.ts';
import {
  H_CONNECTION,
  H_CONTENT_LENGTH,
  H_OTHER,
  H_TRANSFER_ENCODING,
  H_UNDERSCORE,
  type HeaderNames,
  hashName,
} from './header-names.ts';
import { DONE, equalsLower, FAILED, NEED_MORE, TCHAR, VALUE_BYTE } from './request-head.ts';

export const BODY_NONE = 0;
export const BODY_LENGTH = 1;
export const BODY_CHUNKED = 2;
export const BODY_CLOSE = 3;

export class ResponseHead {
  status = 0;
  minor = 1;
  headerCount = 0;
  offs: Int32Array;
  kinds: Uint16Array;
  contentLength = -1;
  /** BODY_* constant, valid after DONE and `frame(isHead)`. */
  body = BODY_NONE;
  /** Transfer-Encoding present (its last coding chunked or not). */
  hasTransferEncoding = false;
  lastCodingChunked = false;
  /** The upstream will close: `Connection: close`, or HTTP/1.0 without keep-alive. */
  upstreamCloses = false;
  nominated: number[] = [];
  headEnd = 0;
  /** Status line start and end (before CRLF) of the last parsed head. */
  lineStart = 0;
  lineEnd = 0;
  error = '';
  #start = 0;
  #pos = 0;
  #inHeaders = false;
  #keepAlive10 = false;
  readonly #names: HeaderNames;
  readonly #maxBytes: number;

  constructor(names: HeaderNames, maxHeaderBytes: number, maxHeaderCount: number) {
    this.#names = names;
    this.#maxBytes = maxHeaderBytes;
    this.offs = new Int32Array(maxHeaderCount * 4);
    this.kinds = new Uint16Array(maxHeaderCount);
  }

  reset(start: number): void {
    this.#start = start;
    this.#pos = start;
    this.#inHeaders = false;
    this.#keepAlive10 = false;
    this.status = 0;
    this.headerCount = 0;
    this.contentLength = -1;
    this.body = BODY_NONE;
    this.hasTransferEncoding = false;
    this.lastCodingChunked = false;
    this.upstreamCloses = false;
    if (this.nominated.length > 0) this.nominated = [];
    this.error = '';
  }

  shift(delta: number): void {
    this.#start += delta;
    this.#pos += delta;
    this.lineStart += delta;
    this.lineEnd += delta;
    const n = this.headerCount * 4;
    for (let i = 0; i < n; i++) this.offs[i]! += delta;
  }

  #fail(error: string): number {
    this.error = error;
    return FAILED;
  }

  parse(buf: Buffer, end: number): number {
    for (;;) {
      const lineStart = this.#pos;
      let lf = lineStart;
      while (lf < end && buf[lf] !== 10) lf++;
      if (lf >= end) return end - this.#start > this.#maxBytes ? this.#fail('response-head-too-large') : NEED_MORE;
      if (lf + 1 - this.#start > this.#maxBytes) return this.#fail('response-head-too-large');
      if (lf === lineStart || buf[lf - 1] !== 13) return this.#fail('bare-lf');
      const lineEnd = lf - 1;
      this.#pos = lf + 1;
      if (!this.#inHeaders) {
        if (this.#statusLine(buf, lineStart, lineEnd) === FAILED) return FAILED;
        this.#inHeaders = true;
        continue;
      }
      if (lineEnd === lineStart) {
        this.headEnd = this.#pos;
        if (this.minor === 0 && !this.#keepAlive10) this.upstreamCloses = true;
        return DONE;
      }
      if (this.#headerLine(buf, lineStart, lineEnd) === FAILED) return FAILED;
    }
  }

  #statusLine(buf: Buffer, s: number, e: number): number {
    // HTTP/1.x SP 3DIGIT SP reason (reason may be empty; the SP after the code is optional in practice).
    if (
      e - s < 12 ||
      buf[s] !== 72 ||
      buf[s + 1] !== 84 ||
      buf[s + 2] !== 84 ||
      buf[s + 3] !== 80 ||
      buf[s + 4] !== 47 ||
      buf[s + 5] !== 49 ||
      buf[s + 6] !== 46 ||
      buf[s + 8] !== 32
    ) {
      return this.#fail('bad-status-line');
    }
    const minor = buf[s + 7]! - 48;
    if (minor !== 0 && minor !== 1) return this.#fail('bad-status-line');
    this.minor = minor;
    let status = 0;
    for (let i = s + 9; i < s + 12; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) return this.#fail('bad-status-line');
      status = status * 10 + d;
    }
    if (status < 100 || status > 999) return this.#fail('bad-status-line');
    if (e > s + 12 && buf[s + 12] !== 32) return this.#fail('bad-status-line');
    for (let i = s + 12; i < e; i++) if (VALUE_BYTE[buf[i]!] !== 1) return this.#fail('bad-status-line');
    this.status = status;
    this.lineStart = s;
    this.lineEnd = e;
    return DONE;
  }

  #headerLine(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end && TCHAR[buf[i]!] === 1) i++;
    if (i === start || i >= end || buf[i] !== 58) return this.#fail('bad-response-header');
    const nameEnd = i++;
    while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
    const vs = i;
    let ve = i;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (VALUE_BYTE[b] !== 1) return this.#fail('bad-response-header');
      if (b !== 32 && b !== 9) ve = i + 1;
    }
    const n = this.headerCount;
    if (n * 4 >= this.offs.length) return this.#fail('response-head-too-large');
    const o = n * 4;
    this.offs[o] = start;
    this.offs[o + 1] = nameEnd;
    this.offs[o + 2] = vs;
    this.offs[o + 3] = ve;
    const kind = this.#names.kindOf(buf, start, nameEnd);
    this.kinds[n] = kind;
    this.headerCount = n + 1;
    if (kind === H_OTHER || (kind & H_UNDERSCORE) !== 0) return DONE;
    if (kind === H_CONTENT_LENGTH) {
      let value = 0;
      if (ve === vs) return this.#fail('bad-response-content-length');
      for (let k = vs; k < ve; k++) {
        const d = buf[k]! - 48;
        if (d < 0 || d > 9 || value > 1e15) return this.#fail('bad-response-content-length');
        value = value * 10 + d;
      }
      if (this.contentLength !== -1 && this.contentLength !== value) return this.#fail('bad-response-content-length');
      this.contentLength = value;
    } else if (kind === H_TRANSFER_ENCODING) {
      this.hasTransferEncoding = true;
      // The last coding decides (§6.3 rule 4); later lines append to the list.
      let k = ve;
      while (k > vs && buf[k - 1] !== 44 && buf[k - 1] !== 32 && buf[k - 1] !== 9) k--;
      this.lastCodingChunked = ve - k === 7 && latin1(buf, k, ve).toLowerCase() === 'chunked';
    } else if (kind === H_CONNECTION) {
      let k = vs;
      while (k < ve) {
        while (k < ve && (buf[k] === 32 || buf[k] === 9 || buf[k] === 44)) k++;
        const ts = k;
        while (k < ve && buf[k] !== 44 && buf[k] !== 32 && buf[k] !== 9) k++;
        if (k === ts) continue;
        const len = k - ts;
        if (len === 5 && equalsLower(buf, ts, 'close')) this.upstreamCloses = true;
        else if (len === 10 && equalsLower(buf, ts, 'keep-alive')) this.#keepAlive10 = true;
        else if (this.nominated.length < 16) this.nominated.push(hashName(buf, ts, k));
      }
    }
    return DONE;
  }

  /** Decides the body framing (§6.3) once the request method is known. */
  frame(isHeadRequest: boolean): void {
    const s = this.status;
    if (isHeadRequest || s < 200 || s === 204 || s === 304) this.body = BODY_NONE;
    else if (this.hasTransferEncoding) this.body = this.lastCodingChunked ? BODY_CHUNKED : BODY_CLOSE;
    else if (this.contentLength >= 0) this.body = this.contentLength === 0 ? BODY_NONE : BODY_LENGTH;
    else this.body = BODY_CLOSE;
    if (this.body === BODY_CLOSE) this.upstreamCloses = true;
  }
}
