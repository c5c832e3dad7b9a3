/**
 * The whoami HTTP server: echoes what this server sees of each request (peer, PROXY header,
 * header lines in wire order, the resolved client with its trace, spoof attempts), as text,
 * JSON or HTML. The handler never throws: any failure becomes a 500 and a log line.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { ProxyCountersSnapshot } from '../core/proxy-protocol/counters.ts';
import { acceptProxyProtocol } from '../core/proxy-protocol/listener.ts';
import type { ProxyProtocolMode } from '../core/proxy-protocol/types.ts';
import type { ResolverOptions } from '../core/trust/types.ts';
import { createSourceIp, proxyHeaderOf } from '../middleware/shared.ts';
import { escapeControl } from './escape.ts';
import { MEDIA_TYPES, negotiate, type WhoamiFormat } from './negotiate.ts';
import { renderHtml } from './render-html.ts';
import { quoted, renderText } from './render-text.ts';
import { buildReport, canonicalSocketAddress, trustReport, type WhoamiReport } from './report.ts';

/** The subset of a pino logger whoami uses (a pino logger fits). */
export interface WhoamiLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

export interface WhoamiOptions extends ResolverOptions {
  /** Address to listen on. Default `127.0.0.1`; `::1`, `0.0.0.0`, `::` work too. */
  readonly listen?: string;
  /** Port. Default 8081; 0 picks a free port (read it from `port` / `url`). */
  readonly port?: number;
  /** PROXY protocol on this listener. Default `off`. */
  readonly proxyProtocol?: ProxyProtocolMode;
  /** Sources allowed to send a PROXY header (`optional` mode requires them; `required` rejects others). */
  readonly proxyProtocolTrusted?: readonly string[];
  /** Access and lifecycle logs; none when absent. */
  readonly logger?: WhoamiLogger;
  /** Host name to report. Default `os.hostname()`. */
  readonly host?: string;
  /** How long close() lets in-flight requests finish before cutting connections. Default 10 s. */
  readonly shutdownGraceMs?: number;
}

export interface RunningWhoami {
  /** `http://127.0.0.1:8081/`, `http://[::1]:8081/`. */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  readonly server: Server;
  /** PROXY protocol outcomes so far (all zero when the listener has it off). */
  proxyCounters(): ProxyCountersSnapshot;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then resolves. */
  close(): Promise<void>;
}

/**
 * Starts whoami. Throws `SourceIpError` for a bad trust configuration and the listen error
 * (`EADDRINUSE`, `EACCES`, …) when the port cannot be bound.
 *
 * @example
 * const whoami = await startWhoami({ port: 0, trusted: ['loopback'] });
 * const report = await (await fetch(`${whoami.url}?format=json`)).json();
 * await whoami.close();
 */
export async function startWhoami(options: WhoamiOptions = {}): Promise<RunningWhoami> {
  const listen = options.listen ?? '127.0.0.1';
  const port = options.port ?? 8081;
  const logger = options.logger;
  const host = options.host ?? hostname();
  const core = createSourceIp({ ...resolverOptionsOf(options), trace: true });
  const trust = trustReport(core.resolver, options);
  const forwardedHeader = trust.header.toLowerCase();
  let closing = false;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    // An aborted request or a reset socket must not become an unhandled 'error' event.
    req.on('error', ignore);
    res.on('error', ignore);
    if (closing) res.setHeader('Connection', 'close');
    try {
      const negotiated = negotiate(req.url ?? '/', headerLines(req.rawHeaders, 'accept'));
      if ('unknownFormat' in negotiated) {
        send(
          res,
          req.method,
          400,
          'text',
          `unknown format ${quoted(negotiated.unknownFormat)}: use json, text or html\n`,
        );
        return;
      }
      const resolution = core.resolve(req);
      const report = buildReport({
        socketAddress: req.socket.remoteAddress,
        socketPort: req.socket.remotePort,
        proxy: proxyHeaderOf(req.socket),
        method: req.method ?? '',
        url: req.url ?? '',
        httpVersion: req.httpVersion,
        rawHeaders: req.rawHeaders,
        resolution,
        trust,
        host,
      });
      send(res, req.method, 200, negotiated.format, render(report, negotiated.format));
      logger?.info(
        {
          client: { ip: report.client.ip, port: report.client.port },
          peer: { ip: report.peer.ip, port: report.peer.port },
          forwarded: { chain: headerLines(req.rawHeaders, forwardedHeader).map(cut) },
          resolve: { reason: report.client.reason },
          http: { method: report.request.method, status: 200 },
          spoof_attempts: report.spoofAttempts.length,
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        },
        'request',
      );
    } catch (error) {
      logger?.error({ err: error instanceof Error ? error.message : String(error) }, 'whoami handler failed');
      if (!res.headersSent) send(res, req.method, 500, 'text', 'internal error\n');
      else res.destroy();
    }
  };

  const server = createServer({ requireHostHeader: false }, handler);
  // PROXY protocol, explicit per listener (issue 4): read before HTTP sees a byte; the header's
  // source becomes the resolver's peer, the load balancer stays the socket's peer.
  const proxy = acceptProxyProtocol(server, {
    mode: options.proxyProtocol ?? 'off',
    ...(options.proxyProtocolTrusted === undefined ? {} : { trusted: options.proxyProtocolTrusted }),
    name: 'whoami',
    onOutcome: (event) => {
      const expected =
        event.outcome === 'accepted' ||
        event.outcome === 'passthrough' ||
        event.outcome === 'aborted' ||
        (event.outcome === 'missing' && options.proxyProtocol === 'optional');
      if (expected) return;
      logger?.warn(
        {
          proxy_protocol: { outcome: event.outcome, reason: event.reason ?? null },
          peer: { ip: canonicalSocketAddress(event.peer), port: event.peerPort ?? null },
        },
        'PROXY protocol header refused',
      );
    },
  });
  // Malformed requests are the parser's job: Node's default 'clientError' handler answers
  // 400/408/431 and closes the socket.
  await listenOn(server, listen, port);
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}/`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
      grace.unref();
      server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closed;
  };
  return { url, address: bound.address, port: bound.port, server, close, proxyCounters: () => proxy.counters() };
}

function resolverOptionsOf(options: WhoamiOptions): ResolverOptions {
  const picked: { -readonly [K in keyof ResolverOptions]: ResolverOptions[K] } = {};
  if (options.semantics !== undefined) picked.semantics = options.semantics;
  if (options.trusted !== undefined) picked.trusted = options.trusted;
  if (options.trustAll !== undefined) picked.trustAll = options.trustAll;
  if (options.hops !== undefined) picked.hops = options.hops;
  if (options.header !== undefined) picked.header = options.header;
  if (options.recursive !== undefined) picked.recursive = options.recursive;
  return picked;
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Every value of header `lower` (lower-case) in wire order. */
function headerLines(rawHeaders: readonly string[], lower: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === lower) values.push(rawHeaders[i + 1]!);
  }
  return values;
}

function render(report: WhoamiReport, format: WhoamiFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'html') return renderHtml(report);
  return renderText(report);
}

function send(res: ServerResponse, method: string | undefined, status: number, format: WhoamiFormat, body: string) {
  const headers: Record<string, string | number> = {
    'Content-Type': `${MEDIA_TYPES[format]}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept',
  };
  if (format === 'html') headers['Content-Security-Policy'] = "default-src 'none'; style-src 'unsafe-inline'";
  res.writeHead(status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}

function ignore(): void {}

/** Log fields hold attacker text: JSON-escaped by pino, and cut short here. */
function cut(value: string): string {
  return value.length > 512 ? `${value.slice(0, 512)}…` : value;
}

/** For messages about a listen failure: the address as the user typed it, escaped. */
export function describeListen(listen: string, port: number): string {
  const host = listen.includes(':') ? `[${escapeControl(listen)}]` : escapeControl(listen);
  return `${host}:${port}`;
}
