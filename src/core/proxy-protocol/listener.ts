/**
 * PROXY protocol on Node servers (`net`, `tls`, `http`, `https`): the header is read from the
 * raw TCP socket before TLS or HTTP sees a byte, then the socket — with any bytes that came
 * after the header pushed back (`unshift`) — goes to the server's own `connection` handlers.
 *
 * The policy is explicit per listener (doc/proxy-protocol.txt §2 "MUST NOT try to guess",
 * §5 "accepting the header only from a number of known sources should be safe"):
 *
 * - `required` (nginx `listen … proxy_protocol`, Kong, ingress-nginx): every connection must come
 *   from a trusted peer and start with a header. Untrusted peer → closed unread (`rejected`);
 *   no header → closed (`missing`).
 * - `optional` (Traefik `proxyProtocol.trustedIPs`): a trusted peer may send a header; without
 *   one its bytes go on untouched (`missing`). An untrusted peer's bytes are never parsed
 *   (`passthrough`): a header it sends reaches HTTP, which answers 400.
 * - `off`: nothing is wrapped.
 *
 * Either way a broken header (`invalid`) or one that does not complete in time (`timedOut`,
 * default 5 s as ingress-nginx `proxy-protocol-header-timeout`) closes the connection.
 */
import type { Server, Socket } from 'node:net';
import { InvalidOptionError } from '../errors.ts';
import { parseIP } from '../ip/address.ts';
import { PrefixSet } from '../ip/prefix-set.ts';
import { ProxyCounters, type ProxyCountersSnapshot, type ProxyOutcome } from './counters.ts';
import { decodeProxyHeader } from './decode.ts';
import type { ProxyHeader, ProxyProtocolMode } from './types.ts';

export interface ProxyProtocolOptions {
  readonly mode: ProxyProtocolMode;
  /**
   * Peers allowed to send a header: IPs, CIDRs, named ranges (`loopback`, `private`, …) or a
   * compiled PrefixSet. Required for `required` and `optional`; to trust every peer say so
   * (`['0.0.0.0/0', '::/0']`).
   */
  readonly trusted?: readonly string[] | PrefixSet;
  /** Time for the whole header to arrive, from accept (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Largest header accepted, bytes (default 16 384, HAProxy's default buffer size). */
  readonly maxHeaderBytes?: number;
  /** Listener name for counters, metrics and logs (default `default`). */
  readonly name?: string;
  /** Called once per connection with its outcome (for logs); exceptions are swallowed. */
  readonly onOutcome?: (event: ProxyOutcomeEvent) => void;
}

export interface ProxyOutcomeEvent {
  readonly listener: string;
  readonly outcome: ProxyOutcome;
  /** The direct peer (the load balancer), as Node reports it. */
  readonly peer: string | undefined;
  readonly peerPort: number | undefined;
  /** Decoder reason for `invalid` (`v1-bad-address`, `v2-crc32c-mismatch`, …). */
  readonly reason?: string;
  readonly header?: ProxyHeader;
}

/** What a connection's handler learns from the PROXY phase. */
export interface ProxyConnectionInfo {
  readonly listener: string;
  /** The decoded header, or null when none was read (optional listener). */
  readonly header: ProxyHeader | null;
  /**
   * The client for the resolver: the header's source for a PROXY command with TCP/UDP
   * addresses; the direct peer for LOCAL, UNKNOWN, UNSPEC and no header (§2.1, §2.2 "use the
   * real connection endpoints"); undefined for a UNIX source.
   */
  readonly peer: string | undefined;
  readonly peerPort: number | undefined;
  /** The direct TCP peer (the load balancer), as Node reports it (`socket.remoteAddress`). */
  readonly directPeer: string | undefined;
  readonly directPeerPort: number | undefined;
  /** Whether the direct peer is in the listener's trusted ranges. */
  readonly directPeerTrusted: boolean;
}

export interface ProxyProtocolListener {
  readonly name: string;
  readonly mode: ProxyProtocolMode;
  /** Current counter values. */
  counters(): ProxyCountersSnapshot;
  /** Puts the server's own `connection` handlers back (connections in their header phase finish as they are). */
  unwrap(): void;
}

const infoBySocket = new WeakMap<Socket, ProxyConnectionInfo>();

/**
 * Makes `server` read a PROXY header on every accepted connection before its own handlers run.
 * Call it after creating the server and before `listen()`; `connection` listeners added later
 * see sockets before the header is read.
 *
 * @example
 * import http from 'node:http';
 * import { acceptProxyProtocol, getProxyInfo } from 'sourceip';
 *
 * const server = http.createServer((req, res) => {
 *   const info = getProxyInfo(req.socket); // works for https/TLS sockets too
 *   res.end(`client ${info?.peer} via ${info?.directPeer}\n`);
 * });
 * const pp = acceptProxyProtocol(server, { mode: 'required', trusted: ['10.0.0.0/8'] });
 * server.listen(8080);
 * pp.counters(); // { accepted, rejected, missing, invalid, timedOut, aborted, passthrough }
 */
export function acceptProxyProtocol(server: Server, options: ProxyProtocolOptions): ProxyProtocolListener {
  const mode = options.mode;
  if (mode !== 'off' && mode !== 'required' && mode !== 'optional') {
    throw new InvalidOptionError('mode', `expected off, required or optional, got ${JSON.stringify(mode)}`);
  }
  const name = options.name ?? 'default';
  const counters = new ProxyCounters();
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw new InvalidOptionError('timeoutMs', 'must be a positive number');
  const maxLength = options.maxHeaderBytes ?? 16384;
  if (!Number.isInteger(maxLength) || maxLength < 232) {
    throw new InvalidOptionError('maxHeaderBytes', 'must be an integer ≥ 232 (a v2 UNIX header)');
  }
  if (mode === 'off') {
    return { name, mode, counters: () => counters.snapshot(), unwrap() {} };
  }
  if (options.trusted === undefined) {
    throw new InvalidOptionError('trusted', `a ${mode} PROXY listener needs the peers allowed to send a header`);
  }
  const trusted = options.trusted instanceof PrefixSet ? options.trusted : PrefixSet.compile(options.trusted);
  const onOutcome = options.onOutcome;

  const originals = server.listeners('connection') as ((socket: Socket) => void)[];
  const handOn = (socket: Socket) => {
    for (const listener of originals) listener.call(server, socket);
  };

  const report = (socket: Socket, outcome: ProxyOutcome, reason?: string, header?: ProxyHeader) => {
    counters.count(outcome);
    if (onOutcome === undefined) return;
    try {
      onOutcome({ listener: name, outcome, peer: socket.remoteAddress, peerPort: socket.remotePort, reason, header });
    } catch {
      // A logging callback must not break the connection path.
    }
  };

  const onConnection = (socket: Socket) => {
    const directPeer = socket.remoteAddress;
    const directPeerPort = socket.remotePort;
    const ip = directPeer === undefined ? null : parseIP(directPeer);
    const isTrusted = ip !== null && trusted.has(ip);
    if (!isTrusted) {
      if (mode === 'required') {
        report(socket, 'rejected');
        socket.destroy();
        return;
      }
      // optional: never parse an untrusted peer's bytes (§5).
      report(socket, 'passthrough');
      infoBySocket.set(socket, {
        listener: name,
        header: null,
        peer: directPeer,
        peerPort: directPeerPort,
        directPeer,
        directPeerPort,
        directPeerTrusted: false,
      });
      handOn(socket);
      return;
    }
    readHeader(socket, directPeer, directPeerPort);
  };

  const readHeader = (socket: Socket, directPeer: string | undefined, directPeerPort: number | undefined) => {
    let buffered: Buffer | null = null;
    let done = false;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      socket.removeListener('readable', onReadable);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onError);
    };
    const fail = (outcome: ProxyOutcome, reason?: string) => {
      finish();
      report(socket, outcome, reason);
      socket.destroy();
    };
    const onReadable = () => {
      if (done) return;
      let chunk: Buffer | null = socket.read() as Buffer | null;
      while (chunk !== null) {
        buffered = buffered === null ? chunk : Buffer.concat([buffered, chunk]);
        const result = decodeProxyHeader(buffered, { maxLength });
        if (result.status !== 'incomplete') {
          finish();
          let rest: Buffer | null = null;
          let header: ProxyHeader | null = null;
          if (result.status === 'ok') {
            header = result.header;
            if (buffered.length > header.headerLength) rest = buffered.subarray(header.headerLength);
            report(socket, 'accepted', undefined, header);
          } else if (result.status === 'absent' && mode === 'optional') {
            rest = buffered;
            report(socket, 'missing');
          } else {
            fail(
              result.status === 'absent' ? 'missing' : 'invalid',
              result.status === 'invalid' ? result.reason : undefined,
            );
            return;
          }
          let peer = directPeer;
          let peerPort = directPeerPort;
          if (header !== null && header.command === 'PROXY') {
            if (header.family === 'UNIX') {
              peer = undefined;
              peerPort = undefined;
            } else if (header.sourcePort !== undefined) {
              peer = header.source;
              peerPort = header.sourcePort;
            }
          }
          infoBySocket.set(socket, {
            listener: name,
            header,
            peer,
            peerPort,
            directPeer,
            directPeerPort,
            directPeerTrusted: true,
          });
          if (rest !== null) socket.unshift(rest);
          handOn(socket);
          return;
        }
        chunk = socket.read() as Buffer | null;
      }
    };
    const onEnd = () => {
      if (!done) fail('aborted');
    };
    const onError = () => {
      // ECONNRESET and friends during the header phase: counted once, via close.
    };
    const timer = setTimeout(() => {
      if (!done) fail('timedOut');
    }, timeoutMs);
    timer.unref();
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
  };

  server.removeAllListeners('connection');
  server.on('connection', onConnection);
  return {
    name,
    mode,
    counters: () => counters.snapshot(),
    unwrap() {
      server.removeListener('connection', onConnection);
      for (const listener of originals) server.on('connection', listener);
    },
  };
}

/**
 * The PROXY phase's result for a connection: pass the raw socket, an http `req.socket`, or a
 * TLSSocket (mapped back to the TCP socket it wraps). Undefined when the socket did not come
 * through a PROXY listener.
 *
 * @example
 * const info = getProxyInfo(req.socket);
 * resolve({ peer: info?.peer ?? req.socket.remoteAddress, rawHeaders: req.rawHeaders });
 */
export function getProxyInfo(socket: Socket | undefined | null): ProxyConnectionInfo | undefined {
  let s: unknown = socket;
  // A TLSSocket keeps the TCP socket it wraps in `_parent` (node:_tls_wrap); an HTTP/2 or
  // layered stream may wrap again, so follow a few levels.
  for (let depth = 0; depth < 4 && s !== null && typeof s === 'object'; depth++) {
    const info = infoBySocket.get(s as Socket);
    if (info !== undefined) return info;
    s = (s as { _parent?: unknown })._parent;
  }
  return undefined;
}
