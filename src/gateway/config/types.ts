/**
 * The gateway's runtime configuration: what the YAML (and the imported ingress-nginx / Kong
 * vocabularies) normalise to, and what the listeners, router and upstream pools consume.
 * Contract between gateway/config (owner) and gateway/listen, http1, upstream, policy, admin.
 * Every duration is in milliseconds, every size in bytes.
 */
import type { ProxyProtocolMode } from '../../core/proxy-protocol/types.ts';
import type { Semantics } from '../../core/trust/types.ts';

export interface TrustProfileConfig {
  readonly name: string;
  /** Default `strict`. `nginx` reproduces ingress-nginx/Kong behaviour (for migrations; flagged when it trusts everything). */
  readonly semantics: Semantics;
  /** IPs, CIDRs, named ranges, CDN preset names (`cloudflare`) expanded by the loader. */
  readonly trusted: readonly string[];
  /** Header the client is read from (`X-Forwarded-For`, `CF-Connecting-IP`, `Forwarded`, …). */
  readonly header: string;
  /**
   * nginx `real_ip_recursive`: set only for `semantics: nginx` (the loader fills in nginx's default, off);
   * absent for every other semantics, whose resolvers reject the option.
   */
  readonly recursive?: boolean;
  readonly hops?: number;
  /** CDN preset the profile was built from (`cloudflare`, `cloudfront`, `fastly`, `akamai`; issue 8). */
  readonly preset?: string;
  /** The operator configured the CDN to overwrite its client-settable header (silences the warning). */
  readonly headerOverwritten?: boolean;
}

export interface ProxyProtocolListenerConfig {
  readonly mode: ProxyProtocolMode;
  /** Sources allowed to send a header (required: others are rejected; optional: header honoured only from these). */
  readonly trusted: readonly string[];
  readonly timeoutMs: number;
}

export interface ListenerConfig {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly proxyProtocol: ProxyProtocolListenerConfig;
  /** Name of a trust profile. */
  readonly trust: string;
  /** Listener-level access lists (issue 8), evaluated before routing. */
  readonly access?: AccessListConfig;
}

export interface ForwardingConfig {
  /** `append`: incoming chain (only from a trusted peer) + the real peer; `replace`: the real peer only; `off`: remove. */
  readonly xForwardedFor: 'append' | 'replace' | 'off';
  readonly xRealIp: boolean;
  /** RFC 7239 `Forwarded` (for=client;proto;host, appended to a trusted incoming one). */
  readonly forwarded: boolean;
  /** X-Forwarded-Proto/Host/Port: passed on from trusted peers, computed otherwise. */
  readonly xForwardedProtoHostPort: boolean;
  /** Client-settable single-IP headers removed unless the peer is trusted. */
  readonly stripUntrusted: readonly string[];
  /** Pass X-Request-Id on (from trusted peers) or generate one. */
  readonly requestId: boolean;
  /** PROXY protocol header sent to the upstream on each new connection. */
  readonly proxyProtocol: 'off' | 'v1' | 'v2';
}

export interface UpstreamConfig {
  readonly name: string;
  /** `host:port` or `[v6]:port`; round-robin. */
  readonly targets: readonly string[];
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  /** Idle keep-alive connections kept per target. */
  readonly keepAlive: number;
}

export interface RouteConfig {
  readonly name: string;
  /** Exact host or `*.example.com`; absent = any host. Compared case-insensitively without port. */
  readonly host?: string;
  readonly pathPrefix: string;
  readonly upstream: string;
  readonly forwarding: ForwardingConfig;
  readonly access?: AccessListConfig;
  readonly rateLimit?: RateLimitConfig;
}

/** Issue 8: allow/deny lists. */
export interface AccessListConfig {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
  /** Evaluate on the direct peer instead of the resolved client ("only the CDN may connect"). */
  readonly peerAllow?: readonly string[];
  readonly dryRun?: boolean;
  /** Files of ranges (one per line, `#` comments), read when the config is (re)loaded. */
  readonly allowFiles?: readonly string[];
  readonly denyFiles?: readonly string[];
  readonly peerAllowFiles?: readonly string[];
}

/** Issue 8: rate limits. */
export interface RateLimitConfig {
  readonly name: string;
  readonly requests: number;
  readonly periodMs: number;
  readonly burst: number;
  readonly ipv6Prefix: number;
  readonly store: 'memory' | 'redis';
  readonly dryRun?: boolean;
  /** Header whose value is added to the client key (e.g. an API key). */
  readonly keyHeader?: string;
}

export interface HttpLimitsConfig {
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  readonly maxBodyBytes: number;
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface AdminConfig {
  readonly host: string;
  readonly port: number;
}

export interface RedisConfig {
  readonly url: string;
  readonly timeoutMs: number;
  readonly failMode: 'open' | 'closed';
  readonly maxMemoryKeys: number;
  /** Sentinel mode: sentinels and master group name (`url` supplies credentials/TLS). */
  readonly sentinels?: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly sentinelName?: string;
  /** Cluster mode: seed nodes `host:port` (`url` supplies credentials/TLS). */
  readonly cluster?: readonly string[];
}

export interface GatewayConfig {
  readonly listeners: readonly ListenerConfig[];
  readonly trustProfiles: readonly TrustProfileConfig[];
  readonly routes: readonly RouteConfig[];
  readonly upstreams: readonly UpstreamConfig[];
  readonly admin?: AdminConfig;
  readonly limits: HttpLimitsConfig;
  readonly log: { readonly level: string; readonly access: boolean };
  readonly drainTimeoutMs: number;
  /**
   * After SIGTERM, keep accepting for this long while `/readyz` already fails, so load balancers and
   * Kubernetes endpoints stop sending before the listeners close (default 0). Then the drain starts.
   */
  readonly shutdownDelayMs?: number;
  readonly redis?: RedisConfig;
}
