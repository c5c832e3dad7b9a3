/**
 * The engine's GatewayObserver, implemented with the access log and the metrics. Every method
 * is wrapped so that a logging or metrics failure can never reach the request path.
 */
import type { Logger } from 'pino';
import type { AccessRecord, GatewayObserver } from '../types.ts';
import { logAccess } from './access-log.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface ObserverSettings {
  /** `log.access` of the running config; changed on reload. */
  accessLog: boolean;
}

/** @example const observer = createObserver(logger, metrics, { accessLog: true }); createListener(l, get, observer); */
export function createObserver(
  logger: Logger,
  metrics: GatewayMetrics,
  settings: ObserverSettings,
  /** The hand-built access line (GatewayLogger.access); without it, pino's `logAccess`. */
  access: (record: AccessRecord) => void = (record) => logAccess(logger, record),
): GatewayObserver {
  let reported = false;
  const guard = (error: unknown): void => {
    if (reported) return;
    reported = true;
    try {
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'observer failed (further failures not logged)',
      );
    } catch {
      // The logger itself failed: stay silent rather than disturb the request path.
    }
  };
  return {
    requestDone(record: AccessRecord) {
      try {
        metrics.request(record.listener, record.route, record.status, record.durationMs);
        if (settings.accessLog) access(record);
      } catch (error) {
        guard(error);
      }
    },
    proxyProtocol(listener, outcome) {
      try {
        metrics.proxyProtocol(listener, outcome);
      } catch (error) {
        guard(error);
      }
    },
    spoofAttempt(listener, _header) {
      try {
        metrics.spoofAttempt(listener);
      } catch (error) {
        guard(error);
      }
    },
    strictRefusal(listener, reason) {
      try {
        metrics.strictRefusal(listener, reason);
      } catch (error) {
        guard(error);
      }
    },
    upstreamError(route, kind) {
      try {
        metrics.upstreamError(route, kind);
      } catch (error) {
        guard(error);
      }
    },
    badRequest(listener, kind) {
      try {
        metrics.badRequest(listener, kind);
      } catch (error) {
        guard(error);
      }
    },
  };
}
