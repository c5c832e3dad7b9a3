/**
 * Single-IP headers: one address written by one trusted proxy or CDN.
 *
 * - `X-Real-IP`, `CF-Connecting-IP`, `True-Client-IP`, `Fastly-Client-IP`, and any other name:
 *   `ip`, `v4:port`, `[v6]` or `[v6]:port` (parseEndpoint), spaces/TABs around trimmed.
 * - `CloudFront-Viewer-Address`: always `ip:port`, and IPv6 is *not* bracketed
 *   (`2001:db8::1:46532`), so the port is after the LAST colon; a port is required.
 * - Several lines of the header: which one the proxy wrote is unknowable (nginx takes the first,
 *   realclientip-go the last, Node joins them — reference §c pitfall 2), so the cursor reports
 *   HEADER_MULTIPLE and strict refuses (`multiple-single-ip-headers`).
 * - A list value (`1.2.3.4, 5.6.7.8`) is not an address: invalid.
 */
import { parseEndpoint, parseIP } from '../ip/address.ts';
import type { Endpoint, IPAddress } from '../ip/types.ts';
import { addressText, isUnknownToken, isUnspecifiedIP, MAX_ENTRY_LENGTH, MAX_LINE_LENGTH } from './forwarded-for.ts';
import { isHeaderName } from './header-lines.ts';

/** Single-IP headers we know by name (lower case). */
export const SINGLE_IP_HEADERS: readonly string[] = [
  'x-real-ip',
  'cf-connecting-ip',
  'true-client-ip',
  'fastly-client-ip',
  'cloudfront-viewer-address',
];

/** Headers that carry a list and must not be read as a single IP. */
export const LIST_HEADERS: readonly string[] = ['x-forwarded-for', 'forwarded'];

const OK = 0;
const EMPTY = 1;
const NOT_IP = 2;
const UNKNOWN = 3;
const TOO_LONG = 6;
const ABSENT = 0;
const PRESENT = 1;
const MULTIPLE = 2;
const LINE_TOO_LONG = 3;

const COLON = 0x3a;

/** A port: 1–5 digits, 0–65535, no leading zero (as parseEndpoint). -1 when invalid. */
function parsePort(text: string, start: number, end: number): number {
  const len = end - start;
  if (len < 1 || len > 5) return -1;
  if (len > 1 && text.charCodeAt(start) === 0x30) return -1;
  let port = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    port = port * 10 + c - 0x30;
  }
  return port > 65535 ? -1 : port;
}

/**
 * CloudFront-Viewer-Address value: `ip:port`, IPv6 unbracketed, split at the last colon.
 * @example parseViewerAddress('2001:db8::1:46532') // { ip: 2001:db8::1, port: 46532 }
 */
export function parseViewerAddress(text: string, start = 0, end: number = text.length): Endpoint | null {
  let colon = end - 1;
  while (colon >= start && text.charCodeAt(colon) !== COLON) colon--;
  if (colon <= start) return null;
  const port = parsePort(text, colon + 1, end);
  if (port < 0) return null;
  const ip = parseIP(text, start, colon);
  if (ip === null || ip.zone !== '') return null;
  return { ip, port };
}

/**
 * The walk's EntryCursor over one single-IP header: at most one entry, the whole (trimmed) value.
 *
 * @example
 * const c = new SingleHeaderCursor('CF-Connecting-IP');
 * c.reset(['CF-Connecting-IP', '203.0.113.7']); // 1 (present)
 * c.next(); c.parse(); // 0 (ok), c.ip = 203.0.113.7
 */
export class SingleHeaderCursor {
  readonly header: string;
  readonly #lower: string;
  readonly #viewerAddress: boolean;
  ip: IPAddress | null = null;
  port = -1;
  #value = '';
  #start = 0;
  #end = 0;
  #started = false;

  constructor(header: string) {
    this.header = header;
    this.#lower = header.toLowerCase();
    this.#viewerAddress = this.#lower === 'cloudfront-viewer-address';
  }

  reset(rawHeaders: readonly string[]): number {
    this.#started = false;
    this.ip = null;
    this.port = -1;
    let found = -1;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      const value = rawHeaders[i + 1];
      if (typeof name !== 'string' || typeof value !== 'string' || !isHeaderName(name, this.#lower)) continue;
      if (found >= 0) return MULTIPLE;
      if (value.length > MAX_LINE_LENGTH) return LINE_TOO_LONG;
      found = i + 1;
    }
    if (found < 0) return ABSENT;
    const value = rawHeaders[found] as string;
    let start = 0;
    let end = value.length;
    while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
    while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
    this.#value = value;
    this.#start = start;
    this.#end = end;
    return PRESENT;
  }

  next(): boolean {
    if (this.#started) return false;
    this.#started = true;
    return true;
  }

  parse(): number {
    const start = this.#start;
    const end = this.#end;
    if (start === end) return EMPTY;
    if (end - start > MAX_ENTRY_LENGTH) return TOO_LONG;
    const value = this.#value;
    const ep = this.#viewerAddress ? parseViewerAddress(value, start, end) : parseEndpoint(value, start, end);
    if (ep === null || isUnspecifiedIP(ep.ip)) return isUnknownToken(value, start, end) ? UNKNOWN : NOT_IP;
    this.ip = ep.ip;
    this.port = ep.port;
    return OK;
  }

  text(): string {
    return this.#value.slice(this.#start, this.#end);
  }

  /** The parsed value's address as received, without brackets and port. */
  address(): string {
    if (this.#viewerAddress) {
      let colon = this.#end - 1;
      while (colon > this.#start && this.#value.charCodeAt(colon) !== COLON) colon--;
      return this.#value.slice(this.#start, colon);
    }
    return addressText(this.#value, this.#start, this.#end);
  }

  line(): number {
    return 0;
  }

  index(): number {
    return 0;
  }
}
