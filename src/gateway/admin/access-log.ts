/**
 * The gateway's logs: one pino logger writing JSON lines through a batched asynchronous
 * destination (log-destination.ts: one array push per line, one write per event-loop turn), so a
 * request never waits for a write. Access-log field names are public API (STYLE.md): `client.ip`,
 * `client.port`, `peer.ip`, `forwarded.chain`, `resolve.reason`, `http.status`, `duration_ms`,
 * `request_id`, plus `listener`, `route`, `upstream`, `http.method`, `url.path`, `bytes_in`,
 * `bytes_out`, `policy`, `decision`, `error`.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { AccessRecord } from '../types.ts';
import { createBatchedDestination } from './log-destination.ts';

export interface GatewayLogger {
  readonly logger: Logger;
  /**
   * Writes one access-log line built by hand (formatAccessLine), when the logger's level lets
   * `info` through: the same JSON as `logAccess` through pino, at a fraction of the cost.
   */
  access(record: AccessRecord): void;
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
  const write = batched
    ? (line: string) => batched.write(line)
    : (line: string) => {
        (destination as DestinationStream).write(line);
      };
  return {
    logger,
    access(record) {
      if (logger.levelVal > INFO) return;
      write(formatAccessLine(record, isoNow()));
    },
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

const INFO = 30;
/** Everything before the first access field: what pino writes for `level`, `time` and `base`. */
const PREFIX = '{"level":"info","time":"';
const BASE = '","service":"sourceip-gateway"';

let lastMs = -1;
let lastIso = '';
/** `new Date().toISOString()`, built once per millisecond (many requests share one). */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * A JSON string literal: the text between quotes when nothing needs escaping (the usual case),
 * else JSON.stringify (control characters, quotes, backslashes, lone surrogates: attacker text).
 */
function str(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

function strOrNull(value: string | null): string {
  return value === null ? 'null' : str(value);
}

function num(value: number | null): string {
  return value !== null && Number.isFinite(value) ? `${value}` : 'null';
}

/**
 * The access-log line `logAccess` writes through pino (same keys, same order, same values),
 * concatenated directly: pino's generic serialisation walks and escapes an object per request.
 * `access-log.test.ts` pins both to the same output.
 * @example formatAccessLine(record, new Date().toISOString()) // '{"level":"info","time":"…",…,"msg":"request"}\n'
 */
export function formatAccessLine(record: AccessRecord, time: string): string {
  let chain = '[';
  for (let i = 0; i < record.chain.length; i++) chain += (i === 0 ? '' : ',') + str(record.chain[i]!);
  chain += ']';
  return `${PREFIX}${time}${BASE},"listener":${str(record.listener)},"route":${str(record.route)},"upstream":${str(
    record.upstream,
  )},"http.method":${str(record.method)},"url.path":${str(record.path)},"http.status":${num(
    record.status,
  )},"client.ip":${strOrNull(record.client)},"client.port":${num(record.clientPort)},"peer.ip":${strOrNull(
    record.peer,
  )},"peer.direct_ip":${strOrNull(record.directPeer)},"forwarded.chain":${chain},"resolve.reason":${str(
    record.reason,
  )},"bytes_in":${num(record.bytesIn)},"bytes_out":${num(record.bytesOut)},"duration_ms":${num(
    Math.round(record.durationMs * 1000) / 1000,
  )},"request_id":${str(record.requestId)},"policy":${str(record.policy)},"decision":${str(
    record.decision,
  )},"error":${str(record.error)},"msg":"request"}\n`;
}
