/**
 * Policy metrics (prom-client), registered once per registry — the gateway's own registry,
 * served on the admin listener — and shared by every policy engine compiled from a reload.
 * Labels are config names and fixed words only; client addresses never become labels (the
 * bounded top-N of limited clients is served separately, top-n.ts).
 *
 * - `sourceip_policy_decisions_total{listener,route,policy,decision}`
 * - `sourceip_rate_limit_store_errors_total{store,reason}` (reason: timeout, unreachable, error)
 * - `sourceip_rate_limit_keyed_by_peer_total{policy}`: the resolver named no client, so the peer was the key
 * - `sourceip_rate_limit_evictions_total`: live in-memory keys evicted to stay under the cap
 * - `sourceip_rate_limit_memory_keys`: keys held by the in-memory store now
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PolicyDecision } from './types.ts';

interface Child {
  inc(value?: number): void;
}

interface DecisionCell {
  readonly labels: { listener: string; route: string; policy: string; decision: string };
  count: number;
  reported: number;
}

export interface PolicyMetrics {
  decision(listener: string, route: string, policy: string, decision: PolicyDecision): void;
  storeError(store: string, reason: string): void;
  keyedByPeer(policy: string): void;
  eviction(): void;
  /** Sampled on scrape: keys held by the in-memory store of the running engine. */
  setMemoryKeysSampler(sample: () => number): void;
}

/** Metrics that go nowhere (tests, benchmarks, a gateway without an admin listener). */
export const noopPolicyMetrics: PolicyMetrics = {
  decision() {},
  storeError() {},
  keyedByPeer() {},
  eviction() {},
  setMemoryKeysSampler() {},
};

const byRegistry = new WeakMap<Registry, PolicyMetrics>();

/**
 * The policy metrics on `registry` (created on first use, the same object afterwards).
 * @example const metrics = policyMetrics(gateway.metrics.registry);
 */
export function policyMetrics(registry: Registry): PolicyMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  // Counted per request in plain cells and handed to prom-client on scrape: a prom-client
  // child's inc() hashes its labels each call (~250 ns, measured), a cell increment is free.
  const cells: DecisionCell[] = [];
  new Counter({
    name: 'sourceip_policy_decisions_total',
    help: 'Policy decisions (allow, deny, limit, dry-run-deny, dry-run-limit, store-error-open, store-error-closed) by listener, route and policy',
    labelNames: ['listener', 'route', 'policy', 'decision'],
    registers: [registry],
    collect() {
      for (const cell of cells) {
        if (cell.count === cell.reported) continue;
        this.inc(cell.labels, cell.count - cell.reported);
        cell.reported = cell.count;
      }
    },
  });
  const storeErrors = new Counter({
    name: 'sourceip_rate_limit_store_errors_total',
    help: 'Rate-limit store calls that failed or ran past the time budget, by store and reason',
    labelNames: ['store', 'reason'],
    registers: [registry],
  });
  const keyedByPeer = new Counter({
    name: 'sourceip_rate_limit_keyed_by_peer_total',
    help: 'Requests counted under the direct peer because the resolver named no client',
    labelNames: ['policy'],
    registers: [registry],
  });
  const evictions = new Counter({
    name: 'sourceip_rate_limit_evictions_total',
    help: 'Live keys evicted from the in-memory rate-limit store to stay under maxMemoryKeys',
    registers: [registry],
  });
  let sampler: () => number = () => 0;
  new Gauge({
    name: 'sourceip_rate_limit_memory_keys',
    help: 'Keys held by the in-memory rate-limit store',
    registers: [registry],
    collect() {
      this.set(sampler());
    },
  });

  const children = new Map<string, Child>();
  const child = (key: string, make: () => Child): Child => {
    let c = children.get(key);
    if (c === undefined) {
      c = make();
      children.set(key, c);
    }
    return c;
  };
  // listener → route → policy → decision → child: per request a few lookups, no string building.
  const decisionCells = new Map<string, Map<string, Map<string, Map<string, DecisionCell>>>>();
  const level = <V>(map: Map<string, V>, key: string, make: () => V): V => {
    let value = map.get(key);
    if (value === undefined) {
      value = make();
      map.set(key, value);
    }
    return value;
  };
  const metrics: PolicyMetrics = {
    decision(listener, route, policy, decision) {
      const byRoute = level(decisionCells, listener, () => new Map());
      const byPolicy = level(byRoute, route, () => new Map());
      const byDecision = level(byPolicy, policy, () => new Map<string, DecisionCell>());
      level(byDecision, decision, () => {
        const cell: DecisionCell = { labels: { listener, route, policy, decision }, count: 0, reported: 0 };
        cells.push(cell);
        return cell;
      }).count++;
    },
    storeError(store, reason) {
      child(`e\u0000${store}\u0000${reason}`, () => storeErrors.labels(store, reason)).inc();
    },
    keyedByPeer(policy) {
      child(`p\u0000${policy}`, () => keyedByPeer.labels(policy)).inc();
    },
    eviction() {
      evictions.inc();
    },
    setMemoryKeysSampler(sample) {
      sampler = sample;
    },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
