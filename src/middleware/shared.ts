/**
 * The one core every framework adapter (and whoami) shares: trust compiled once at setup,
 * then per request a ResolveInput built from the socket, the raw header lines and, when the
 * listener decoded one, the PROXY protocol header.
 */
import type { Socket } from 'node:net';
import { getProxyInfo } from '../core/proxy-protocol/listener.ts';
import type { ProxyHeader } from '../core/proxy-protocol/types.ts';
import { createResolver } from '../core/trust/resolver.ts';
import type { Resolution, ResolveInput, Resolver, ResolverOptions, TraceStep } from '../core/trust/types.ts';

/** Resolver options plus how the adapters treat the trace. */
export interface SourceIpOptions extends ResolverOptions {
  /**
   * `true`: compute the trace for every request (`resolution.trace` is a plain property).
   * Default `false`: the trace is computed on demand, the first time `resolution.trace` is read
   * (a second, tracing walk over the same input; requests that never read it pay nothing).
   */
  readonly trace?: boolean;
}

/** What the core needs from a request: Node's `IncomingMessage` has it, so do the frameworks' raw requests. */
export interface RequestLike {
  readonly socket: Pick<Socket, 'remoteAddress' | 'remotePort'> | null | undefined;
  readonly rawHeaders: readonly string[];
}

/** A compiled middleware core. */
export interface SourceIpCore {
  readonly resolver: Resolver;
  /** Resolves one request. Never throws for any request content. */
  resolve(req: RequestLike): Resolution;
}

/**
 * Compiles the trust configuration once (throws `SourceIpError` here, at setup, for bad options).
 *
 * @example
 * const core = createSourceIp({ trusted: ['10.0.0.0/8'], semantics: 'strict' });
 * http.createServer((req, res) => res.end(String(core.resolve(req).client)));
 */
export function createSourceIp(options: SourceIpOptions = {}): SourceIpCore {
  const { trace: eager = false, ...resolverOptions } = options;
  const resolver = createResolver(resolverOptions);
  const traceOptions = { trace: true } as const;
  return {
    resolver,
    resolve(req: RequestLike): Resolution {
      const input = requestInput(req);
      if (eager) return resolver.resolve(input, traceOptions);
      return new LazyTraceResolution(resolver, input, resolver.resolve(input));
    },
  };
}

/**
 * The resolver's input for a request: when the connection came through a PROXY listener
 * (`acceptProxyProtocol`), the peer the listener derived from the header (the header's source for
 * PROXY over TCP/UDP; the real connection for LOCAL/UNSPEC/UNKNOWN; none for UNIX) — the load
 * balancer stays the socket's peer; else the socket peer.
 */
export function requestInput(req: RequestLike): ResolveInput {
  const socket = req.socket ?? undefined;
  const info = getProxyInfo(socket as Socket | undefined);
  if (info !== undefined) {
    return info.peerPort === undefined
      ? { peer: info.peer, rawHeaders: req.rawHeaders }
      : { peer: info.peer, peerPort: info.peerPort, rawHeaders: req.rawHeaders };
  }
  const peerPort = socket?.remotePort;
  return peerPort === undefined
    ? { peer: socket?.remoteAddress, rawHeaders: req.rawHeaders }
    : { peer: socket?.remoteAddress, peerPort, rawHeaders: req.rawHeaders };
}

/** The PROXY header the listener decoded for this connection, if any. */
export function proxyHeaderOf(socket: object | null | undefined): ProxyHeader | undefined {
  return getProxyInfo(socket as Socket | undefined)?.header ?? undefined;
}

/**
 * A Resolution whose `trace` is computed the first time it is read. The other fields are plain
 * properties; `toJSON` includes the trace only once computed, so logging a result never walks twice.
 */
class LazyTraceResolution implements Resolution {
  readonly client: string | null;
  readonly port: number | null;
  readonly reason: string;
  readonly peer: string | null;
  readonly peerTrusted: boolean;
  #resolver: Resolver | undefined;
  #input: ResolveInput | undefined;
  #trace: readonly TraceStep[] | undefined;

  constructor(resolver: Resolver, input: ResolveInput, result: Resolution) {
    this.client = result.client;
    this.port = result.port;
    this.reason = result.reason;
    this.peer = result.peer;
    this.peerTrusted = result.peerTrusted;
    this.#resolver = resolver;
    this.#input = input;
  }

  get trace(): readonly TraceStep[] | undefined {
    if (this.#resolver !== undefined && this.#input !== undefined) {
      this.#trace = this.#resolver.resolve(this.#input, { trace: true }).trace;
      this.#resolver = undefined;
      this.#input = undefined;
    }
    return this.#trace;
  }

  toJSON(): Resolution {
    const plain = {
      client: this.client,
      port: this.port,
      reason: this.reason,
      peer: this.peer,
      peerTrusted: this.peerTrusted,
    };
    return this.#trace === undefined ? plain : { ...plain, trace: this.#trace };
  }
}
