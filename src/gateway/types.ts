/**
 * The gateway's shared types: what the request path (listen/, http1/, runtime.ts) reports and
 * returns, and what gateway.ts and admin/ consume. Types only, so every part can depend on them
 * without depending on each other; engine.ts re-exports them with the functions.
 */
import type net from 'node:net';
import type { GatewayConfig } from './config/types.ts';
import type { PolicyDecision, PolicyEngine } from './policy/types.ts';

/** Why a request was answered by the gateway itself or failed (stable kebab-case words). */
export type GatewayErrorKind =
  | 'bad-request'
  | 'no-route'
  | 'upstream-connect'
  | 'upstream-timeout'
  | 'upstream-reset'
  | 'upstream-protocol'
  | 'client-abort'
  | 'policy-deny';

/** One line of the access log, given to {@link GatewayObserver.requestDone} once per request. */
export interface AccessRecord {
  readonly listener: string;
  /** Route name, or '' when no route matched or the request was rejected before routing. */
  readonly route: string;
  /** `host:port` of the upstream target used, or ''. */
  readonly upstream: string;
  readonly method: string;
  /** Request target without the query string, cut to 256 characters (attacker text: escape when printing). */
  readonly path: string;
  /** Status sent to the client (0 when the connection was lost before any status was sent). */
  readonly status: number;
  /** Request body bytes received from the client. */
  readonly bytesIn: number;
  /** Response body bytes sent to the client. */
  readonly bytesOut: number;
  readonly durationMs: number;
  /** The resolved client (canonical text) or null when the resolver refused. */
  readonly client: string | null;
  readonly clientPort: number | null;
  /** The real peer: the PROXY-protocol source when one was decoded, else the TCP peer. */
  readonly peer: string | null;
  /** The TCP peer when a PROXY header was decoded (the load balancer), else null. */
  readonly directPeer: string | null;
  /** Incoming forwarding-header entries as received (the resolver's header), at most 16, each cut to 64 chars. */
  readonly chain: readonly string[];
  /** The resolver's reason word (`untrusted-peer`, `rightmost-untrusted`, …). */
  readonly reason: string;
  readonly requestId: string;
  /** Name of the policy that decided, or ''. */
  readonly policy: string;
  readonly decision: PolicyDecision | '';
  /** Empty when the request was proxied normally. */
  readonly error: GatewayErrorKind | '';
}

export type ProxyProtocolOutcome = 'accepted' | 'rejected' | 'missing' | 'timeout' | 'invalid' | 'absent-optional';
export type UpstreamErrorKind = 'connect' | 'timeout' | 'reset' | 'protocol';

/** Implemented by OPS (pino access log + prom-client metrics). Every call must be cheap and must not throw. */
export interface GatewayObserver {
  requestDone(record: AccessRecord): void;
  proxyProtocol(listener: string, outcome: ProxyProtocolOutcome): void;
  /** A forwarding header (`x-forwarded-for`, `x-real-ip`, …; lower-case) arrived from an untrusted peer. */
  spoofAttempt(listener: string, header: string): void;
  /** The `strict` resolver refused to name a client (reason word). */
  strictRefusal(listener: string, reason: string): void;
  upstreamError(route: string, kind: UpstreamErrorKind): void;
  /** A request rejected as malformed or unsafe, by stable kind (`cl-te`, `obs-fold`, `header-too-large`, …). */
  badRequest(listener: string, kind: string): void;
}

/** A compiled, immutable configuration generation. */
export interface GatewayRuntime {
  readonly config: GatewayConfig;
  /** Increases with every compileRuntime call in this process. */
  readonly generation: number;
  /** Setup-time warnings (e.g. a trust profile that trusts every address). */
  readonly warnings: readonly string[];
  /** Closes idle upstream connections now; busy ones close when their exchange ends. Call after a reload. */
  close(): void;
}

export interface ListenerHandle {
  /**
   * Not yet listening: the caller calls `listen()` (host/port from the ListenerConfig, or its own). The server
   * already has an 'error' listener that ignores runtime accept errors (EMFILE, …) so they never crash the
   * process; attach your own `once('error')` around `listen()` to see bind failures.
   */
  readonly server: net.Server;
  /** Requests currently being processed (head received, response not yet finished). */
  inFlight(): number;
  /** Open client connections. */
  connections(): number;
  /** Stop keep-alive reuse: in-flight requests finish (with `Connection: close`), idle connections close now. */
  drain(): void;
  /** Close connections that have no request in flight. */
  closeIdle(): void;
  /** Destroy every connection now (drain deadline passed). */
  destroyAll(): void;
}

export interface RuntimeDeps {
  readonly policies?: PolicyEngine;
}
