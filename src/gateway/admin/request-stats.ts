/**
 * The two per-request metrics, `sourceip_requests_total{listener,route,code}` and the histogram
 * `sourceip_request_duration_seconds{listener,route}`, kept in typed arrays and rendered only
 * when Prometheus scrapes. prom-client's labelled children hash their label set on every call
 * (a string built per request); here a request is two map lookups and a few array increments.
 * The objects registered implement the part of prom-client's metric interface the registry
 * reads (`name`, `help`, `type`, `get()`), so the exposition format stays prom-client's.
 */
import type { Registry } from 'prom-client';

const CODES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

interface Stats {
  readonly listener: string;
  readonly route: string;
  readonly codes: Float64Array;
  /** Non-cumulative: buckets[i] counts observations in (bounds[i-1], bounds[i]]. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

export interface RequestStats {
  record(listener: string, route: string, status: number, durationMs: number): void;
}

/**
 * Registers both metrics on `registry`.
 * @example const stats = createRequestStats(registry, [0.005, 0.05, 0.5]); stats.record('public', 'default', 200, 3.2);
 */
export function createRequestStats(registry: Registry, bounds: readonly number[]): RequestStats {
  const byListener = new Map<string, Map<string, Stats>>();
  const all: Stats[] = [];
  const upper = Float64Array.from(bounds);

  const lookup = (listener: string, route: string): Stats => {
    let byRoute = byListener.get(listener);
    if (byRoute === undefined) {
      byRoute = new Map();
      byListener.set(listener, byRoute);
    }
    let stats = byRoute.get(route);
    if (stats === undefined) {
      stats = {
        listener,
        route,
        codes: new Float64Array(CODES.length),
        buckets: new Float64Array(upper.length),
        sum: 0,
        count: 0,
      };
      byRoute.set(route, stats);
      all.push(stats);
    }
    return stats;
  };

  const requestsName = 'sourceip_requests_total';
  const requestsHelp =
    'Requests answered, by listener, route and status class (code: 2xx, 4xx, …; none = connection lost first)';
  registry.registerMetric({
    name: requestsName,
    help: requestsHelp,
    type: 'counter',
    aggregator: 'sum',
    get: async () => {
      const values: MetricValue[] = [];
      for (const stats of all) {
        CODES.forEach((code, index) => {
          values.push({ value: stats.codes[index]!, labels: { listener: stats.listener, route: stats.route, code } });
        });
      }
      return { name: requestsName, help: requestsHelp, type: 'counter', aggregator: 'sum', values };
    },
  } as never);

  const durationName = 'sourceip_request_duration_seconds';
  const durationHelp = 'Time from the request head to the last response byte, by listener and route';
  registry.registerMetric({
    name: durationName,
    help: durationHelp,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: MetricValue[] = [];
      for (const stats of all) {
        let cumulative = 0;
        for (let i = 0; i < upper.length; i++) {
          cumulative += stats.buckets[i]!;
          values.push({
            metricName: `${durationName}_bucket`,
            value: cumulative,
            labels: { le: upper[i]!, listener: stats.listener, route: stats.route },
          });
        }
        const labels = { listener: stats.listener, route: stats.route };
        values.push({ metricName: `${durationName}_bucket`, value: stats.count, labels: { le: '+Inf', ...labels } });
        values.push({ metricName: `${durationName}_sum`, value: stats.sum, labels });
        values.push({ metricName: `${durationName}_count`, value: stats.count, labels });
      }
      return { name: durationName, help: durationHelp, type: 'histogram', aggregator: 'sum', values };
    },
  } as never);

  return {
    record(listener, route, status, durationMs) {
      const stats = lookup(listener, route);
      stats.codes[status >= 100 && status < 600 ? (status / 100) | 0 : 0]! += 1;
      const seconds = durationMs / 1000;
      for (let i = 0; i < upper.length; i++) {
        if (seconds <= upper[i]!) {
          stats.buckets[i]! += 1;
          break;
        }
      }
      stats.sum += seconds;
      stats.count += 1;
    },
  };
}
