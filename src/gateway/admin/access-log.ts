/**
 * The gateway's logs: one pino logger writing JSON lines through a batched asynchronous
 * destination (log-destination.ts: one array push per line, one write per event-loop turn), so a
 * request never waits for a write. Access-log field names are public API (STYLE.md): `client.ip`,
 * `client.port`, `peer.ip`, `forwarded.chain`, `resolve.reason`, `http.status`, `duration_ms`,
 * `request_id`, plus `listener`, `route`, `upstream`, `http.method`, `url.path`, `bytes_in`,
 * `bytes_out`, `policy`, `decision`, `error`.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { AccessRecord } from '../engine.ts';
import { createBatchedDestination } from './log-destination.ts';

export interface GatewayLogger {
  readonly logger: Logger;
  /** Writes buffered lines synchronously (last resort). */
  flush(): void;
  /** Resolves once buffered lines are written (shutdown). */
  drain(): Promise<void>;
  /** Lines dropped because stdout did not keep up. */
  dropped(): number;
}

/**
 * @param destination where lines go: a file descriptor (default 1, stdout) or a stream (tests).
 * @example const { logger } = createGatewayLogger('info'); logger.info({ port: 8080 }, 'listening');
 */
export function createGatewayLogger(level: string, destination: number | DestinationStream = 1): GatewayLogger {
  const batched = typeof destination === 'number' ? createBatchedDestination(destination) : null;
  const stream: DestinationStream = batched ?? (destination as DestinationStream);
  const logger = pino(
    {
      level,
      base: { service: 'sourceip-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  return {
    logger,
    flush() {
      batched?.flushSync();
    },
    drain: () => batched?.drain() ?? Promise.resolve(),
    dropped: () => batched?.dropped() ?? 0,
  };
}

/** One access-log line for a finished request. */
export function logAccess(logger: Logger, record: AccessRecord): void {
  logger.info(
    {
      listener: record.listener,
      route: record.route,
      upstream: record.upstream,
      'http.method': record.method,
      'url.path': record.path,
      'http.status': record.status,
      'client.ip': record.client,
      'client.port': record.clientPort,
      'peer.ip': record.peer,
      'peer.direct_ip': record.directPeer,
      'forwarded.chain': record.chain,
      'resolve.reason': record.reason,
      bytes_in: record.bytesIn,
      bytes_out: record.bytesOut,
      duration_ms: Math.round(record.durationMs * 1000) / 1000,
      request_id: record.requestId,
      policy: record.policy,
      decision: record.decision,
      error: record.error,
    },
    'request',
  );
}
