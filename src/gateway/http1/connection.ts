/**
 * One client connection of the lean HTTP/1.1 engine: a state machine over a raw (or TLS) socket that parses
 * one request at a time, forwards it to a pooled upstream connection while streaming the body, parses the
 * response just enough to frame it, and pipes it back. Pipelined requests wait in the input buffer (the
 * socket is paused) until the previous response has been sent, so responses are always in order and an
 * upstream connection only ever carries one request at a time.
 *
 * The runtime is captured at accept time and kept for the connection's life (reload semantics).
 */

import type net from 'node:net';
import { formatIP, parseIP, unmapIPv4 } from '../../core/ip/address.ts';
import type { IPAddress } from '../../core/ip/types.ts';
import { encodeProxyHeader } from '../../core/proxy-protocol/encode.ts';
import type { Resolution } from '../../core/trust/types.ts';
import type { PolicyChain, PolicyDecision, PolicyOutcome, PolicyRequest } from '../policy/types.ts';
import { hostWithoutPort } from '../router.ts';
import type { CompiledRuntime, ListenerRuntime, RouteRuntime } from '../runtime.ts';
import type { AccessRecord, GatewayErrorKind, GatewayObserver, UpstreamErrorKind } from '../types.ts';
import { buildUpstreamHead, isForwardingKind } from '../upstream/forwarding.ts';
import type { UpstreamConn, UpstreamOwner } from '../upstream/pool.ts';
import { latin1 } from './bytes.ts';
import { ChunkedDecoder } from './chunked.ts';
import {
  H_CONNECTION,
  H_CONTENT_LENGTH,
  H_KEEP_ALIVE,
  H_OTHER,
  H_PROXY_CONNECTION,
  H_TE,
  H_TRAILER,
  H_TRANSFER_ENCODING,
  H_UNDERSCORE,
  H_UPGRADE,
  H_X_REQUEST_ID,
  hashName,
} from './header-names.ts';
import { buildLocal, localResponse } from './local-response.ts';
import { FAILED, NEED_MORE, RequestHead } from './request-head.ts';
import { BODY_CHUNKED, BODY_CLOSE, BODY_LENGTH, BODY_NONE, ResponseHead } from './response-head.ts';

// Client-side states.
const S_HEAD = 0;
const S_PENDING = 1; // policies / upstream connect in progress
const S_BODY = 2; // streaming the request body upstream
const S_SENT = 3; // request fully sent, waiting for the response to finish
const S_TUNNEL = 4;
const S_CLOSING = 5;
const S_CLOSED = 6;

// Response-side states.
const R_IDLE = 0;
const R_HEAD = 1;
const R_BODY = 2;
const R_DONE = 3;

// Client deadline kinds.
const D_NONE = 0;
const D_HEADER = 1;
const D_IDLE = 2;
const D_REQUEST = 3;
const D_CLOSE = 4;
/** The client stopped reading the response (send_timeout in nginx terms). */
const D_SEND = 5;

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const CLOSE_GRACE_MS = 2000;
const MAX_CHAIN = 16;
const MAX_CHAIN_ENTRY = 64;
const MAX_PATH_LOG = 256;
/** Responses up to this size that arrived whole are written with their head in one buffer. */
const SMALL_BODY = 16384;

/** Shared by the connections of one listener. */
export interface ListenerState {
  readonly name: string;
  readonly observer: GatewayObserver;
  readonly connections: Set<ClientConnection>;
  inFlight: number;
  draining: boolean;
}

/** What the listener learnt before HTTP began. */
export interface ConnectionOrigin {
  /** TCP peer as Node reports it. */
  readonly tcpPeer: string | undefined;
  readonly tcpPeerPort: number | undefined;
  /** PROXY-protocol source when one was decoded (PROXY command with addresses). */
  readonly proxySource?: string;
  readonly proxySourcePort?: number;
  readonly localAddress: string | undefined;
  readonly localPort: number;
}

// One sweep timer for every connection of the process: deadlines are checked every TICK_MS.
const TICK_MS = 100;
const live = new Set<ClientConnection>();
let ticker: NodeJS.Timeout | null = null;
function track(conn: ClientConnection): void {
  live.add(conn);
  if (ticker === null) {
    ticker = setInterval(() => {
      const now = performance.now();
      for (const c of live) c.tick(now);
    }, TICK_MS);
    ticker.unref();
  }
}
function untrack(conn: ClientConnection): void {
  live.delete(conn);
  if (live.size === 0 && ticker !== null) {
    clearInterval(ticker);
    ticker = null;
  }
}

export class ClientConnection implements UpstreamOwner {
  readonly socket: net.Socket;
  readonly #rt: CompiledRuntime;
  readonly #lr: ListenerRuntime;
  readonly #ls: ListenerState;
  readonly #origin: ConnectionOrigin;
  /** Peer given to the resolver: the PROXY source, else the TCP peer. */
  readonly #peer: string | undefined;
  readonly #peerPort: number | undefined;

  #state = S_HEAD;
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  readonly #head: RequestHead;
  #headActive = false;
  #processing = false;
  #clientEnded = false;

  #deadline = 0;
  #deadlineKind = D_NONE;
  #upDeadline = 0;

  // --- current exchange ---
  #active = false;
  #startMs = 0;
  #route: RouteRuntime | null = null;
  #up: UpstreamConn | null = null;
  #outHead: string | null = null;
  #retried = false;
  #sentProxyHeader = false;
  #reqLeft = 0;
  #reqDec: ChunkedDecoder | null = null;
  #bodyCheck: ChunkedDecoder | null = null;
  #keepAlive = true;
  #responseStarted = false;
  #respState = R_IDLE;
  readonly #resp: ResponseHead;
  #upBuf: Buffer | null = null;
  #upPos = 0;
  #respLeft = 0;
  #respDec: ChunkedDecoder | null = null;
  #decodeChunked = false;
  #policyHeaders: Array<readonly [string, string]> | null = null;
  // --- access record fields ---
  #method = '';
  #path = '';
  #status = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  #resolution: Resolution | null = null;
  #chain: readonly string[] = [];
  #requestId = '';
  #policy = '';
  #decision: PolicyDecision | '' = '';
  #error: GatewayErrorKind | '' = '';

  constructor(
    socket: net.Socket,
    runtime: CompiledRuntime,
    listenerRuntime: ListenerRuntime,
    state: ListenerState,
    origin: ConnectionOrigin,
    initial: Buffer | null,
  ) {
    this.socket = socket;
    this.#rt = runtime;
    this.#lr = listenerRuntime;
    this.#ls = state;
    this.#origin = origin;
    this.#peer = origin.proxySource ?? origin.tcpPeer;
    this.#peerPort = origin.proxySource !== undefined ? origin.proxySourcePort : origin.tcpPeerPort;
    const limits = runtime.limits;
    this.#head = new RequestHead(runtime.names, limits);
    this.#resp = new ResponseHead(runtime.names, Math.max(limits.maxHeaderBytes, 65536), 256);
    state.connections.add(this);
    track(this);
    this.#setDeadline(D_HEADER, limits.headerTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('drain', () => this.#onClientDrain());
    socket.on('error', () => {});
    socket.on('close', () => this.#onClose());
    // The PROXY-header reader pauses the socket when it hands over; a 'data' listener does not
    // undo an explicit pause, so resume here. Resuming first is safe: flowing starts on a later
    // tick, after #onData(initial) below has had the chance to pause again for backpressure.
    socket.resume();
    if (initial !== null && initial.length > 0) this.#onData(initial);
  }

  /** A request is being processed (head received, response not finished). */
  get busy(): boolean {
    return this.#active;
  }

  // ------------------------------------------------------------------ lifecycle hooks (listener)

  /** Draining: finish the current exchange with `Connection: close`; close now when idle. */
  drain(): void {
    this.#keepAlive = false;
    if (!this.#active && !this.#headActive && this.#state === S_HEAD) this.#endClient();
  }

  closeIdle(): void {
    if (!this.#active && this.#state === S_HEAD && !this.#headActive) this.#endClient();
  }

  destroy(): void {
    this.socket.destroy();
  }

  tick(now: number): void {
    if (this.#deadline !== 0 && now >= this.#deadline) {
      const kind = this.#deadlineKind;
      this.#deadline = 0;
      this.#deadlineKind = D_NONE;
      if (kind === D_HEADER) {
        if (this.#headActive) this.#reject(408, 'header-timeout');
        else this.socket.destroy();
      } else if (kind === D_REQUEST) {
        this.#ls.observer.badRequest(this.#ls.name, 'request-timeout');
        this.#destroyUpstream();
        if (this.#responseStarted) this.socket.destroy();
        else this.#respondLocal(408, 'bad-request', true);
      } else {
        this.socket.destroy();
      }
    }
    if (this.#upDeadline !== 0 && now >= this.#upDeadline) {
      this.#upDeadline = 0;
      if (this.#respState === R_HEAD || this.#state === S_PENDING) this.#upstreamFailed('timeout');
      else if (this.#respState === R_BODY && this.#state !== S_TUNNEL) {
        // The upstream stalled mid-body. While the client is not reading, the stall is the client's.
        if (this.#deadlineKind === D_SEND) return;
        if (this.#route !== null) this.#ls.observer.upstreamError(this.#route.name, 'timeout');
        this.#abortMidResponse('upstream-timeout');
      }
    }
  }

  #setDeadline(kind: number, ms: number): void {
    this.#deadlineKind = kind;
    this.#deadline = ms > 0 ? performance.now() + ms : 0;
  }

  // ------------------------------------------------------------------ client input

  #onData(chunk: Buffer): void {
    const state = this.#state;
    if (state === S_TUNNEL) {
      const up = this.#up;
      if (up !== null && !up.socket.write(chunk)) this.socket.pause();
      return;
    }
    if (state >= S_CLOSING) return;
    if (this.#pos >= this.#buf.length) {
      this.#buf = chunk;
      this.#pos = 0;
    } else {
      const rest = this.#buf.length - this.#pos;
      const merged = Buffer.allocUnsafe(rest + chunk.length);
      this.#buf.copy(merged, 0, this.#pos);
      chunk.copy(merged, rest);
      if (this.#headActive) this.#head.shift(-this.#pos);
      this.#buf = merged;
      this.#pos = 0;
    }
    this.#process();
  }

  #process(): void {
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (;;) {
        const state = this.#state;
        if (state === S_HEAD) {
          if (this.#pos >= this.#buf.length) {
            if (this.#clientEnded) this.#endClient();
            return;
          }
          if (!this.#headActive) {
            this.#head.reset(this.#pos);
            this.#headActive = true;
            this.#startMs = performance.now();
            if (this.#deadlineKind !== D_HEADER) this.#setDeadline(D_HEADER, this.#rt.limits.headerTimeoutMs);
          }
          const r = this.#head.parse(this.#buf, this.#buf.length);
          if (r === NEED_MORE) {
            if (this.#clientEnded) this.#endClient(); // the rest of this head will never come
            return;
          }
          if (r === FAILED) {
            this.#reject(this.#head.status, this.#head.error);
            return;
          }
          this.#headActive = false;
          this.#pos = this.#head.headEnd;
          this.#onHead();
        } else if (state === S_BODY) {
          if (this.#pos >= this.#buf.length) return;
          this.#forwardBody();
        } else {
          if ((state === S_PENDING || state === S_SENT) && this.#pos < this.#buf.length) this.socket.pause();
          return;
        }
      }
    } finally {
      this.#processing = false;
    }
  }

  #onEnd(): void {
    this.#clientEnded = true;
    if (this.#state === S_TUNNEL) {
      this.#up?.socket.end();
      return;
    }
    // Requests already received (e.g. `printf '…' | nc`) are still answered; then the connection closes.
    if (!this.#active && (this.#state !== S_HEAD || this.#pos >= this.#buf.length)) this.#endClient();
    else if (!this.#active) this.#process();
  }

  #onClientDrain(): void {
    if (this.#deadlineKind === D_SEND) {
      this.#deadline = 0;
      this.#deadlineKind = D_NONE;
    }
    const up = this.#up;
    if (up !== null) {
      // The upstream was paused by us: its read deadline starts again now.
      if (this.#respState === R_BODY && this.#route !== null) {
        this.#upDeadline = performance.now() + this.#route.pool.responseTimeoutMs;
      }
      up.socket.resume();
    }
  }

  #onClose(): void {
    const wasActive = this.#active;
    this.#state = S_CLOSED;
    this.#destroyUpstream();
    if (wasActive) {
      if (this.#error === '') this.#error = 'client-abort';
      this.#finishRecord();
    }
    this.#ls.connections.delete(this);
    untrack(this);
  }

  // ------------------------------------------------------------------ request

  #onHead(): void {
    const head = this.#head;
    const rt = this.#rt;
    const ls = this.#ls;
    this.#active = true;
    ls.inFlight++;
    this.#resetExchange();
    this.#method = head.method;
    const target = head.target;
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    this.#path = path.length > MAX_PATH_LOG ? path.slice(0, MAX_PATH_LOG) : path;
    if (head.chunked || head.contentLength > 0) this.#setDeadline(D_REQUEST, rt.limits.requestTimeoutMs);
    else {
      this.#deadline = 0;
      this.#deadlineKind = D_NONE;
    }
    if (head.wantsClose || ls.draining) this.#keepAlive = false;
    if (!isSafePath(path)) {
      ls.observer.badRequest(ls.name, 'dot-segment');
      this.#respondLocal(400, 'bad-request', true);
      return;
    }

    // Resolve the client from the listener's trust profile.
    const buf = this.#buf;
    const lr = this.#lr;
    const kinds = head.kinds;
    const offs = head.offs;
    const headerKind = lr.resolverHeaderKind;
    let raw: string[] | null = null;
    for (let h = 0; h < head.headerCount; h++) {
      if (kinds[h] !== headerKind) continue;
      raw ??= [];
      raw.push(head.name(buf, h), head.value(buf, h));
    }
    const resolution = lr.resolver.resolve({ peer: this.#peer, peerPort: this.#peerPort, rawHeaders: raw ?? [] });
    this.#resolution = resolution;
    if (raw !== null) this.#chain = chainOf(raw);
    if (resolution.client === null) ls.observer.strictRefusal(ls.name, resolution.reason);

    const route = rt.router.match(hostWithoutPort(head.host), path);
    if (!resolution.peerTrusted) {
      for (let h = 0; h < head.headerCount; h++) {
        const kind = kinds[h]!;
        if (kind !== H_OTHER && isForwardingKind(kind, route ?? FALLBACK_ROUTE_KINDS)) {
          ls.observer.spoofAttempt(ls.name, rt.names.nameOf(kind));
        }
      }
    }
    // X-Request-Id: passed on from a trusted peer when well-formed, generated otherwise.
    let requestId = '';
    if (resolution.peerTrusted) {
      for (let h = 0; h < head.headerCount; h++) {
        if (kinds[h] === H_X_REQUEST_ID && isRequestId(buf, offs[h * 4 + 2]!, offs[h * 4 + 3]!)) {
          requestId = head.value(buf, h);
          break;
        }
      }
    }
    this.#requestId = requestId === '' ? nextRequestId() : requestId;

    if (route === null) {
      this.#respondLocal(404, 'no-route', this.#hasUnreadBody());
      return;
    }
    this.#route = route;
    const target0 = route.pool.targets[0]!;
    this.#outHead = buildUpstreamHead({
      buf,
      head,
      route,
      peerTrusted: resolution.peerTrusted,
      realPeer: resolution.peer,
      client: resolution.client,
      isTls: lr.isTls,
      localPort: this.#origin.localPort,
      requestId: this.#requestId,
      upstreamAuthority: target0.text,
    });
    if (head.chunked) {
      const dec = this.#reqDec ?? new ChunkedDecoder(rt.limits.maxBodyBytes, rt.limits.maxHeaderBytes);
      dec.reset();
      this.#reqDec = dec;
      this.#reqLeft = -1;
      // Body bytes that arrived with the head are validated before the upstream sees anything, so a
      // malformed chunked body sent in one piece never reaches it. (Later bytes stream; an error there
      // aborts the upstream connection mid-request.)
      if (this.#pos < buf.length) {
        this.#bodyCheck ??= new ChunkedDecoder(rt.limits.maxBodyBytes, rt.limits.maxHeaderBytes);
        const check = this.#bodyCheck;
        check.reset();
        if (check.feed(buf, this.#pos, buf.length, noopSink) < 0) {
          ls.observer.badRequest(ls.name, check.error);
          this.#respondLocal(check.status, 'bad-request', true);
          return;
        }
      }
    } else {
      this.#reqLeft = Math.max(head.contentLength, 0);
    }
    const chains = lr.policy !== null || route.policy !== null;
    if (chains) this.#runPolicies(route, path, 0);
    else this.#connectUpstream();
  }

  #resetExchange(): void {
    this.#route = null;
    this.#outHead = null;
    this.#retried = false;
    this.#responseStarted = false;
    this.#respState = R_IDLE;
    this.#upBuf = null;
    this.#upPos = 0;
    this.#decodeChunked = false;
    this.#policyHeaders = null;
    this.#status = 0;
    this.#bytesIn = 0;
    this.#bytesOut = 0;
    this.#resolution = null;
    this.#chain = EMPTY_CHAIN;
    this.#requestId = '';
    this.#policy = '';
    this.#decision = '';
    this.#error = '';
  }

  #hasUnreadBody(): boolean {
    const head = this.#head;
    if (this.#state === S_SENT) return false;
    return head.chunked || head.contentLength > 0;
  }

  // ------------------------------------------------------------------ policies (issue 8)

  #runPolicies(route: RouteRuntime, path: string, index: number): void {
    const chain: PolicyChain | null = index === 0 ? this.#lr.policy : index === 1 ? route.policy : null;
    if (index > 1) {
      this.#connectUpstream();
      return;
    }
    if (chain === null) {
      this.#runPolicies(route, path, index + 1);
      return;
    }
    this.#state = S_PENDING;
    const request = this.#policyRequest(route, path);
    let result: PolicyOutcome | Promise<PolicyOutcome>;
    try {
      result = chain.check(request);
    } catch {
      this.#respondLocal(500, 'policy-deny', true);
      return;
    }
    if (result instanceof Promise) {
      // Only an asynchronous answer (Redis) leaves time for more client bytes: hold them until it
      // comes. Header values the policy may still ask for are copied now (the buffer may move).
      this.socket.pause();
      request.freeze();
      result.then(
        (outcome) => {
          if (this.#state !== S_CLOSED) this.#afterPolicy(outcome, route, path, index);
        },
        () => {
          if (this.#state !== S_CLOSED) this.#respondLocal(500, 'policy-deny', true);
        },
      );
    } else this.#afterPolicy(result, route, path, index);
  }

  #afterPolicy(outcome: PolicyOutcome, route: RouteRuntime, path: string, index: number): void {
    if (outcome.headers.length > 0) {
      this.#policyHeaders ??= [];
      for (const h of outcome.headers) this.#policyHeaders.push(h);
    }
    if (outcome.decision !== 'allow' || this.#policy === '') {
      this.#policy = outcome.policy;
      this.#decision = outcome.decision;
    }
    if (!outcome.allowed) {
      const close = this.#hasUnreadBody() || !this.#keepAlive;
      this.#error = 'policy-deny';
      this.#sendLocal(outcome.status, close, this.#policyHeaders);
      return;
    }
    this.#runPolicies(route, path, index + 1);
    this.#process();
  }

  #policyRequest(route: RouteRuntime, path: string): LazyPolicyRequest {
    return new LazyPolicyRequest(this.#ls.name, route.name, this.#resolution!, this.#head, this.#buf, path);
  }

  // ------------------------------------------------------------------ upstream

  #connectUpstream(): void {
    const route = this.#route!;
    const poolable = route.forwarding.proxyProtocol === 'off' && !this.#head.isUpgrade;
    const up = route.pool.acquire(this, poolable);
    this.#up = up;
    this.#sentProxyHeader = false;
    if (up.connected) this.#sendHead();
    else {
      this.#state = S_PENDING;
      this.#upDeadline = performance.now() + route.pool.connectTimeoutMs + route.pool.responseTimeoutMs;
      this.socket.pause();
    }
  }

  onUpstreamConnect(conn: UpstreamConn): void {
    if (conn !== this.#up) return;
    this.#sendHead();
    this.#process();
  }

  #sendHead(): void {
    const up = this.#up!;
    const route = this.#route!;
    if (route.forwarding.proxyProtocol !== 'off' && !up.reused && !this.#sentProxyHeader) {
      up.socket.write(this.#proxyHeader(route.forwarding.proxyProtocol === 'v2' ? 2 : 1));
      this.#sentProxyHeader = true;
    }
    up.socket.write(this.#outHead!, 'latin1');
    this.#respState = R_HEAD;
    this.#upDeadline = performance.now() + route.pool.responseTimeoutMs;
    this.#state = this.#reqLeft !== 0 ? S_BODY : S_SENT;
    if (this.#state === S_SENT) this.#requestComplete();
    this.socket.resume();
  }

  #proxyHeader(version: 1 | 2): Uint8Array {
    const o = this.#origin;
    const src = this.#resolution?.peer ?? null;
    const dst = o.localAddress === undefined ? null : parseAddress(o.localAddress);
    try {
      if (src !== null && dst !== null) {
        return encodeProxyHeader({
          version,
          source: src,
          sourcePort: this.#peerPort ?? 0,
          destination: formatIP(dst),
          destinationPort: o.localPort,
        });
      }
    } catch {
      // families differ (v6 client on a v4 listener address): fall through to UNKNOWN / LOCAL
    }
    return version === 1
      ? encodeProxyHeader({ version: 1, family: 'UNKNOWN' })
      : encodeProxyHeader({ version: 2, command: 'LOCAL' });
  }

  #forwardBody(): void {
    const up = this.#up!;
    const buf = this.#buf;
    if (this.#reqLeft > 0) {
      const avail = buf.length - this.#pos;
      const take = Math.min(avail, this.#reqLeft);
      const ok = up.socket.write(
        take === buf.length && this.#pos === 0 ? buf : buf.subarray(this.#pos, this.#pos + take),
      );
      this.#pos += take;
      this.#reqLeft -= take;
      this.#bytesIn += take;
      if (!ok) this.socket.pause();
      if (this.#reqLeft === 0) {
        this.#state = S_SENT;
        this.#requestComplete();
      }
      return;
    }
    const dec = this.#reqDec!;
    up.socket.cork();
    const end = dec.feed(buf, this.#pos, buf.length, this.#chunkSink);
    if (end >= 0 && dec.done) up.socket.write(LAST_CHUNK);
    up.socket.uncork();
    if (end < 0) {
      this.#ls.observer.badRequest(this.#ls.name, dec.error);
      this.#destroyUpstream();
      this.#respondLocal(dec.status, 'bad-request', true);
      return;
    }
    this.#pos = end;
    this.#bytesIn = dec.total;
    if (up.socket.writableNeedDrain) this.socket.pause();
    if (dec.done) {
      this.#state = S_SENT;
      this.#requestComplete();
    }
  }

  readonly #chunkSink = (b: Buffer, s: number, e: number): void => {
    const sock = this.#up!.socket;
    sock.write((e - s).toString(16), 'latin1');
    sock.write(CRLF);
    sock.write(b.subarray(s, e));
    sock.write(CRLF);
  };

  /** The request (head and body) is fully sent upstream. */
  #requestComplete(): void {
    if (this.#deadlineKind === D_REQUEST) {
      this.#deadline = 0;
      this.#deadlineKind = D_NONE;
    }
    if (this.#respState === R_DONE) this.#finishExchange();
  }

  onUpstreamDrain(conn: UpstreamConn): void {
    if (conn === this.#up && (this.#state === S_BODY || this.#state === S_TUNNEL)) this.socket.resume();
  }

  onUpstreamData(conn: UpstreamConn, chunk: Buffer): void {
    if (conn !== this.#up) {
      conn.destroy();
      return;
    }
    if (this.#state === S_TUNNEL) {
      if (!this.socket.write(chunk)) conn.socket.pause();
      return;
    }
    const rs = this.#respState;
    if (rs === R_BODY) {
      // The upstream must keep sending: responseTimeoutMs between reads (nginx proxy_read_timeout).
      this.#upDeadline = performance.now() + this.#route!.pool.responseTimeoutMs;
      this.#forwardResponse(chunk, 0, chunk.length);
      return;
    }
    if (rs !== R_HEAD) {
      // Bytes after the response ended (or before a request): the connection is out of sync.
      this.#destroyUpstream();
      return;
    }
    const resp = this.#resp;
    if (this.#upBuf === null || this.#upPos >= this.#upBuf.length) {
      this.#upBuf = chunk;
      this.#upPos = 0;
      resp.reset(0);
    } else {
      const rest = this.#upBuf.length - this.#upPos;
      const merged = Buffer.allocUnsafe(rest + chunk.length);
      this.#upBuf.copy(merged, 0, this.#upPos);
      chunk.copy(merged, rest);
      resp.shift(-this.#upPos);
      this.#upBuf = merged;
      this.#upPos = 0;
    }
    this.#parseResponse();
  }

  #parseResponse(): void {
    const resp = this.#resp;
    const head = this.#head;
    for (;;) {
      const buf = this.#upBuf!;
      const r = resp.parse(buf, buf.length);
      if (r === NEED_MORE) return;
      if (r === FAILED) {
        this.#upstreamFailed('protocol');
        return;
      }
      const status = resp.status;
      if (status === 101) {
        if (!head.isUpgrade) {
          this.#upstreamFailed('protocol');
          return;
        }
        this.#startTunnel();
        return;
      }
      if (status < 200) {
        // 1xx: relay to HTTP/1.1 clients (100 Continue for Expect), then parse the next head.
        if (head.minor === 1) this.socket.write(buf.subarray(this.#upPos, resp.headEnd));
        this.#upPos = resp.headEnd;
        resp.reset(resp.headEnd);
        if (this.#upPos >= buf.length) return;
        continue;
      }
      resp.frame(head.method === 'HEAD');
      const end = resp.headEnd;
      // Bytes after a body-less response: the upstream is out of sync, never reuse it.
      if (resp.body === BODY_NONE && end < buf.length) this.#up!.poolable = false;
      this.#upPos = buf.length;
      this.#startResponse(buf, end); // last: it may finish this exchange and start the next one
      return;
    }
  }

  #startResponse(buf: Buffer, bodyStart: number): void {
    const resp = this.#resp;
    const head = this.#head;
    this.#upDeadline = 0;
    this.#status = resp.status;
    if (head.minor === 0 || resp.body === BODY_CLOSE || this.#state === S_BODY || this.#ls.draining) {
      this.#keepAlive = false;
    }
    this.#decodeChunked = resp.body === BODY_CHUNKED && head.minor === 0;
    const text = this.#clientHead(buf);
    this.#responseStarted = true;
    const length = resp.contentLength;
    if (resp.body === BODY_LENGTH && length <= SMALL_BODY && bodyStart + length <= buf.length) {
      // The whole (small) response is in hand: head and body leave as one latin1 string, one write.
      this.socket.write(text + latin1(buf, bodyStart, bodyStart + length), 'latin1');
      this.#bytesOut = length;
      if (bodyStart + length < buf.length) this.#up!.poolable = false;
      this.#respState = R_DONE;
      this.#responseComplete();
      return;
    }
    if (resp.body === BODY_NONE) {
      this.socket.write(text, 'latin1');
      this.#respState = R_DONE;
      this.#responseComplete();
      return;
    }
    // Head and the first body bytes leave in one writev (one syscall) instead of one write each.
    this.socket.cork();
    try {
      this.socket.write(text, 'latin1');
      this.#startBody(buf, bodyStart);
    } finally {
      this.socket.uncork();
    }
  }

  #startBody(buf: Buffer, bodyStart: number): void {
    const resp = this.#resp;
    this.#respState = R_BODY;
    this.#upDeadline = performance.now() + this.#route!.pool.responseTimeoutMs;
    if (resp.body === BODY_LENGTH) this.#respLeft = resp.contentLength;
    else if (resp.body === BODY_CHUNKED) {
      const dec = this.#respDec ?? new ChunkedDecoder(Number.MAX_SAFE_INTEGER, 65536);
      dec.reset();
      this.#respDec = dec;
    }
    if (bodyStart < buf.length) this.#forwardResponse(buf, bodyStart, buf.length);
  }

  /** Response head for the client: hop-by-hop headers removed (RFC 9110 §7.6.1), our Connection added. */
  #clientHead(buf: Buffer): string {
    const resp = this.#resp;
    const n = resp.headerCount;
    const offs = resp.offs;
    const kinds = resp.kinds;
    const nominated = resp.nominated;
    let out = `HTTP/1.1 ${latin1(buf, resp.lineStart + 9, resp.lineEnd)}\r\n`;
    let runStart = -1;
    let runEnd = -1;
    for (let h = 0; h < n; h++) {
      const kind = kinds[h]! & ~H_UNDERSCORE;
      let keep = true;
      switch (kind) {
        case H_CONNECTION:
        case H_KEEP_ALIVE:
        case H_PROXY_CONNECTION:
        case H_TE:
        case H_UPGRADE:
          keep = false;
          break;
        case H_TRANSFER_ENCODING:
        case H_TRAILER:
          keep = !this.#decodeChunked;
          break;
        case H_CONTENT_LENGTH:
          keep = !resp.hasTransferEncoding;
          break;
        default:
          if (nominated.length > 0 && nominated.includes(hashName(buf, offs[h * 4]!, offs[h * 4 + 1]!))) keep = false;
      }
      const s = offs[h * 4]!;
      const e = offs[h * 4 + 3]!;
      if (keep) {
        // Consecutive kept lines are copied as one run (their CRLFs included).
        if (runStart < 0) runStart = s;
        runEnd = e;
      } else if (runStart >= 0) {
        out += `${latin1(buf, runStart, runEnd)}\r\n`;
        runStart = -1;
      }
    }
    if (runStart >= 0) out += `${latin1(buf, runStart, runEnd)}\r\n`;
    if (!this.#keepAlive) out += 'connection: close\r\n';
    const extra = this.#policyHeaders;
    if (extra !== null) for (const [name, value] of extra) out += `${name}: ${value}\r\n`;
    return `${out}\r\n`;
  }

  #forwardResponse(buf: Buffer, start: number, end: number): void {
    const resp = this.#resp;
    const up = this.#up!;
    let ok = true;
    if (resp.body === BODY_LENGTH) {
      const avail = end - start;
      const take = Math.min(avail, this.#respLeft);
      ok = this.socket.write(take === buf.length ? buf : buf.subarray(start, start + take));
      this.#respLeft -= take;
      this.#bytesOut += take;
      if (this.#respLeft === 0) {
        if (start + take < end) up.poolable = false; // the upstream sent more than it announced
        this.#respState = R_DONE;
        this.#responseComplete();
        return;
      }
    } else if (resp.body === BODY_CHUNKED) {
      const dec = this.#respDec!;
      const before = dec.total;
      if (this.#decodeChunked) {
        const stop = dec.feed(buf, start, end, this.#clientSink);
        if (stop < 0) {
          this.#abortMidResponse('upstream-protocol');
          return;
        }
        if (stop < end) up.poolable = false;
      } else {
        const stop = dec.feed(buf, start, end, noopSink);
        if (stop < 0) {
          this.#abortMidResponse('upstream-protocol');
          return;
        }
        ok = this.socket.write(stop === buf.length && start === 0 ? buf : buf.subarray(start, stop));
        if (stop < end) up.poolable = false;
      }
      this.#bytesOut += dec.total - before;
      if (dec.done) {
        this.#respState = R_DONE;
        this.#responseComplete();
        return;
      }
    } else {
      ok = this.socket.write(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
      this.#bytesOut += end - start;
    }
    if (!ok) {
      up.socket.pause();
      if (this.#deadlineKind === D_NONE) this.#setDeadline(D_SEND, this.#rt.limits.idleTimeoutMs);
    }
  }

  readonly #clientSink = (b: Buffer, s: number, e: number): void => {
    this.socket.write(b.subarray(s, e));
  };

  #responseComplete(): void {
    this.#upDeadline = 0;
    if (this.#state === S_SENT) this.#finishExchange();
    else if (this.#state === S_BODY) {
      // The upstream answered before the request body was complete: that connection is unusable and
      // the rest of the client's body is never read, so the client connection closes too.
      this.#destroyUpstream();
      this.#keepAlive = false;
      this.#finishExchange();
    }
  }

  #startTunnel(): void {
    const up = this.#up!;
    const buf = this.#upBuf!;
    up.poolable = false;
    this.#state = S_TUNNEL;
    this.#respState = R_DONE;
    this.#upDeadline = 0;
    this.#deadline = 0;
    this.#deadlineKind = D_NONE;
    this.#status = 101;
    this.#responseStarted = true;
    this.socket.write(buf.subarray(this.#upPos));
    if (this.#pos < this.#buf.length) up.socket.write(this.#buf.subarray(this.#pos));
    this.#pos = this.#buf.length;
    this.#finishRecord();
    this.socket.resume();
  }

  onUpstreamClose(conn: UpstreamConn, kind: string): void {
    if (conn !== this.#up) return;
    this.#up = null;
    if (this.#state === S_TUNNEL) {
      this.socket.end();
      return;
    }
    const rs = this.#respState;
    if (rs === R_BODY && this.#resp.body === BODY_CLOSE) {
      this.#respState = R_DONE;
      this.#responseComplete();
      return;
    }
    if (rs === R_BODY) {
      this.#abortMidResponse('upstream-reset');
      return;
    }
    if (this.#state === S_CLOSED || this.#state === S_CLOSING || !this.#active) return;
    // No response yet. A reused keep-alive connection that the upstream closed just as we sent on it is
    // retried once on a new connection, when the request had no body (so nothing was consumed).
    const route = this.#route!;
    const noResponseBytes = this.#upBuf === null;
    if (
      conn.reused &&
      !this.#retried &&
      noResponseBytes &&
      (kind === '' || kind === 'reset') &&
      this.#state === S_SENT &&
      this.#head.contentLength <= 0 &&
      !this.#head.chunked
    ) {
      this.#retried = true;
      this.#respState = R_IDLE;
      const fresh = route.pool.fresh(this, conn.target, conn.poolable);
      this.#up = fresh;
      this.#state = S_PENDING;
      return;
    }
    this.#upstreamFailed(kind === 'connect-timeout' ? 'connect' : kind === 'connect' ? 'connect' : 'reset');
  }

  /** No (complete) response head: answer 502 (connect/reset/protocol) or 504 (timeout). */
  #upstreamFailed(kind: UpstreamErrorKind): void {
    const route = this.#route;
    if (route !== null) this.#ls.observer.upstreamError(route.name, kind);
    this.#destroyUpstream();
    const error: GatewayErrorKind =
      kind === 'timeout'
        ? 'upstream-timeout'
        : kind === 'connect'
          ? 'upstream-connect'
          : kind === 'protocol'
            ? 'upstream-protocol'
            : 'upstream-reset';
    if (this.#responseStarted) {
      this.#abortMidResponse(error);
      return;
    }
    this.#respondLocal(kind === 'timeout' ? 504 : 502, error, this.#hasUnreadBody());
  }

  #abortMidResponse(error: GatewayErrorKind): void {
    this.#error = error;
    if (this.#route !== null && error === 'upstream-protocol') {
      this.#ls.observer.upstreamError(this.#route.name, 'protocol');
    }
    this.#destroyUpstream();
    this.socket.destroy();
  }

  #destroyUpstream(): void {
    const up = this.#up;
    this.#up = null;
    this.#upDeadline = 0;
    if (up !== null) up.destroy();
  }

  // ------------------------------------------------------------------ finishing

  #finishExchange(): void {
    const up = this.#up;
    this.#up = null;
    if (up !== null) {
      if (this.#resp.upstreamCloses || !up.poolable) up.destroy();
      else up.pool.release(up);
    }
    this.#finishRecord();
    this.#nextRequest();
  }

  #nextRequest(): void {
    if (!this.#keepAlive || (this.#clientEnded && this.#pos >= this.#buf.length)) {
      this.#endClient();
      return;
    }
    this.#state = S_HEAD;
    this.#setDeadline(D_IDLE, this.#rt.limits.idleTimeoutMs);
    this.socket.resume();
    if (this.#pos < this.#buf.length) this.#process();
  }

  #finishRecord(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#ls.inFlight--;
    const r = this.#resolution;
    const o = this.#origin;
    const record: AccessRecord = {
      listener: this.#ls.name,
      route: this.#route?.name ?? '',
      upstream: this.#up?.target.text ?? this.#route?.pool.targets[0]?.text ?? '',
      method: this.#method,
      path: this.#path,
      status: this.#status,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      durationMs: performance.now() - this.#startMs,
      client: r?.client ?? null,
      clientPort: r?.port ?? null,
      peer: r?.peer ?? canonical(this.#peer),
      directPeer: o.proxySource !== undefined ? canonical(o.tcpPeer) : null,
      chain: this.#chain,
      reason: r?.reason ?? '',
      requestId: this.#requestId,
      policy: this.#policy,
      decision: this.#decision,
      error: this.#error,
    };
    try {
      this.#ls.observer.requestDone(record);
    } catch {
      // an observer must not break the request path
    }
  }

  /** A malformed request: 4xx + close, counted by kind. */
  #reject(status: number, kind: string): void {
    this.#headActive = false;
    this.#ls.observer.badRequest(this.#ls.name, kind);
    if (!this.#active) {
      this.#active = true;
      this.#ls.inFlight++;
      this.#resetExchange();
      this.#method = this.#head.method;
      if (this.#startMs === 0) this.#startMs = performance.now();
    }
    this.#respondLocal(status, 'bad-request', true);
  }

  /** Answer from the gateway itself (never echoes input); `close` ends the connection afterwards. */
  #respondLocal(status: number, error: GatewayErrorKind, close: boolean): void {
    this.#error = error;
    if (close) this.#keepAlive = false;
    this.#sendLocal(status, !this.#keepAlive, this.#policyHeaders);
  }

  #sendLocal(status: number, close: boolean, extra: ReadonlyArray<readonly [string, string]> | null): void {
    this.#destroyUpstream();
    if (this.#responseStarted) {
      this.socket.destroy();
      return;
    }
    if (close) this.#keepAlive = false;
    this.#status = status;
    this.#responseStarted = true;
    if (this.#state < S_CLOSING && !this.socket.destroyed) {
      this.socket.write(
        extra === null ? localResponse(status, close) : Buffer.from(buildLocal(status, close, extra), 'latin1'),
      );
    }
    this.#respState = R_DONE;
    this.#finishRecord();
    if (close) this.#endClient();
    else {
      // No unread body (callers close otherwise): the next request may follow.
      this.#state = S_HEAD;
      this.#nextRequest();
    }
  }

  #endClient(): void {
    if (this.#state >= S_CLOSING) return;
    this.#state = S_CLOSING;
    this.#setDeadline(D_CLOSE, CLOSE_GRACE_MS);
    this.socket.end();
    // Keep reading (and discarding) what the client still sends so our response is not lost to a RST.
    this.socket.resume();
  }
}

const EMPTY_CHAIN: readonly string[] = Object.freeze([]);

// Request ids: unique, not secret (they correlate logs; they authorise nothing). A random per-process
// prefix and a counter, in UUID layout: no crypto call (and no OpenSSL pages) per request.
const ID_PREFIX = Array.from({ length: 5 }, () =>
  Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0'),
);
const ID_HEAD = `${ID_PREFIX[0]}${ID_PREFIX[1]}-${ID_PREFIX[2]}-4${ID_PREFIX[3]!.slice(1)}-${(0x8000 | (Number.parseInt(ID_PREFIX[4]!, 16) & 0x3fff)).toString(16)}-`;
let idCounter = Math.floor(Math.random() * 0x1000000);
function nextRequestId(): string {
  idCounter = (idCounter + 1) % 0x1000000000000;
  return ID_HEAD + idCounter.toString(16).padStart(12, '0');
}

const FALLBACK_ROUTE_KINDS = { stripKind: new Uint8Array(0) } as unknown as RouteRuntime;

function noopSink(): void {}

/** Entries of the resolver's header lines, as received, bounded (for the access log). */
function chainOf(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < raw.length && out.length < MAX_CHAIN; i += 2) {
    const value = raw[i]!;
    let start = 0;
    for (let j = 0; j <= value.length && out.length < MAX_CHAIN; j++) {
      if (j === value.length || value.charCodeAt(j) === 44) {
        const entry = value.slice(start, j).trim();
        if (entry !== '') out.push(entry.length > MAX_CHAIN_ENTRY ? entry.slice(0, MAX_CHAIN_ENTRY) : entry);
        start = j + 1;
      }
    }
  }
  return out;
}

/**
 * Paths with dot-segments (`/a/../b`, `/./`), encoded dots (`%2e`) or backslashes are refused: the gateway
 * routes on the path as received, and an upstream that normalises them would see another route's path.
 */
export function isSafePath(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 92) return false;
    if (c === 37 && i + 2 < path.length && path.charCodeAt(i + 1) === 50) {
      const d = path.charCodeAt(i + 2) | 0x20;
      if (d === 101) return false; // %2e / %2E
    }
    if (c === 46 && path.charCodeAt(i - 1) === 47) {
      const next = i + 1 < path.length ? path.charCodeAt(i + 1) : 47;
      if (next === 47) return false; // "/./" or trailing "/."
      if (next === 46) {
        const after = i + 2 < path.length ? path.charCodeAt(i + 2) : 47;
        if (after === 47) return false; // "/../" or trailing "/.."
      }
    }
  }
  return true;
}

/** X-Request-Id passed on only when 1–128 visible ASCII bytes without `,` `;` `"` or spaces. */
function isRequestId(buf: Buffer, start: number, end: number): boolean {
  if (end <= start || end - start > 128) return false;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b <= 32 || b >= 127 || b === 44 || b === 59 || b === 34) return false;
  }
  return true;
}

/**
 * What a policy sees of a request. Built per request only when a route has policies, and lazy:
 * addresses are parsed and headers looked up only when the policy asks (most ask for the client
 * alone). `freeze()` copies the header values before the request buffer can move (async policies).
 */
class LazyPolicyRequest implements PolicyRequest {
  readonly listener: string;
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly #resolution: Resolution;
  readonly #head: RequestHead;
  readonly #buf: Buffer;
  #client: IPAddress | null | undefined;
  #peer: IPAddress | null | undefined;
  #headers: Map<string, string> | null = null;

  constructor(listener: string, route: string, resolution: Resolution, head: RequestHead, buf: Buffer, path: string) {
    this.listener = listener;
    this.route = route;
    this.method = head.method;
    this.path = path;
    this.#resolution = resolution;
    this.#head = head;
    this.#buf = buf;
  }

  get client(): IPAddress | null {
    if (this.#client === undefined) {
      const text = this.#resolution.client;
      this.#client = text === null ? null : parseAddress(text);
    }
    return this.#client;
  }

  get peer(): IPAddress | null {
    if (this.#peer === undefined) {
      const text = this.#resolution.peer;
      this.#peer = text === null ? null : parseAddress(text);
    }
    return this.#peer;
  }

  header(name: string): string | undefined {
    return this.freeze().get(name.toLowerCase());
  }

  /** Copies the first value of each header (lower-case name) out of the request buffer, once. */
  freeze(): Map<string, string> {
    if (this.#headers === null) {
      const head = this.#head;
      const headers = new Map<string, string>();
      for (let h = 0; h < head.headerCount; h++) {
        const name = head.name(this.#buf, h).toLowerCase();
        if (!headers.has(name)) headers.set(name, head.value(this.#buf, h));
      }
      this.#headers = headers;
    }
    return this.#headers;
  }
}

function parseAddress(text: string): IPAddress | null {
  const ip = parseIP(text);
  return ip === null ? null : unmapIPv4(ip);
}

function canonical(text: string | undefined): string | null {
  if (text === undefined) return null;
  const ip = parseAddress(text);
  return ip === null ? null : formatIP(ip);
}
