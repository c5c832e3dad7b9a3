/**
 * The gateway's logs: one pino logger writing JSON lines through an asynchronous
 * destination (sonic-boom: lines written while a write is pending are coalesced into the next one), so a
 * request never waits for a write. Access-log field
 * names are public API (STYLE.md): `client.ip`, `client.port`, `peer.ip`, `forwarded.chain`,
 * `resolve.reason`, `http.status`, `duration_ms`, `request_id`, plus `listener`, `route`,
 * `upstream`, `http.method`, `url.path`, `bytes_in`, `bytes_out`, `policy`, `decision`, `error`.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { AccessRecord } from '../engine.ts';

export interface GatewayLogger {
  readonly logger: Logger;
  /** Writes buffered lines now (at exit). */
  flush(): void;
}

/**
 * @param destination where lines go: a file descriptor (default 1, stdout) or a stream (tests).
 * @example const { logger } = createGatewayLogger('info'); logger.info({ port: 8080 }, 'listening');
 */
export function createGatewayLogger(level: string, destination: number | DestinationStream = 1): GatewayLogger {
  const stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false }) : destination;
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
      const sonic = stream as { flushSync?: () => void };
      try {
        sonic.flushSync?.();
      } catch {
        // Nothing buffered, or the descriptor is closed: nothing more to do at exit.
      }
    },
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
