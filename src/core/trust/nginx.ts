/**
 * The `nginx` strategy: exactly what ngx_http_realip_module of nginx 1.22 (Debian 12) leaves in
 * `$remote_addr` / `$remote_port`, for `set_real_ip_from` (= `trusted`), `real_ip_header`
 * (= `header`) and `real_ip_recursive` (= `recursive`). Sources: release-1.22.1
 * src/http/modules/ngx_http_realip_module.c (`ngx_http_realip_handler`),
 * src/http/ngx_http_core_module.c (`ngx_http_get_forwarded_addr[_internal]`),
 * src/http/ngx_http_parse.c (header value trimming), src/core/ngx_inet.c (./nginx-address.ts).
 *
 * Built on the one trust walk (walk.ts): nginx's trust loop *is* the walk — peer first, right to
 * left, stop at the first untrusted address, an invalid entry keeps the last trusted hop
 * (`keep-last`), all trusted gives the leftmost (never checked), `real_ip_recursive off` takes
 * one step. What is nginx's own lives in {@link NginxCursor}: which lines count, the byte-level
 * entry boundaries and when the walk may cross into the previous line. Two things the walk cannot
 * say are added around it: a Unix-socket peer prints `unix:` (the walk has no client text for a
 * peer without an IP), and `$remote_port` is empty for port 0.
 */
import { InvalidOptionError } from '../errors.ts';
import { lastQuadStart, scanCanonicalIPv6Left, scanQuadLeft } from '../headers/forwarded-for.ts';
import { formatIP } from '../ip/address.ts';
import { NAMED_RANGES } from '../ip/ranges.ts';
import type { IPAddress } from '../ip/types.ts';
import {
  type NginxCidr,
  nginxCidrMatch,
  nginxFormatAddress,
  nginxParseAddr,
  nginxParseAddrPort,
  nginxParseCidr,
} from './nginx-address.ts';
import { RIGHTMOST_UNTRUSTED } from './reasons.ts';
import type { Resolution, ResolveInput, Resolver, ResolverOptions } from './types.ts';
import {
  build,
  createWalk,
  ENTRY_EMPTY,
  ENTRY_NOT_IP,
  ENTRY_OK,
  type EntryCursor,
  HEADER_ABSENT,
  HEADER_PRESENT,
  type Walk,
} from './walk.ts';

/** Which header source `real_ip_header` selects (the keywords are matched case-sensitively). */
type HeaderMode = 'x-forwarded-for' | 'x-real-ip' | 'generic';

/** The compiled `realip` configuration of one server block. */
export interface NginxRealIpConfig {
  /** `set_real_ip_from` entries; empty = the module is off (nginx: no `set_real_ip_from`). */
  readonly from: readonly NginxCidr[];
  readonly header: string;
  readonly mode: HeaderMode;
  /** Lower-cased header name for matching lines. */
  readonly lower: string;
  /** False when the generic header name has bytes nginx treats as invalid (e.g. `_`): such lines are ignored. */
  readonly matchable: boolean;
  readonly recursive: boolean;
}

/** ASCII-only lower-casing, as nginx's `ngx_hash_strlow` (no Unicode case folding). */
function asciiLower(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : text[i];
  }
  return out;
}

function sameName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Header-name bytes nginx accepts with the defaults `ignore_invalid_headers on`, `underscores_in_headers off`. */
function isNginxHeaderName(lower: string): boolean {
  if (lower.length === 0) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) return false;
  }
  return true;
}

/**
 * Compile the realip settings once. `trusted` takes what `set_real_ip_from` takes (address, CIDR,
 * `unix:`) plus our named ranges (`loopback`, `private`, …) as a convenience. `header` defaults to
 * `X-Forwarded-For` (our contract; nginx's own default is `X-Real-IP`).
 *
 * @example compileNginxRealIp({ trusted: ['10.0.0.0/8'], header: 'X-Forwarded-For', recursive: true })
 */
export function compileNginxRealIp(options: ResolverOptions): NginxRealIpConfig {
  const from: NginxCidr[] = [];
  const trusted: unknown = options.trusted ?? [];
  if (!Array.isArray(trusted) || trusted.some((t) => typeof t !== 'string')) {
    throw new InvalidOptionError('trusted', 'must be an array of set_real_ip_from values (strings)');
  }
  for (const entry of trusted as readonly string[]) {
    const named = Object.hasOwn(NAMED_RANGES, entry) ? NAMED_RANGES[entry] : undefined;
    if (named) for (const cidr of named) from.push({ ...nginxParseCidr(cidr), text: entry });
    else from.push(nginxParseCidr(entry));
  }
  const header = options.header ?? 'X-Forwarded-For';
  if (header === 'proxy_protocol') {
    throw new InvalidOptionError(
      'header',
      'real_ip_header proxy_protocol: decode PROXY at the listener and pass its source as the peer',
    );
  }
  // ngx_http_realip: the keywords are compared with ngx_strcmp (case-sensitive); any other value,
  // including `x-forwarded-for` in lower case, is a generic header read from its FIRST line only.
  const mode: HeaderMode =
    header === 'X-Forwarded-For' ? 'x-forwarded-for' : header === 'X-Real-IP' ? 'x-real-ip' : 'generic';
  const lower = asciiLower(header);
  return {
    from,
    header,
    mode,
    lower,
    matchable: isNginxHeaderName(lower),
    recursive: options.recursive === true,
  };
}

/** nginx sees the socket address; a Node dual-stack `::ffff:a.b.c.d` peer is an IPv4 connection. */
function parsePeer(peer: string): IPAddress | null {
  const pct = peer.indexOf('%');
  const ip = nginxParseAddr(peer, 0, pct === -1 ? peer.length : pct);
  if (ip === null) return null;
  if (ip.family === 6 && ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff) {
    return { family: 4, w0: 0, w1: 0, w2: 0, w3: ip.w3, zone: '' };
  }
  return ip;
}

/**
 * The header's entries in nginx's order, for the walk. `ngx_http_get_forwarded_addr`: with the
 * X-Forwarded-For keyword every line counts, last line first; a previous line is entered only when
 * the later one was consumed to its first byte (otherwise nginx's per-line call returned DONE).
 * Other headers: the FIRST matching line only (`ngx_http_process_header_line` keeps the first
 * X-Real-IP; the generic lookup stops at the first match). Within a line
 * (`ngx_http_get_forwarded_addr_internal`): strip trailing spaces and commas, the entry is the
 * text after the last space or comma — the value's first byte is never examined as a separator,
 * so `,1.2.3.4` is one (invalid) entry and `, 1.2.3.4` ends in an invalid `,`. An empty value is
 * one invalid entry (nginx parses the byte before it, the `:` or space after the name).
 */
export class NginxCursor implements EntryCursor {
  readonly header: string;
  ip: IPAddress | null = null;
  port = -1;
  readonly #config: NginxRealIpConfig;
  #raw: readonly string[] = [];
  /** Index in rawHeaders of the current line's value; its text, value start and line number. */
  #at = -1;
  #value = '';
  #s = 0;
  /** Remaining length of the current line left of the current entry (nginx's `xfflen`). */
  #len = 0;
  /** Current entry `[#p, #e)`. */
  #p = 0;
  #e = 0;
  #started = false;

  constructor(config: NginxRealIpConfig) {
    this.#config = config;
    this.header = config.header;
  }

  reset(rawHeaders: readonly string[]): number {
    this.#raw = rawHeaders;
    this.#started = false;
    this.ip = null;
    this.port = -1;
    this.#at = this.#firstLine();
    return this.#at === -1 ? HEADER_ABSENT : HEADER_PRESENT;
  }

  /** The line the walk starts on: the last X-Forwarded-For line, or the first line of another header. */
  #firstLine(): number {
    const raw = this.#raw;
    const config = this.#config;
    if (config.mode === 'x-forwarded-for') return this.#previousLine((raw.length & ~1) + 1);
    if (!config.matchable) return -1;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i];
      if (typeof name === 'string' && typeof raw[i + 1] === 'string' && sameName(name, config.lower)) return i + 1;
    }
    return -1;
  }

  /** Value index of the last matching line before value index `before`, or -1. */
  #previousLine(before: number): number {
    const raw = this.#raw;
    for (let i = before - 3; i >= 0; i -= 2) {
      const name = raw[i];
      if (typeof name === 'string' && typeof raw[i + 1] === 'string' && sameName(name, this.#config.lower))
        return i + 1;
    }
    return -1;
  }

  #loadLine(): void {
    const value = this.#raw[this.#at] as string;
    // ngx_http_parse_header_line drops leading and trailing spaces (not tabs) of a value.
    let s = 0;
    let e = value.length;
    while (s < e && value.charCodeAt(s) === 0x20) s++;
    while (e > s && value.charCodeAt(e - 1) === 0x20) e--;
    this.#value = value;
    this.#s = s;
    this.#len = e - s;
  }

  /** One step of ngx_http_get_forwarded_addr_internal's loop: find the entry left of `#len`. */
  #scan(): void {
    const text = this.#value;
    const s = this.#s;
    let len = this.#len;
    let p = s + len - 1;
    for (; p > s; p--, len--) {
      const c = text.charCodeAt(p);
      if (c !== 0x20 && c !== 0x2c) break;
    }
    for (; p > s; p--) {
      const c = text.charCodeAt(p);
      if (c === 0x20 || c === 0x2c) {
        p++;
        break;
      }
    }
    this.#p = Math.max(p, s);
    this.#e = s + len;
  }

  next(): boolean {
    if (!this.#started) {
      if (this.#at === -1) return false;
      this.#started = true;
      this.#loadLine();
      this.#scan();
      return true;
    }
    if (!this.#config.recursive) return false;
    if (this.#p > this.#s) {
      // More of this line: nginx continues at `xfflen = p - 1 - xff`.
      this.#len = this.#p - 1 - this.#s;
      this.#scan();
      return true;
    }
    // The line was consumed to its first byte (nginx returned NGX_OK): on to the previous line.
    if (this.#config.mode !== 'x-forwarded-for') return false;
    const previous = this.#previousLine(this.#at);
    if (previous === -1) return false;
    this.#at = previous;
    this.#loadLine();
    this.#scan();
    return true;
  }

  parse(): number {
    if (this.#e <= this.#p) {
      this.ip = null;
      this.port = -1;
      return ENTRY_EMPTY;
    }
    const endpoint = nginxParseAddrPort(this.#value, this.#p, this.#e);
    if (endpoint === null) {
      this.ip = null;
      this.port = -1;
      return ENTRY_NOT_IP;
    }
    this.ip = endpoint.ip;
    // Port 0 = no port: `$remote_port` prints empty.
    this.port = endpoint.port > 0 ? endpoint.port : -1;
    return ENTRY_OK;
  }

  text(): string {
    return this.#value.slice(this.#p, this.#e);
  }

  address(): string {
    return this.text();
  }

  line(): number {
    let line = 0;
    for (let i = this.#at - 2; i >= 1; i -= 2) {
      const name = this.#raw[i - 1];
      if (typeof name === 'string' && sameName(name, this.#config.lower)) line++;
    }
    return line;
  }

  index(): number {
    let index = 0;
    let inEntry = false;
    for (let i = this.#s; i < this.#p; i++) {
      const c = this.#value.charCodeAt(i);
      if (c === 0x20 || c === 0x2c) inEntry = false;
      else if (!inEntry) {
        inEntry = true;
        index++;
      }
    }
    return index;
  }
}

/** The walk configured as nginx 1.22's realip. */
export function createNginxWalk(config: NginxRealIpConfig): Walk {
  const from = config.from;
  const hasUnix = from.some((c) => c.family === 'unix');
  return createWalk(
    {
      parsePeer,
      canonical: formatIP,
      isTrusted: (ip) => (ip === null ? hasUnix : nginxCidrMatch(ip, from) !== null),
      trustedRange: (ip) => (ip === null ? (hasUnix ? 'unix:' : undefined) : nginxCidrMatch(ip, from)?.text),
      formatClient: (ip) => nginxFormatAddress(ip),
      onInvalid: 'keep-last',
      onAllTrusted: 'leftmost',
      recursive: config.recursive,
      hops: 0,
      // nginx has no entry limit.
      maxEntries: Number.MAX_SAFE_INTEGER,
    },
    new NginxCursor(config),
  );
}

/**
 * The no-trace fast path of the nginx walk for `real_ip_header X-Forwarded-For` with
 * `real_ip_recursive on`, for the usual request: the last X-Forwarded-For line holds dotted
 * quads and IPv6 addresses in their canonical spelling, split by spaces and commas. For those
 * entries ngx_inet_addr / ngx_inet6_addr read the same value as our canonical readers, and
 * `$remote_addr` prints them as written, so the walk needs no address objects: entries are read right to left from the header
 * string (NginxCursor's boundaries: trailing spaces/commas skipped, the entry starts after the
 * last space/comma, the line's first byte is never a separator) and checked against the IPv4
 * `set_real_ip_from` masks (nginxCidrMatch). Anything else — another spelling, a port, IPv6
 * opening with `::`, 255.255.255.255, the line's first entry reached while every entry so far was trusted, an
 * untrusted or non-string peer — returns null and the general walk answers. nginx-fast.test.ts
 * checks both agree on random requests.
 */
export function createNginxFastPath(config: NginxRealIpConfig): ((input: ResolveInput) => Resolution | null) | null {
  if (config.mode !== 'x-forwarded-for' || !config.recursive) return null;
  const v4 = config.from.filter((c) => c.family === 4);
  const nets = Uint32Array.from(v4, (c) => c.addr[3]);
  const masks = Uint32Array.from(v4, (c) => c.mask[3]);
  const from = config.from;
  const lower = config.lower;
  const header = config.header;
  const isTrustedV4 = (n: number): boolean => {
    for (let k = 0; k < nets.length; k++) if ((n & masks[k]!) >>> 0 === nets[k]) return true;
    return false;
  };
  const v6 = config.from.filter((c) => c.family === 6);
  const nets6 = Uint32Array.from(v6.flatMap((c) => c.addr));
  const masks6 = Uint32Array.from(v6.flatMap((c) => c.mask));
  const isTrustedV6 = (w0: number, w1: number, w2: number, w3: number): boolean => {
    for (let k = 0; k < nets6.length; k += 4) {
      if (
        (w0 & masks6[k]!) >>> 0 === nets6[k] &&
        (w1 & masks6[k + 1]!) >>> 0 === nets6[k + 1] &&
        (w2 & masks6[k + 2]!) >>> 0 === nets6[k + 2] &&
        (w3 & masks6[k + 3]!) >>> 0 === nets6[k + 3]
      ) {
        return true;
      }
    }
    return false;
  };
  const words = new Uint32Array(4);
  let cachedRaw: string | undefined;
  let cachedText: string | null = null;
  let cachedTrusted = false;
  return (input) => {
    const peerRaw = input.peer;
    if (typeof peerRaw !== 'string') return null;
    if (peerRaw !== cachedRaw) {
      const ip = parsePeer(peerRaw);
      cachedText = ip === null ? null : formatIP(ip);
      cachedTrusted = ip !== null && nginxCidrMatch(ip, from) !== null;
      cachedRaw = peerRaw;
    }
    if (!cachedTrusted) return null;
    const raw = input.rawHeaders;
    if (!Array.isArray(raw)) return null;
    // NginxCursor#previousLine from the end: the last X-Forwarded-For line.
    let at = -1;
    for (let i = (raw.length & ~1) - 2; i >= 0; i -= 2) {
      const name = raw[i];
      // The configured spelling first (one compare), then nginx's case-insensitive match.
      if (typeof name === 'string' && typeof raw[i + 1] === 'string' && (name === header || sameName(name, lower))) {
        at = i + 1;
        break;
      }
    }
    if (at < 0) return null;
    const value = raw[at] as string;
    // #loadLine: leading and trailing spaces (not tabs) are not part of the value.
    let s = 0;
    let e = value.length;
    while (s < e && value.charCodeAt(s) === 0x20) s++;
    while (e > s && value.charCodeAt(e - 1) === 0x20) e--;
    if (e === s) return null;
    let end = e;
    for (;;) {
      // #scan: skip trailing spaces and commas (never the line's first byte).
      while (end - 1 > s) {
        const c = value.charCodeAt(end - 1);
        if (c !== 0x20 && c !== 0x2c) break;
        end--;
      }
      const quad = scanQuadLeft(value, end);
      let start: number;
      let trusted: boolean;
      if (quad >= 0) {
        if (quad === 0 || quad === 0xffffffff) return null;
        start = lastQuadStart();
        trusted = isTrustedV4(quad);
      } else {
        // RFC 5952 text that does not open with `::`: ngx_inet6_addr reads these words and
        // ngx_inet6_ntop prints them exactly as written (its dotted forms need a leading zero run).
        start = scanCanonicalIPv6Left(value, end, words);
        if (start < 0 || value.charCodeAt(start) === 0x3a) return null;
        trusted = isTrustedV6(words[0]!, words[1]!, words[2]!, words[3]!);
      }
      if (start < s) return null;
      if (start > s) {
        // The entry starts after a space or comma that is not the line's first byte.
        const c = value.charCodeAt(start - 1);
        if ((c !== 0x20 && c !== 0x2c) || start - 1 === s) return null;
      }
      if (!trusted) return build(value.slice(start, end), null, RIGHTMOST_UNTRUSTED, cachedText, true, null);
      if (start === s) return null; // the line's first entry: an earlier line, or all trusted (leftmost)
      end = start - 1;
    }
  };
}

/** Reasons whose client is the peer itself (the walk leaves `client` null for a peer without an IP). */
const PEER_IS_CLIENT = new Set(['peer-not-ip', 'untrusted-peer', 'trusted-peer-no-header', 'invalid-entry-kept-last']);

/**
 * A {@link Resolver} with nginx 1.22 realip semantics. `client` is `$remote_addr` (IPv6 printed by
 * ngx_inet6_ntop, `unix:` for a Unix-socket peer), `port` is `$remote_port` (the entry's port; the
 * peer's when realip did not change the address; null when nginx prints it empty).
 *
 * @example
 * const r = createNginxResolver({ semantics: 'nginx', trusted: ['127.0.0.1', '10.0.0.0/8'], recursive: true });
 * r.resolve({ peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, bogus, 10.0.0.2'] }).client // '10.0.0.2'
 */
export function createNginxResolver(given: ResolverOptions | { readonly options: ResolverOptions }): Resolver {
  // Called as createNginxResolver(options) or with createResolver's context object ({ options, … }).
  const options: ResolverOptions = 'options' in given ? given.options : given;
  const config = compileNginxRealIp(options);
  const walk = createNginxWalk(config);
  const fast = createNginxFastPath(config);
  const trustsEverything =
    config.from.some((c) => c.family === 4 && c.mask[3] === 0) &&
    config.from.some((c) => c.family === 6 && c.mask[0] === 0);
  return {
    semantics: 'nginx',
    trustsEverything,
    header: config.header,
    resolve: (input, resolveOptions) => {
      const trace = resolveOptions?.trace === true;
      let r: Resolution | null = null;
      if (!trace && fast !== null) {
        try {
          r = fast(input);
        } catch {
          // Unexpected input: the walk decides, as without the fast path.
        }
      }
      if (r === null) r = walk(input, trace);
      const unixPeer = typeof input === 'object' && input !== null && input.peer === undefined;
      if (r.client === null && unixPeer && PEER_IS_CLIENT.has(r.reason)) {
        // AF_UNIX: nginx prints `unix:` and `$remote_port` empty.
        const reason = r.reason === 'peer-not-ip' ? 'untrusted-peer' : r.reason;
        return { ...r, client: 'unix:', port: null, reason };
      }
      if (r.port === 0) return { ...r, port: null };
      return r;
    },
  };
}
