/**
 * The resolver's public contract: what every strategy takes and returns.
 * The gateway, whoami, the middleware and the CLI all depend on exactly these shapes.
 */

/**
 * - `strict`   peer-gated, rightmost-untrusted; refuses (client: null) wherever an answer could be client-chosen.
 * - `nginx`    exactly ngx_http_realip_module of nginx 1.22 (set_real_ip_from / real_ip_header / real_ip_recursive).
 * - `express`  exactly Express 5 `req.ip` (proxy-addr) for every `trust proxy` value.
 * - `hops`     the client is the n-th address from the right, peer-gated (realclientip-go RightmostTrustedCount).
 * - `single`   one single-IP header (X-Real-IP, CF-Connecting-IP, …), peer-gated.
 * - `forwarded` RFC 7239 `Forwarded`, rightmost-untrusted like strict.
 */
export type Semantics = 'strict' | 'nginx' | 'express' | 'hops' | 'single' | 'forwarded';

export interface ResolverOptions {
  /** Default `strict`. */
  readonly semantics?: Semantics;
  /** Trusted proxies: IPs, CIDRs and named ranges (`loopback`, `private`, …). */
  readonly trusted?: readonly string[];
  /** Express `trust proxy = true`: trust every hop. Always flagged as spoofable. */
  readonly trustAll?: boolean;
  /** Trusted hop count (express numeric `trust proxy`, and the `hops` strategy). */
  readonly hops?: number;
  /** Header to read. Default `X-Forwarded-For` (`Forwarded` for `forwarded`; required for `single`). */
  readonly header?: string;
  /** nginx `real_ip_recursive` (default off, as in nginx). */
  readonly recursive?: boolean;
}

/** Raw request data: the TCP peer and the header lines exactly as received. */
export interface ResolveInput {
  /**
   * The direct peer as Node reports it (`socket.remoteAddress`, e.g. `::ffff:127.0.0.1`), or the
   * PROXY-protocol source when the listener decoded one. `undefined` for a Unix socket.
   */
  readonly peer: string | undefined;
  /** Node's `rawHeaders` layout: `[name, value, name, value, …]`, names as sent, values untouched, wire order. */
  readonly rawHeaders: readonly string[];
  /** The peer's source port, when known; some strategies return it when the client is the peer. */
  readonly peerPort?: number;
}

export type Verdict = 'trusted' | 'untrusted' | 'invalid' | 'client' | 'skipped';

/** One step of the trust walk, for `--explain`, whoami and access logs. */
export interface TraceStep {
  /** Where the value came from: the TCP peer, or header `name` line `line` (0-based) entry `index`. */
  readonly source: 'peer' | 'header';
  readonly header?: string;
  readonly line?: number;
  readonly index?: number;
  /** The text as received (escaped when printed; it is attacker input). */
  readonly value: string;
  readonly verdict: Verdict;
  /** The trusted range that matched (`10.0.0.0/8`, `loopback`), for `trusted`. */
  readonly range?: string;
  /** Why: `not-an-ip`, `port-out-of-range`, `hop-count`, … */
  readonly why?: string;
}

export interface Resolution {
  /**
   * The client as the chosen dialect's system would print it: nginx `$remote_addr`, Express `req.ip`
   * (which may be a non-IP string), canonical RFC 5952 text for strict. `null` when the strategy refuses.
   */
  readonly client: string | null;
  /** The client's port when the header carried one (nginx sets `$remote_port`), else null. */
  readonly port: number | null;
  /** Stable kebab-case word (docs/errors.md): `untrusted-peer`, `rightmost-untrusted`, `all-trusted`, … */
  readonly reason: string;
  /** The direct peer, canonical text (`::ffff:` unmapped), or null for a non-IP peer. */
  readonly peer: string | null;
  /** Whether the direct peer is trusted, i.e. whether its forwarding headers count as evidence. */
  readonly peerTrusted: boolean;
  /** Present when asked for (`resolve(input, { trace: true })`). */
  readonly trace?: readonly TraceStep[];
}

export interface ResolveOptions {
  readonly trace?: boolean;
}

/** Compiled once at setup (ranges become prefix sets); `resolve` only looks up. */
export interface Resolver {
  readonly semantics: Semantics;
  /** True when the configuration trusts every address (0.0.0.0/0, ::/0, trustAll): spoofable by design. */
  readonly trustsEverything: boolean;
  /** The header this resolver reads (canonical case as configured). */
  readonly header: string;
  resolve(input: ResolveInput, options?: ResolveOptions): Resolution;
}
