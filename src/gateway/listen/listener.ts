/**
 * A gateway listener: accepts TCP connections, reads the PROXY protocol header when the listener is
 * configured for it (before TLS and HTTP, HAProxy doc/proxy-protocol.txt §1: never guessed), wraps TLS,
 * then hands the socket to the HTTP/1.1 engine with the runtime current at accept time.
 *
 * PROXY policy per listener:
 * - `required`: every connection must start with a header; from a source outside `trusted` (when the list
 *   is not empty) the connection is refused; missing/invalid/slow headers close the connection.
 * - `optional`: a header is read only from `trusted` sources (and used when present); other sources go
 *   straight to HTTP, so a header from them fails as a malformed request line.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { ConfigError } from '../../core/errors.ts';
import { parseIP, unmapIPv4 } from '../../core/ip/address.ts';
import { decodeProxyHeader, maxHeaderBytes } from '../../core/proxy-protocol/decode.ts';
import type { ProxyHeader } from '../../core/proxy-protocol/types.ts';
import type { ListenerConfig } from '../config/types.ts';
import { ClientConnection, type ConnectionOrigin, type ListenerState } from '../http1/connection.ts';
import { localResponse } from '../http1/local-response.ts';
import type { CompiledRuntime } from '../runtime.ts';
import type { GatewayObserver, GatewayRuntime, ListenerHandle } from '../types.ts';

const PROXY_MAX_BYTES = Math.min(maxHeaderBytes(), 4096);

export function createListenerImpl(
  listener: ListenerConfig,
  getRuntime: () => GatewayRuntime,
  observer: GatewayObserver,
): ListenerHandle {
  const state: ListenerState = {
    name: listener.name,
    observer,
    connections: new Set(),
    inFlight: 0,
    draining: false,
  };
  let secureContext: tls.SecureContext | null = null;
  // node:tls is loaded only for TLS listeners: it adds ~7 MB of RSS to a process that never uses it.
  const tlsModule = listener.tls !== undefined ? process.getBuiltinModule('node:tls') : null;
  if (listener.tls !== undefined && tlsModule !== null) {
    try {
      secureContext = tlsModule.createSecureContext({
        cert: readFileSync(listener.tls.certFile),
        key: readFileSync(listener.tls.keyFile),
      });
    } catch (error) {
      throw new ConfigError(`cannot load TLS certificate/key: ${(error as Error).message}`, {
        key: `listeners.${listener.name}.tls`,
      });
    }
  }
  const mode = listener.proxyProtocol.mode;
  // Sockets still in the PROXY-header or TLS-handshake phase: not yet a ClientConnection, but
  // drain()/destroyAll() must still reach them (a stalled handshake must not hold a shutdown).
  const pending = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    socket.on('error', () => {});
    pending.add(socket);
    socket.once('close', () => pending.delete(socket));
    const runtime = getRuntime() as CompiledRuntime;
    const lr = runtime.listeners.get(listener.name);
    if (lr === undefined || state.draining) {
      socket.end(localResponse(503, true));
      return;
    }
    const origin0 = {
      tcpPeer: socket.remoteAddress,
      tcpPeerPort: socket.remotePort,
      localAddress: socket.localAddress,
      localPort: socket.localPort ?? listener.port,
    };
    const start = (origin: ConnectionOrigin, initial: Buffer | null) => {
      if (socket.destroyed) return;
      if (secureContext === null || tlsModule === null) {
        pending.delete(socket);
        new ClientConnection(socket, runtime, lr, state, origin, initial);
        return;
      }
      const inner = initial !== null && initial.length > 0 ? prepend(socket, initial) : socket;
      const tlsSocket = new tlsModule.TLSSocket(inner, { isServer: true, secureContext });
      tlsSocket.on('error', () => socket.destroy());
      // A handshake that never finishes is a slowloris one layer down: same deadline as a request head.
      const handshake = setTimeout(() => socket.destroy(), runtime.limits.headerTimeoutMs || 10_000);
      socket.once('close', () => clearTimeout(handshake));
      // A client that gives up during the handshake (e.g. it rejects our certificate) closes the
      // TLS layer without an error; with allowHalfOpen the raw socket would otherwise wait for the deadline.
      const abandon = () => socket.destroy();
      tlsSocket.once('close', abandon);
      tlsSocket.once('end', abandon);
      tlsSocket.once('secure', () => {
        clearTimeout(handshake);
        tlsSocket.removeListener('close', abandon);
        tlsSocket.removeListener('end', abandon);
        pending.delete(socket);
        new ClientConnection(tlsSocket, runtime, lr, state, origin, null);
      });
    };
    if (mode === 'off') {
      start(origin0, null);
      return;
    }
    const peerIp = socket.remoteAddress === undefined ? null : parseIP(socket.remoteAddress);
    const peer = peerIp === null ? null : unmapIPv4(peerIp);
    const trusted = peer !== null && (lr.proxyTrusted.isEmpty ? mode === 'required' : lr.proxyTrusted.has(peer));
    if (!trusted) {
      if (mode === 'required') {
        observer.proxyProtocol(listener.name, 'rejected');
        socket.destroy();
      } else start(origin0, null);
      return;
    }
    readProxyHeader(socket, listener.proxyProtocol.timeoutMs, (outcome, header, rest) => {
      if (outcome === 'ok') {
        observer.proxyProtocol(listener.name, 'accepted');
        const h = header!;
        const useAddresses = h.command === 'PROXY' && h.source !== undefined && h.family !== 'UNIX';
        start(
          useAddresses ? { ...origin0, proxySource: h.source, proxySourcePort: h.sourcePort } : origin0, // LOCAL / UNKNOWN: the real endpoints are used (spec §2.1, §2.2)
          rest,
        );
        return;
      }
      if (outcome === 'absent' && mode === 'optional') {
        observer.proxyProtocol(listener.name, 'absent-optional');
        start(origin0, rest);
        return;
      }
      observer.proxyProtocol(listener.name, outcome === 'absent' ? 'missing' : outcome);
      socket.destroy();
    });
  });
  server.on('error', () => {});

  return {
    server,
    inFlight: () => state.inFlight,
    connections: () => state.connections.size,
    drain() {
      state.draining = true;
      for (const conn of state.connections) conn.drain();
      // No request has begun on these yet: closing them loses nothing.
      for (const socket of pending) socket.destroy();
    },
    closeIdle() {
      for (const conn of state.connections) conn.closeIdle();
    },
    destroyAll() {
      for (const conn of state.connections) conn.destroy();
      for (const socket of pending) socket.destroy();
    },
  };
}

type ReadOutcome = 'ok' | 'absent' | 'invalid' | 'timeout';

/** Reads bytes until the decoder answers; `rest` is what followed the header (or everything, when absent). */
function readProxyHeader(
  socket: net.Socket,
  timeoutMs: number,
  done: (outcome: ReadOutcome, header: ProxyHeader | null, rest: Buffer | null) => void,
): void {
  let buf: Buffer | null = null;
  let finished = false;
  const finish = (outcome: ReadOutcome, header: ProxyHeader | null, rest: Buffer | null) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
    socket.pause();
    done(outcome, header, rest);
  };
  const timer = setTimeout(() => finish('timeout', null, null), timeoutMs > 0 ? timeoutMs : 5000);
  const onClose = () => finish('invalid', null, null);
  const onData = (chunk: Buffer) => {
    buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
    const r = decodeProxyHeader(buf);
    if (r.status === 'incomplete') {
      if (buf.length > PROXY_MAX_BYTES) finish('invalid', null, null);
      return;
    }
    if (r.status === 'absent') finish('absent', null, buf);
    else if (r.status === 'invalid') finish('invalid', null, null);
    else finish('ok', r.header, buf.subarray(r.header.headerLength));
  };
  socket.on('data', onData);
  socket.on('close', onClose);
}

/** A duplex over `socket` that first yields `initial` (bytes read past the PROXY header, for TLS). */
function prepend(socket: net.Socket, initial: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  duplex.push(initial);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  return duplex;
}
