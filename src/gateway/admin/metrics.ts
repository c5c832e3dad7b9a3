/**
 * Prometheus metrics (prom-client) for the gateway, served on the admin listener only.
 * Names follow STYLE.md: prefix `sourceip_`, base units, `_total` on counters; labels come from
 * config names and the engine's fixed words, never from an address. The per-request pair lives in
 * typed arrays (request-stats.ts); the rarer counters use prom-client children cached per label set.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ProxyProtocolOutcome, UpstreamErrorKind } from '../types.ts';
import { createRequestStats } from './request-stats.ts';

/** Latency buckets (seconds): sub-millisecond proxying up to slow upstreams. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Bound on distinct values per free-text label (reason, kind); extra values count as `other`. */
const MAX_LABEL_VALUES = 64;

interface Child {
  inc(value?: number): void;
}

export interface LoadSample {
  readonly inFlight: number;
  readonly connections: number;
  readonly draining: boolean;
  /** Access-log lines dropped so far because stdout did not keep up. */
  readonly logDropped: number;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  request(listener: string, route: string, status: number, durationMs: number): void;
  proxyProtocol(listener: string, outcome: ProxyProtocolOutcome): void;
  spoofAttempt(listener: string): void;
  strictRefusal(listener: string, reason: string): void;
  upstreamError(route: string, kind: UpstreamErrorKind): void;
  badRequest(listener: string, kind: string): void;
  reload(result: 'success' | 'failure', generation?: number): void;
  /** Sampled on each scrape: requests in flight and open client connections. */
  setLoadSampler(sample: () => LoadSample): void;
}

/**
 * @example
 * const metrics = createMetrics('0.1.0');
 * metrics.request('public', 'default', 200, 1.2);
 * await metrics.registry.metrics(); // text exposition
 */
export function createMetrics(version: string, options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'sourceip_' });

  const requestStats = createRequestStats(registry, DURATION_BUCKETS);
  const upstreamErrors = new Counter({
    name: 'sourceip_upstream_errors_total',
    help: 'Upstream failures by route and kind (connect, timeout, reset, protocol)',
    labelNames: ['route', 'kind'],
    registers: [registry],
  });
  const proxyProtocol = new Counter({
    name: 'sourceip_proxy_protocol_total',
    help: 'PROXY protocol outcomes per connection, by listener',
    labelNames: ['listener', 'outcome'],
    registers: [registry],
  });
  const spoofs = new Counter({
    name: 'sourceip_spoof_attempts_total',
    help: 'Forwarding headers (X-Forwarded-For, X-Real-IP, …) received from untrusted peers and ignored',
    labelNames: ['listener'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'sourceip_strict_refusals_total',
    help: 'Requests where the strict resolver refused to name a client, by reason',
    labelNames: ['listener', 'reason'],
    registers: [registry],
  });
  const badRequests = new Counter({
    name: 'sourceip_bad_requests_total',
    help: 'Requests rejected as malformed or unsafe (request smuggling, limits), by kind',
    labelNames: ['listener', 'kind'],
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'sourceip_config_reloads_total',
    help: 'Configuration reloads (SIGHUP) by result; a failed reload keeps the running config',
    labelNames: ['result'],
    registers: [registry],
  });
  const generation = new Gauge({
    name: 'sourceip_config_generation',
    help: 'Generation number of the running configuration',
    registers: [registry],
  });
  const buildInfo = new Gauge({
    name: 'sourceip_build_info',
    help: 'Always 1; the version label names the running build',
    labelNames: ['version'],
    registers: [registry],
  });
  buildInfo.labels(version).set(1);
  reloads.labels('success').inc(0);
  reloads.labels('failure').inc(0);

  let sampler: () => LoadSample = () => ({ inFlight: 0, connections: 0, draining: false, logDropped: 0 });
  new Gauge({
    name: 'sourceip_in_flight_requests',
    help: 'Requests being processed now',
    registers: [registry],
    collect() {
      this.set(sampler().inFlight);
    },
  });
  new Gauge({
    name: 'sourceip_open_connections',
    help: 'Open client connections now',
    registers: [registry],
    collect() {
      this.set(sampler().connections);
    },
  });
  new Counter({
    name: 'sourceip_log_dropped_lines_total',
    help: 'Log lines dropped because stdout did not keep up (the buffer is bounded)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sampler().logDropped);
    },
  });
  new Gauge({
    name: 'sourceip_draining',
    help: '1 while the gateway drains after SIGTERM/SIGINT',
    registers: [registry],
    collect() {
      this.set(sampler().draining ? 1 : 0);
    },
  });

  const pair = new Map<string, Child>();
  const freeValues = new Map<string, Set<string>>();

  const bounded = (metric: string, value: string): string => {
    let seen = freeValues.get(metric);
    if (seen === undefined) {
      seen = new Set();
      freeValues.set(metric, seen);
    }
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES || !/^[a-z0-9][a-z0-9_-]{0,47}$/.test(value)) return 'other';
    seen.add(value);
    return value;
  };
  const counterChild = (counter: Counter<string>, metric: string, a: string, b?: string): Child => {
    const key = b === undefined ? `${metric}\u0000${a}` : `${metric}\u0000${a}\u0000${b}`;
    let child = pair.get(key);
    if (child === undefined) {
      child = b === undefined ? counter.labels(a) : counter.labels(a, b);
      pair.set(key, child);
    }
    return child;
  };

  return {
    registry,
    request(listener, route, status, durationMs) {
      requestStats.record(listener, route, status, durationMs);
    },
    proxyProtocol(listener, outcome) {
      counterChild(proxyProtocol, 'pp', listener, bounded('pp', outcome)).inc();
    },
    spoofAttempt(listener) {
      counterChild(spoofs, 'spoof', listener).inc();
    },
    strictRefusal(listener, reason) {
      counterChild(refusals, 'strict', listener, bounded('strict', reason)).inc();
    },
    upstreamError(route, kind) {
      counterChild(upstreamErrors, 'upstream', route, bounded('upstream', kind)).inc();
    },
    badRequest(listener, kind) {
      counterChild(badRequests, 'bad', listener, bounded('bad', kind)).inc();
    },
    reload(result, newGeneration) {
      reloads.labels(result).inc();
      if (newGeneration !== undefined) generation.set(newGeneration);
    },
    setLoadSampler(sample) {
      sampler = sample;
    },
  };
}
