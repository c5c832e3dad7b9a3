/**
 * Helpers for the gateway's end-to-end tests: a config builder, a gateway on port 0, a Node echo
 * upstream that records exactly what it received, and a raw-socket client.
 */
import http from 'node:http';
import net from 'node:net';
import type {
  ForwardingConfig,
  GatewayConfig,
  ListenerConfig,
  RouteConfig,
  TrustProfileConfig,
  UpstreamConfig,
} from '../../src/gateway/config/types.ts';
import {
  type AccessRecord,
  compileRuntime,
  createListener,
  type GatewayObserver,
  type GatewayRuntime,
  type ListenerHandle,
  noopObserver,
} from '../../src/gateway/engine.ts';

export const DEFAULT_FORWARDING: ForwardingConfig = {
  xForwardedFor: 'append',
  xRealIp: true,
  forwarded: false,
  xForwardedProtoHostPort: true,
  stripUntrusted: [],
  requestId: true,
  proxyProtocol: 'off',
};

export interface ConfigOptions {
  readonly upstream: string | readonly string[];
  readonly trusted?: readonly string[];
  readonly header?: string;
  readonly forwarding?: Partial<ForwardingConfig>;
  readonly listeners?: readonly Partial<ListenerConfig>[];
  readonly trustProfiles?: readonly TrustProfileConfig[];
  readonly routes?: readonly RouteConfig[];
  readonly upstreams?: readonly UpstreamConfig[];
  readonly limits?: Partial<GatewayConfig['limits']>;
  readonly connectTimeoutMs?: number;
  readonly responseTimeoutMs?: number;
}

export function gatewayConfig(o: ConfigOptions): GatewayConfig {
  const listeners: ListenerConfig[] = (o.listeners ?? [{}]).map((l, i) => ({
    name: l.name ?? `l${i}`,
    host: '127.0.0.1',
    port: 0,
    proxyProtocol: l.proxyProtocol ?? { mode: 'off', trusted: [], timeoutMs: 1000 },
    trust: l.trust ?? 'edge',
    ...(l.tls ? { tls: l.tls } : {}),
  }));
  return {
    listeners,
    trustProfiles: o.trustProfiles ?? [
      {
        name: 'edge',
        semantics: 'strict',
        trusted: o.trusted ?? [],
        header: o.header ?? 'X-Forwarded-For',
        recursive: true,
      },
    ],
    upstreams: o.upstreams ?? [
      {
        name: 'app',
        targets: typeof o.upstream === 'string' ? [o.upstream] : [...o.upstream],
        connectTimeoutMs: o.connectTimeoutMs ?? 1000,
        responseTimeoutMs: o.responseTimeoutMs ?? 3000,
        keepAlive: 128,
      },
    ],
    routes: o.routes ?? [
      { name: 'default', pathPrefix: '/', upstream: 'app', forwarding: { ...DEFAULT_FORWARDING, ...o.forwarding } },
    ],
    limits: {
      maxHeaderBytes: 8192,
      maxHeaderCount: 64,
      maxBodyBytes: 1024 * 1024,
      headerTimeoutMs: 2000,
      idleTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      ...o.limits,
    },
    log: { level: 'silent', access: false },
    drainTimeoutMs: 1000,
  };
}

export interface RecordingObserver extends GatewayObserver {
  readonly records: AccessRecord[];
  readonly events: string[];
}

export function recordingObserver(): RecordingObserver {
  const records: AccessRecord[] = [];
  const events: string[] = [];
  return {
    records,
    events,
    requestDone: (r) => records.push(r),
    proxyProtocol: (l, o) => events.push(`proxy:${l}:${o}`),
    spoofAttempt: (l, h) => events.push(`spoof:${l}:${h}`),
    strictRefusal: (l, r) => events.push(`refusal:${l}:${r}`),
    upstreamError: (r, k) => events.push(`upstream:${r}:${k}`),
    badRequest: (l, k) => events.push(`bad:${l}:${k}`),
  };
}

export interface RunningGateway {
  readonly ports: number[];
  readonly port: number;
  readonly handles: ListenerHandle[];
  runtime: GatewayRuntime;
  close(): Promise<void>;
}

export async function startGateway(
  config: GatewayConfig,
  observer: GatewayObserver = noopObserver,
  host = '127.0.0.1',
): Promise<RunningGateway> {
  const state = { runtime: compileRuntime(config) as GatewayRuntime };
  const handles = config.listeners.map((l) => createListener(l, () => state.runtime, observer));
  const ports: number[] = [];
  for (const h of handles) {
    await new Promise<void>((resolve) => h.server.listen(0, host, resolve));
    ports.push((h.server.address() as net.AddressInfo).port);
  }
  return {
    ports,
    port: ports[0]!,
    handles,
    get runtime() {
      return state.runtime;
    },
    set runtime(r: GatewayRuntime) {
      state.runtime = r;
    },
    async close() {
      for (const h of handles) {
        h.destroyAll();
        await new Promise<void>((resolve) => h.server.close(() => resolve()));
      }
      state.runtime.close();
    },
  };
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly body: string;
  /** Header values by lower-case name, lines joined with '\n' (exact lines kept apart). */
  readonly h: Record<string, string>;
  readonly remotePort: number;
}

export interface EchoServer {
  readonly port: number;
  readonly received: Received[];
  readonly server: http.Server;
  close(): Promise<void>;
}

/** Node http upstream: answers `200` with a JSON echo of what it received, and records it. */
export async function startEcho(
  handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => boolean,
): Promise<EchoServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      const h: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!.toLowerCase();
        h[name] = h[name] === undefined ? req.rawHeaders[i + 1]! : `${h[name]}\n${req.rawHeaders[i + 1]}`;
      }
      const rec: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        body,
        h,
        remotePort: req.socket.remotePort ?? 0,
      };
      received.push(rec);
      if (handler?.(req, res, body)) return;
      const out = JSON.stringify(rec);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends raw bytes and collects the answer until the server closes or `quietMs` pass without data
 * (bounded by `maxMs`).
 */
export function rawExchange(
  port: number,
  payload: string | Buffer | readonly (string | Buffer)[],
  options: {
    quietMs?: number;
    maxMs?: number;
    gapMs?: number;
    host?: string;
    until?: (text: string) => boolean;
    /** Half-close after sending (like `printf … | nc`). */
    end?: boolean;
  } = {},
): Promise<{ text: string; closed: boolean }> {
  const quietMs = options.quietMs ?? 300;
  const maxMs = options.maxMs ?? 5000;
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: options.host ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    let closed = false;
    let quiet: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(max);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    };
    const max = setTimeout(done, maxMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (options.until?.(Buffer.concat(chunks).toString('latin1'))) done();
      else arm();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      done();
    });
    socket.on('connect', async () => {
      const parts = Array.isArray(payload) ? payload : [payload];
      for (const p of parts) {
        if (socket.destroyed) break;
        socket.write(p as string | Buffer);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
      if (options.end) socket.end();
      arm();
    });
  });
}

/** Splits a byte stream of HTTP/1.1 responses (Content-Length framed) into status codes and bodies. */
export function parseResponses(text: string): { status: number; head: string; body: string }[] {
  const out: { status: number; head: string; body: string }[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    const len = m ? Number(m[1]) : 0;
    const body = rest.slice(end + 4, end + 4 + len);
    out.push({ status, head, body });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}
