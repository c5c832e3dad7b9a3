/**
 * The `nginx` strategy: exactly what ngx_http_realip_module of nginx 1.22 (Debian 12) leaves in
 * `$remote_addr` / `$remote_port`, for `set_real_ip_from` (= `trusted`), `real_ip_header`
 * (= `header`) and `real_ip_recursive` (= `recursive`). Sources: release-1.22.1
 * src/http/modules/ngx_http_realip_module.c (`ngx_http_realip_handler`),
 * src/http/ngx_http_core_module.c (`ngx_http_get_forwarded_addr[_internal]`),
 * src/http/ngx_http_parse.c (header value trimming), src/core/ngx_inet.c (./nginx-address.ts).
 *
 * Not expressed through walk.ts: nginx's walk is defined over raw header bytes (the entry
 * boundaries, the byte-level trimming and the per-line recursion rule below are part of the
 * answer), so it is reproduced here step for step rather than approximated by a generic walk.
 */
import { InvalidOptionError } from '../errors.ts';
import { formatIP } from '../ip/address.ts';
import { NAMED_RANGES } from '../ip/ranges.ts';
import {
  type NginxAddress,
  type NginxCidr,
  nginxCidrMatch,
  nginxFormatAddress,
  nginxParseAddr,
  nginxParseAddrPort,
  nginxParseCidr,
} from './nginx-address.ts';
import type {
  Resolution,
  ResolveInput,
  ResolveOptions,
  Resolver,
  ResolverOptions,
  TraceStep,
  Verdict,
} from './types.ts';

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
  /** One-entry cache of the last peer's parse, text and trust (behind a proxy most requests share a peer). */
  readonly peerCache: { last: PeerInfo | null };
}

interface PeerInfo {
  readonly raw: string | undefined;
  readonly addr: NginxAddress | null;
  /** Canonical text for `Resolution.peer`. */
  readonly text: string | null;
  /** `$remote_addr` when the peer stays the client. */
  readonly client: string | null;
  readonly match: NginxCidr | null;
}

const DECLINED = 0;
const OK = 1;
const DONE = 2;

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
  for (const entry of options.trusted ?? []) {
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
    peerCache: { last: null },
  };
}

/** nginx sees the socket address; a Node dual-stack `::ffff:a.b.c.d` peer is an IPv4 connection. */
function parsePeer(peer: string | undefined): NginxAddress | null {
  if (peer === undefined) return 'unix';
  const pct = peer.indexOf('%');
  const ip = nginxParseAddr(peer, 0, pct === -1 ? peer.length : pct);
  if (ip === null) return null;
  if (ip.family === 6 && ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff) {
    return { family: 4, w0: 0, w1: 0, w2: 0, w3: ip.w3, zone: '' };
  }
  return ip;
}

function peerInfo(config: NginxRealIpConfig, raw: string | undefined): PeerInfo {
  const last = config.peerCache.last;
  if (last !== null && last.raw === raw && raw !== undefined) return last;
  const addr = parsePeer(raw);
  const info: PeerInfo = {
    raw,
    addr,
    text: addr === null || addr === 'unix' ? null : formatIP(addr),
    client: addr === null ? null : nginxFormatAddress(addr),
    match: addr === null || config.from.length === 0 ? null : nginxCidrMatch(addr, config.from),
  };
  config.peerCache.last = info;
  return info;
}

function result(
  client: string | null,
  port: number | null,
  reason: string,
  peer: string | null,
  peerTrusted: boolean,
  trace: TraceStep[] | null,
): Resolution {
  if (trace === null) return { client, port, reason, peer, peerTrusted };
  return { client, port, reason, peer, peerTrusted, trace };
}

interface WalkState {
  cur: NginxAddress;
  port: number;
  stop: 'untrusted' | 'invalid' | null;
  trace: TraceStep[] | null;
  /** Index in `trace` of the step that holds `cur`. */
  curStep: number;
}

function note(state: WalkState, step: TraceStep): number {
  if (state.trace === null) return -1;
  state.trace.push(step);
  return state.trace.length - 1;
}

function setVerdict(state: WalkState, index: number, verdict: Verdict, range?: string): void {
  if (state.trace === null || index < 0) return;
  const step = state.trace[index] as TraceStep;
  state.trace[index] = range === undefined ? { ...step, verdict } : { ...step, verdict, range };
}

/** Left-to-right index of the entry starting at `at` in `text[s, …)`, for traces only. */
function entryIndex(text: string, s: number, at: number): number {
  let index = 0;
  let inEntry = false;
  for (let i = s; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x2c) inEntry = false;
    else if (!inEntry) {
      inEntry = true;
      index++;
    }
  }
  return index;
}

/**
 * `ngx_http_get_forwarded_addr_internal` over one header value: while the current address is
 * trusted, strip trailing spaces/commas, take the text after the last space/comma (the first byte
 * of the value is never examined as a separator, so `,1.2.3.4` is one invalid entry), parse it.
 */
function walkValue(
  config: NginxRealIpConfig,
  state: WalkState,
  text: string,
  s: number,
  length: number,
  name: string,
  line: number,
): number {
  let found = false;
  let len = length;
  let p: number;
  do {
    const match = nginxCidrMatch(state.cur, config.from);
    if (match === null) {
      setVerdict(state, state.curStep, 'untrusted');
      state.stop = 'untrusted';
      return found ? DONE : DECLINED;
    }
    setVerdict(state, state.curStep, 'trusted', match.text);
    p = s + len - 1;
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
    // An empty value: nginx parses the one byte before it (the `:` or space after the name), which
    // never parses; here the entry is simply empty.
    const start = Math.max(p, s);
    const endpoint = len === 0 ? null : nginxParseAddrPort(text, start, s + len);
    const step =
      state.trace === null
        ? -1
        : note(state, {
            source: 'header',
            header: name,
            line,
            index: entryIndex(text, s, start),
            value: text.slice(start, s + len),
            verdict: endpoint ? 'trusted' : 'invalid',
            ...(endpoint ? {} : { why: 'not-an-address' }),
          });
    if (endpoint === null) {
      state.stop = 'invalid';
      return found ? DONE : DECLINED;
    }
    state.cur = endpoint.ip;
    state.port = endpoint.port;
    state.curStep = step;
    found = true;
    len = p - 1 - s;
  } while (config.recursive && p > s);
  return OK;
}

/** nginx's header parser drops leading and trailing spaces (not tabs) of a value. */
function trimmedValue(value: string): [number, number] {
  let s = 0;
  let e = value.length;
  while (s < e && value.charCodeAt(s) === 0x20) s++;
  while (e > s && value.charCodeAt(e - 1) === 0x20) e--;
  return [s, e - s];
}

/**
 * Resolve one request as nginx 1.22 would. `client` is `$remote_addr` (IPv6 printed by
 * ngx_inet6_ntop, `unix:` for a Unix-socket peer), `port` is `$remote_port` (the entry's port; the
 * peer's when realip did not change the address; null when nginx prints it empty).
 */
export function resolveNginx(config: NginxRealIpConfig, input: ResolveInput, options?: ResolveOptions): Resolution {
  const trace: TraceStep[] | null = options?.trace === true ? [] : null;
  const info = peerInfo(config, typeof input.peer === 'string' ? input.peer : undefined);
  const peer = info.addr;
  if (peer === null) {
    if (trace) trace.push({ source: 'peer', value: String(input.peer), verdict: 'invalid', why: 'not-an-address' });
    return result(null, null, 'peer-not-ip', null, false, trace);
  }
  const peerText = info.text;
  const peerMatch = info.match;
  const state: WalkState = { cur: peer, port: 0, stop: null, trace, curStep: -1 };
  if (trace) {
    state.curStep = note(state, {
      source: 'peer',
      value: input.peer ?? 'unix:',
      verdict: peerMatch ? 'trusted' : 'untrusted',
    });
  }

  const declined = (reason: string): Resolution => {
    if (trace && trace.length > 0) {
      const first = trace[0] as TraceStep;
      trace[0] = { ...first, verdict: 'client', ...(peerMatch ? { range: peerMatch.text } : {}) };
    }
    const peerPort = input.peerPort;
    const port = peer !== 'unix' && typeof peerPort === 'number' && peerPort > 0 && peerPort < 65536 ? peerPort : null;
    return result(info.client, port, reason, peerText, peerMatch !== null, trace);
  };

  // ngx_http_realip_handler: no set_real_ip_from → the module does nothing.
  if (config.from.length === 0 || peerMatch === null) return declined('untrusted-peer');
  const raw = input.rawHeaders;
  let rc = DECLINED;
  if (config.mode === 'x-forwarded-for') {
    // All lines, last to first (ngx_http_get_forwarded_addr). Not recursive: the last line only.
    // Recursive: the previous line is entered only when the later one was walked to its start.
    let found = false;
    let seen = false;
    for (let i = (raw.length & ~1) - 2; i >= 0; i -= 2) {
      const name = raw[i];
      const value = raw[i + 1];
      if (typeof name !== 'string' || typeof value !== 'string' || !sameName(name, config.lower)) continue;
      seen = true;
      const [s, len] = trimmedValue(value);
      rc = walkValue(config, state, value, s, len, name, i >> 1);
      if (!config.recursive) break;
      if (rc === DECLINED && found) {
        rc = DONE;
        break;
      }
      if (rc !== OK) break;
      found = true;
    }
    if (!seen) return declined('trusted-peer-no-header');
  } else {
    // X-Real-IP and generic headers: the FIRST matching line only (ngx_http_process_header_line
    // keeps the first X-Real-IP; the generic lookup stops at the first match).
    let at = -1;
    if (config.matchable) {
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i];
        if (typeof name === 'string' && typeof raw[i + 1] === 'string' && sameName(name, config.lower)) {
          at = i;
          break;
        }
      }
    }
    if (at === -1) return declined('trusted-peer-no-header');
    const value = raw[at + 1] as string;
    const [s, len] = trimmedValue(value);
    rc = walkValue(config, state, value, s, len, raw[at] as string, at >> 1);
  }
  if (rc === DECLINED) return declined('invalid-entry-kept-last');

  setVerdict(state, state.curStep, 'client');
  const reason =
    state.stop === 'untrusted'
      ? 'rightmost-untrusted'
      : state.stop === 'invalid'
        ? 'invalid-entry-kept-last'
        : !config.recursive
          ? 'rightmost-entry'
          : // The leftmost entry is never trust-checked by nginx; the reason says whether it would pass.
            nginxCidrMatch(state.cur, config.from) === null
            ? 'rightmost-untrusted'
            : 'all-trusted-leftmost';
  return result(nginxFormatAddress(state.cur), state.port > 0 ? state.port : null, reason, peerText, true, trace);
}

/**
 * A {@link Resolver} with nginx 1.22 realip semantics.
 *
 * @example
 * const r = createNginxResolver({ semantics: 'nginx', trusted: ['127.0.0.1', '10.0.0.0/8'], recursive: true });
 * r.resolve({ peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, bogus, 10.0.0.2'] }).client // '10.0.0.2'
 */
export function createNginxResolver(given: ResolverOptions | { readonly options: ResolverOptions }): Resolver {
  // Called as createNginxResolver(options) or with createResolver's context object ({ options, … }).
  const options: ResolverOptions = 'options' in given ? given.options : given;
  const config = compileNginxRealIp(options);
  const trustsEverything =
    config.from.some((c) => c.family === 4 && c.mask[3] === 0) &&
    config.from.some((c) => c.family === 6 && c.mask[0] === 0);
  return {
    semantics: 'nginx',
    trustsEverything,
    header: config.header,
    resolve: (input, resolveOptions) => {
      try {
        return resolveNginx(config, input, resolveOptions);
      } catch {
        // Never throw on the request path (a non-array rawHeaders, a throwing getter).
        return { client: null, port: null, reason: 'unexpected-input', peer: null, peerTrusted: false };
      }
    },
  };
}
