/**
 * The one trust walk. Every strategy (strict, hops, single, forwarded, nginx, express) is a
 * configuration of this function: it walks right→left over `[peer, entries…]` (the peer first),
 * asks `isTrusted(ip, index)` for each address, and ends on the first rule that fires. The
 * entries come from an {@link EntryCursor} (a header tokenizer) that produces them lazily from
 * the right, so a long header costs only the entries the walk actually visits.
 *
 * Allocation: per call, the Resolution object, the client string and whatever the cursor's
 * address parser returns. The trace array is built only when asked for.
 */
import { formatIP, isRfc5952ZeroRun, isUnspecified, parseIP, unmapIPv4 } from '../ip/address.ts';
import type { PrefixSet } from '../ip/prefix-set.ts';
import type { IPAddress } from '../ip/types.ts';
import * as R from './reasons.ts';
import type { Resolution, ResolveInput, Resolver, ResolverOptions, Semantics, TraceStep, Verdict } from './types.ts';

/**
 * What createResolver (resolver.ts) compiled from ResolverOptions, handed to each strategy's
 * factory (`createStrictResolver(ctx)`, `createNginxResolver(ctx)`, …). Strategies configure the
 * walk from it; they never re-parse options.
 */
export interface TrustContext {
  /** The options as given (validated). */
  readonly options: ResolverOptions;
  readonly semantics: Semantics;
  /** `trusted` compiled once (IPs, CIDRs, named ranges); `unix`/`unix:` entries removed. */
  readonly trusted: PrefixSet;
  /** `unix:` (nginx spelling) or `unix` was in `trusted`: a peer without an IP (Unix socket) is trusted. */
  readonly trustUnix: boolean;
  /** `trustAll: true` (express only). */
  readonly trustAll: boolean;
  /** The configuration trusts every address. */
  readonly trustsEverything: boolean;
  /** Header to read, as configured (default per semantics). */
  readonly header: string;
  /** Entry cap for the walk. */
  readonly maxEntries: number;
}

/** Default cap on entries walked (ALB refuses above 30 XFF entries; reference pitfall 22). */
export const MAX_ENTRIES = 64;

/**
 * The usual peer and trust hooks for a TrustContext: the peer parsed strictly (`::ffff:` forms and
 * zones as Node reports them), canonical text unmapped, trust by prefix set (IPv4-mapped matches
 * IPv4 ranges), a non-IP peer trusted only with `unix:`.
 */
export function prefixTrustHooks(
  ctx: TrustContext,
): Pick<WalkConfig, 'parsePeer' | 'canonical' | 'isTrusted' | 'isTrustedV4' | 'trustedRange'> {
  const set = ctx.trusted;
  const trustAll = ctx.trustAll;
  const trustUnix = ctx.trustUnix;
  return {
    parsePeer: (raw) => {
      // `0.0.0.0` / `::` are no host: treated like a Unix socket (realclientip-go agrees).
      const ip = parseIP(raw);
      return ip === null || isUnspecified(ip) ? null : ip;
    },
    canonical: (ip) => formatIP(unmapIPv4(ip)),
    isTrusted: (ip, index) => (ip === null ? trustAll || (index === 0 && trustUnix) : trustAll || set.has(ip)),
    isTrustedV4: (v4) => trustAll || set.hasIPv4(v4),
    trustedRange: (ip) => (trustAll ? 'trust-all' : ip === null ? 'unix:' : set.match(ip)),
  };
}

/**
 * RFC 5952 text, `::ffff:a.b.c.d` unmapped: the strict strategies' client text. `raw` is the
 * entry as received: our parsers accept only canonical dotted quads, so an IPv4 entry without a
 * port is already its canonical text and is returned as is (cheaper than formatting).
 */
export function canonicalClient(ip: IPAddress, raw: string): string {
  if (ip.family === 4) return raw.length <= 15 ? raw : formatIP(ip);
  if (ip.zone === '' && isCanonicalIPv6(raw, ip)) return raw;
  return formatIP(unmapIPv4(ip));
}

/** Scratch for isCanonicalIPv6 (resolution is synchronous). */
const GROUPS = new Uint16Array(8);

/**
 * Whether `text` — which parses to `ip`, a zone-less IPv6 — is exactly formatIP(ip) (RFC 5952:
 * lowercase, no leading zeros, no dotted quad, the first longest run of ≥ 2 zero groups as `::`,
 * mapped addresses excluded). One pass over the text; the zero run is computed from the words.
 */
export function isCanonicalIPv6(text: string, ip: IPAddress): boolean {
  if (ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff) return false;
  let explicit = 0; // groups written out
  let gapAt = -1; // explicit groups before `::`
  let digits = 0;
  let first = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) {
      if (digits > 0) {
        if (digits > 1 && first === 0x30) return false;
        explicit++;
        digits = 0;
      }
      if (i + 1 < n && text.charCodeAt(i + 1) === 0x3a) {
        gapAt = explicit;
        i++;
      }
    } else if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) {
      if (digits === 0) first = c;
      digits++;
    } else {
      return false; // upper-case hex, a dotted quad, a zone, anything else
    }
  }
  if (digits > 0) {
    if (digits > 1 && first === 0x30) return false;
    explicit++;
  }
  const g = GROUPS;
  g[0] = ip.w0 >>> 16;
  g[1] = ip.w0 & 0xffff;
  g[2] = ip.w1 >>> 16;
  g[3] = ip.w1 & 0xffff;
  g[4] = ip.w2 >>> 16;
  g[5] = ip.w2 & 0xffff;
  g[6] = ip.w3 >>> 16;
  g[7] = ip.w3 & 0xffff;
  return isRfc5952ZeroRun(g, gapAt, explicit);
}

/**
 * The settings every fail-closed strategy (strict, hops, single, forwarded) shares: trust from the
 * prefix sets, canonical RFC 5952 answers, and a refusal (client null) on an invalid entry at the
 * decision point or an all-trusted chain. Each strategy states only what differs.
 */
export function refusingWalkConfig(
  ctx: TrustContext,
  own: Pick<WalkConfig, 'recursive' | 'hops' | 'maxEntries'> & Partial<WalkConfig>,
): WalkConfig {
  return {
    ...prefixTrustHooks(ctx),
    formatClient: canonicalClient,
    canonicalText: true,
    onInvalid: 'refuse',
    onAllTrusted: 'refuse',
    ...own,
  };
}

/** Wraps a compiled walk into the public Resolver shape. */
export function resolverFromWalk(ctx: TrustContext, walk: Walk): Resolver {
  return {
    semantics: ctx.semantics,
    trustsEverything: ctx.trustsEverything,
    header: ctx.header,
    resolve: (input, options) => walk(input, typeof options === 'object' && options !== null && options.trace === true),
  };
}

// Entry status codes returned by EntryCursor.parse().
export const ENTRY_OK = 0;
export const ENTRY_EMPTY = 1;
export const ENTRY_NOT_IP = 2;
export const ENTRY_UNKNOWN = 3;
export const ENTRY_OBFUSCATED = 4;
export const ENTRY_BAD_PORT = 5;
export const ENTRY_TOO_LONG = 6;
/** RFC 7239 element without a `for=` parameter. */
export const ENTRY_NO_FOR = 7;
/** RFC 7239 element that does not follow the grammar. */
export const ENTRY_MALFORMED = 8;
/** The walk reached a header line longer than the cursor's cap. */
export const ENTRY_LINE_TOO_LONG = 9;

/** Trace `why` words per entry status (index = status code). */
export const ENTRY_WHY: readonly string[] = [
  '',
  'empty',
  'not-an-ip',
  'unknown',
  'obfuscated',
  'bad-port',
  'too-long',
  'no-for-parameter',
  'malformed-element',
  'line-too-long',
];

// Header status codes returned by EntryCursor.reset().
export const HEADER_ABSENT = 0;
export const HEADER_PRESENT = 1;
/** A header that must appear once appeared on several lines. */
export const HEADER_MULTIPLE = 2;
/** A line is longer than the cursor's cap. */
export const HEADER_TOO_LONG = 3;

/**
 * A header tokenizer that hands the walk one entry at a time, from the right. Implementations
 * are mutable and reused across calls of one resolver (resolution is synchronous).
 *
 * Protocol: `reset(raw)`; then `next()` moves to the rightmost entry, and each further `next()`
 * one entry to the left; when `next()` returns false the cursor stays on the last entry it had.
 */
export interface EntryCursor {
  /** Header name as configured, for traces. */
  readonly header: string;
  /** Start over on a request's `rawHeaders`; returns a HEADER_* code. */
  reset(rawHeaders: readonly string[]): number;
  /** Move one entry to the left (the first call: to the rightmost entry). False when none is left. */
  next(): boolean;
  /** Parse the current entry: ENTRY_OK sets `ip` and `port` (-1 when the entry had none). */
  parse(): number;
  readonly ip: IPAddress | null;
  readonly port: number;
  /** Optional: after ENTRY_OK, the IPv4 value of a plain dotted quad, else -1 (lets the walk skip `ip`). */
  readonly v4?: number;
  /** Optional: after ENTRY_OK, true when address() is exactly the RFC 5952 text of the address. */
  readonly canonical?: boolean;
  /** The current entry's text as received (may allocate). */
  text(): string;
  /** After ENTRY_OK: the address part as received, without brackets and port (may allocate). */
  address(): string;
  /** The current entry's line (0-based among this header's lines) and index in that line; for traces. */
  line(): number;
  index(): number;
}

export type InvalidPolicy = 'refuse' | 'keep-last' | 'verbatim';
export type AllTrustedPolicy = 'refuse' | 'leftmost';

/** How a strategy configures the walk. Compiled once per resolver. */
export interface WalkConfig {
  /** Parse the TCP peer as Node reports it (`::ffff:` forms, zones); null when not an IP. */
  parsePeer(raw: string): IPAddress | null;
  /** Canonical text for `Resolution.peer` (RFC 5952, `::ffff:` unmapped). */
  canonical(ip: IPAddress): string;
  /**
   * Is this address a trusted proxy? `index` 0 is the peer, 1 the rightmost entry, …
   * `ip` is null only for a peer without an address (Unix socket).
   */
  isTrusted(ip: IPAddress | null, index: number): boolean;
  /** Optional fast path of isTrusted for an IPv4 entry given as its 32-bit value; must agree with it. */
  isTrustedV4?(v4: number, index: number): boolean;
  /** The trusted range that matched, for traces only. */
  trustedRange?(ip: IPAddress | null, index: number): string | undefined;
  /**
   * formatClient returns RFC 5952 text: when the cursor reports its entry's address text as
   * already `canonical`, that text is the client (no formatting, no address object).
   */
  readonly canonicalText?: boolean;
  /** Client text for an address (`raw`: the address as received — the peer string, or the entry's address part). */
  formatClient(ip: IPAddress, raw: string): string;
  /** What an invalid entry at the decision point does. */
  readonly onInvalid: InvalidPolicy;
  /** What the walk does when every entry is trusted. */
  readonly onAllTrusted: AllTrustedPolicy;
  /** false = one step only (nginx `real_ip_recursive off`): the rightmost entry is the answer. */
  readonly recursive: boolean;
  /** > 0: hop counting; the client is the `hops`-th entry from the right, entries on the way are positions only. */
  readonly hops: number;
  /** Stop with `too-many-entries` after this many entries. */
  readonly maxEntries: number;
  /** Reason for a successful header answer (default `rightmost-untrusted`; `single-ip-header` for single). */
  readonly answerReason?: string;
}

/** A compiled walk: `(input, trace) => Resolution`. */
export type Walk = (input: ResolveInput, wantTrace: boolean) => Resolution;

const REFUSAL_BY_STATUS: readonly string[] = [
  R.INVALID_ENTRY,
  R.INVALID_ENTRY,
  R.INVALID_ENTRY,
  R.UNKNOWN_ENTRY,
  R.OBFUSCATED_ENTRY,
  R.INVALID_ENTRY,
  R.INVALID_ENTRY,
  R.INVALID_ENTRY,
  R.INVALID_ENTRY,
  R.HEADER_TOO_LONG,
];

/** The Resolution object, always in this shape (one hidden class for every strategy's answers). */
export function build(
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

/**
 * Compiles a walk over one cursor. The returned function never throws: unexpected input (a
 * non-array `rawHeaders`, a throwing getter) becomes `client: null, reason: 'unexpected-input'`.
 *
 * @example
 * const walk = createWalk(config, new ListHeaderCursor('X-Forwarded-For'));
 * walk({ peer: '10.0.0.2', rawHeaders: ['X-Forwarded-For', '203.0.113.7'] }, false).client // '203.0.113.7'
 */
export function createWalk(cfg: WalkConfig, cursor: EntryCursor): Walk {
  const answerReason = cfg.answerReason ?? R.RIGHTMOST_UNTRUSTED;
  const maxEntries = cfg.maxEntries;
  const hops = cfg.hops;
  const keepLast = cfg.onInvalid === 'keep-last';
  const isTrustedV4 = cfg.isTrustedV4;
  const canonicalText = cfg.canonicalText === true;
  const recursive = cfg.recursive;
  const onInvalid = cfg.onInvalid;
  // One-entry peer cache: behind a proxy nearly every request comes from the same few peers,
  // and the peer's parse, canonical text and trust verdict depend only on its text.
  let cachedRaw: string | undefined;
  let cachedIp: IPAddress | null = null;
  let cachedText: string | null = null;
  let cachedTrusted = false;
  let cachedClient: string | null = null;

  function run(input: ResolveInput, trace: TraceStep[] | null): Resolution {
    const peerRaw = input.peer;
    let peerIp: IPAddress | null;
    let peerText: string | null;
    let peerTrusted: boolean;
    let peerClient: string | null;
    if (peerRaw !== undefined && peerRaw === cachedRaw) {
      peerIp = cachedIp;
      peerText = cachedText;
      peerTrusted = cachedTrusted;
      peerClient = cachedClient;
    } else {
      peerIp = typeof peerRaw === 'string' ? cfg.parsePeer(peerRaw) : null;
      peerText = peerIp === null ? null : cfg.canonical(peerIp);
      peerTrusted = cfg.isTrusted(peerIp, 0);
      peerClient = peerIp === null ? null : cfg.formatClient(peerIp, peerRaw as string);
      if (typeof peerRaw === 'string') {
        cachedRaw = peerRaw;
        cachedIp = peerIp;
        cachedText = peerText;
        cachedTrusted = peerTrusted;
        cachedClient = peerClient;
      }
    }
    const peerPort = typeof input.peerPort === 'number' ? input.peerPort : null;
    if (trace !== null) tracePeer(trace, peerRaw, peerIp, peerTrusted);
    if (!peerTrusted) {
      if (peerClient === null) return build(null, null, R.PEER_NOT_IP, peerText, false, trace);
      return build(peerClient, peerPort, R.UNTRUSTED_PEER, peerText, false, trace);
    }

    const state = cursor.reset(input.rawHeaders);
    if (state === HEADER_MULTIPLE) return build(null, null, R.MULTIPLE_SINGLE_IP_HEADERS, peerText, true, trace);
    if (state === HEADER_TOO_LONG) return build(null, null, R.HEADER_TOO_LONG, peerText, true, trace);
    if (state === HEADER_ABSENT || !cursor.next()) {
      return build(peerClient, peerPort, R.TRUSTED_PEER_NO_HEADER, peerText, true, trace);
    }

    let lastClient = peerClient;
    let lastPort = peerPort;
    let index = 0;
    for (;;) {
      index++;
      if (index > maxEntries) return build(null, null, R.TOO_MANY_ENTRIES, peerText, true, trace);
      if (index < hops) {
        if (trace !== null) step(trace, 'skipped', undefined, 'hop-count');
        if (!cursor.next()) return build(null, null, R.CHAIN_TOO_SHORT, peerText, true, trace);
        continue;
      }
      const status = cursor.parse();
      if (status !== ENTRY_OK) {
        if (trace !== null) step(trace, 'invalid', undefined, ENTRY_WHY[status]);
        if (onInvalid === 'keep-last') {
          return build(lastClient, lastPort, R.INVALID_ENTRY_KEPT_LAST, peerText, true, trace);
        }
        if (onInvalid === 'verbatim') {
          return build(cursor.text(), null, R.INVALID_ENTRY_VERBATIM, peerText, true, trace);
        }
        return build(null, null, REFUSAL_BY_STATUS[status] ?? R.INVALID_ENTRY, peerText, true, trace);
      }
      const port = cursor.port >= 0 ? cursor.port : null;
      if (hops > 0) {
        const ip = cursor.ip as IPAddress;
        if (trace !== null) step(trace, 'client', undefined, 'hop-count');
        return build(cfg.formatClient(ip, cursor.address()), port, R.HOP_COUNT, peerText, true, trace);
      }
      if (!recursive) {
        const ip = cursor.ip as IPAddress;
        if (trace !== null) step(trace, 'client');
        const reason = cfg.answerReason ?? R.RIGHTMOST_ENTRY;
        return build(cfg.formatClient(ip, cursor.address()), port, reason, peerText, true, trace);
      }
      const v4 = cursor.v4;
      const trusted =
        isTrustedV4 !== undefined && v4 !== undefined && v4 >= 0
          ? isTrustedV4(v4, index)
          : cfg.isTrusted(cursor.ip as IPAddress, index);
      if (!trusted) {
        if (trace !== null) step(trace, 'client');
        const client =
          canonicalText && cursor.canonical === true
            ? cursor.address()
            : cfg.formatClient(cursor.ip as IPAddress, cursor.address());
        return build(client, port, answerReason, peerText, true, trace);
      }
      if (trace !== null) step(trace, 'trusted', cfg.trustedRange?.(cursor.ip, index));
      // Only keep-last needs the previous hop's text later; formatting every hop would cost.
      if (keepLast) lastClient = cfg.formatClient(cursor.ip as IPAddress, cursor.address());
      lastPort = port;
      if (!cursor.next()) {
        if (cfg.onAllTrusted === 'leftmost') {
          // The cursor stays on the leftmost entry when next() is false (its parse result too).
          const ip = cursor.ip as IPAddress;
          return build(cfg.formatClient(ip, cursor.address()), lastPort, R.ALL_TRUSTED_LEFTMOST, peerText, true, trace);
        }
        return build(null, null, R.ALL_TRUSTED, peerText, true, trace);
      }
    }
  }

  function tracePeer(trace: TraceStep[], raw: unknown, ip: IPAddress | null, trusted: boolean): void {
    const s: { -readonly [K in keyof TraceStep]: TraceStep[K] } = {
      source: 'peer',
      value: typeof raw === 'string' ? raw : '',
      verdict: trusted ? 'trusted' : ip === null ? 'invalid' : 'untrusted',
    };
    const range = trusted ? cfg.trustedRange?.(ip, 0) : undefined;
    if (range !== undefined) s.range = range;
    if (ip === null) s.why = 'not-an-ip';
    trace.push(s);
  }

  function step(trace: TraceStep[], verdict: Verdict, range?: string, why?: string): void {
    const s: { -readonly [K in keyof TraceStep]: TraceStep[K] } = {
      source: 'header',
      header: cursor.header,
      line: cursor.line(),
      index: cursor.index(),
      value: cursor.text(),
      verdict,
    };
    if (range !== undefined) s.range = range;
    if (why !== undefined && why !== '') s.why = why;
    trace.push(s);
  }

  return function walk(input: ResolveInput, wantTrace: boolean): Resolution {
    const trace: TraceStep[] | null = wantTrace ? [] : null;
    try {
      return run(input, trace);
    } catch {
      return build(null, null, R.UNEXPECTED_INPUT, null, false, trace);
    }
  };
}
