/**
 * `compilePolicies(config, deps)`: the gateway configuration's access lists and rate limits,
 * compiled once per configuration generation into the {@link PolicyEngine} the request path asks
 * (`forListener` / `forRoute` → `PolicyChain.check`). Everything that can fail — a bad CIDR, an
 * unreadable range file, a Redis limit without a `redis:` section — fails here, as ConfigError.
 *
 * A chain runs the access list first (403 unless dry-run), then the rate limit. Decisions are
 * counted by listener, route, policy and decision; limited keys feed the bounded top-N.
 *
 * Each generation owns its stores: a reload starts the in-memory budgets afresh and reconnects
 * Redis (whose state, kept in Redis, survives the reload).
 *
 * @example
 * const engine = compilePolicies(config, { registry: metrics.registry, logger });
 * compileRuntime(config, { policies: engine });
 * // later: await engine.close();
 */
import type { Registry } from 'prom-client';
import { ConfigError } from '../../core/errors.ts';
import type { AccessListConfig, GatewayConfig, RateLimitConfig, RedisConfig } from '../config/types.ts';
import { getPreset, isPresetName, presetWarnings } from '../presets/preset.ts';
import { type AccessListFiles, type AccessReason, type CompiledAccessList, compileAccessList } from './access-list.ts';
import { MemoryStore, type MicrosecondClock } from './memory-store.ts';
import { noopPolicyMetrics, type PolicyMetrics, policyMetrics } from './metrics.ts';
import { type PolicyLogger, RateLimiter, type RateLimitKeyConfig, StoreHealth, silentLogger } from './rate-limit.ts';
import { RedisStore, type RedisStoreOptions } from './redis-store.ts';
import type { RateLimitStore } from './store.ts';
import { TopN } from './top-n.ts';
import type { PolicyChain, PolicyEngine, PolicyOutcome, PolicyRequest } from './types.ts';

/** Default cap of the in-memory store when the config has no `redis.maxMemoryKeys`. */
export const DEFAULT_MAX_MEMORY_KEYS = 100_000;

/** Redis options beyond {@link RedisConfig} (optional; see docs/policies.md). */
export interface RedisTopology {
  readonly sentinels?: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly sentinelName?: string;
  readonly cluster?: readonly string[];
}

export interface PolicyDeps {
  /** Registry to count decisions in (the gateway's admin registry). Without one nothing is counted. */
  readonly registry?: Registry;
  /** Metrics object to use instead of one built on `registry` (tests). */
  readonly metrics?: PolicyMetrics;
  readonly logger?: PolicyLogger;
  /** Shared across generations so the admin listener keeps one table (`/debug/top-limited`). */
  readonly top?: TopN;
  /** Clock of the in-memory store (tests inject one). */
  readonly clock?: MicrosecondClock;
  readonly env?: NodeJS.ProcessEnv;
}

export interface CompiledPolicies extends PolicyEngine {
  readonly top: TopN;
  readonly memoryStore: MemoryStore | null;
  readonly redisStore: RedisStore | null;
  /** Setup warnings (stale or client-settable CDN presets used in access lists). */
  readonly warnings: readonly string[];
  /** Resolves once the Redis store (if any) is connected; rejects after `ms`. */
  ready(ms?: number): Promise<void>;
}

type AccessConfig = AccessListConfig & AccessListFiles;
type LimitConfig = RateLimitConfig & RateLimitKeyConfig;

class Chain implements PolicyChain {
  readonly #access: CompiledAccessList | null;
  readonly #limiter: RateLimiter | null;
  readonly #metrics: PolicyMetrics;
  readonly #allow: PolicyOutcome;
  readonly #deny: Readonly<Record<AccessReason, PolicyOutcome>>;
  readonly #dryDeny: Readonly<Record<AccessReason, PolicyOutcome>>;

  constructor(scope: string, access: CompiledAccessList | null, limiter: RateLimiter | null, metrics: PolicyMetrics) {
    this.#access = access;
    this.#limiter = limiter;
    this.#metrics = metrics;
    const accessPolicy = `${scope}/access`;
    this.#allow = { allowed: true, status: 200, headers: [], policy: accessPolicy, decision: 'allow' };
    const reasons: AccessReason[] = ['peer-not-allowed', 'denied', 'not-allowed', 'client-unknown'];
    const deny: Partial<Record<AccessReason, PolicyOutcome>> = {};
    const dry: Partial<Record<AccessReason, PolicyOutcome>> = {};
    for (const reason of reasons) {
      const policy = `${accessPolicy}:${reason}`;
      deny[reason] = { allowed: false, status: 403, headers: [], policy, decision: 'deny' };
      dry[reason] = { allowed: true, status: 200, headers: [], policy, decision: 'dry-run-deny' };
    }
    this.#deny = deny as Record<AccessReason, PolicyOutcome>;
    this.#dryDeny = dry as Record<AccessReason, PolicyOutcome>;
  }

  check(request: PolicyRequest): PolicyOutcome | Promise<PolicyOutcome> {
    let dryRun: PolicyOutcome | null = null;
    if (this.#access !== null) {
      const reason = this.#access.check(request);
      if (reason !== null) {
        if (!this.#access.dryRun) return this.#count(request, this.#deny[reason]);
        dryRun = this.#dryDeny[reason];
      }
    }
    if (this.#limiter === null) return this.#count(request, dryRun ?? this.#allow);
    const result = this.#limiter.check(request);
    if (result instanceof Promise) return result.then((outcome) => this.#finish(request, outcome, dryRun));
    return this.#finish(request, result, dryRun);
  }

  #finish(request: PolicyRequest, outcome: PolicyOutcome, dryRun: PolicyOutcome | null): PolicyOutcome {
    // A dry-run deny is the more telling decision when the limit let the request through.
    if (dryRun !== null && outcome.decision === 'allow') {
      return this.#count(request, { ...dryRun, headers: outcome.headers });
    }
    return this.#count(request, outcome);
  }

  #count(request: PolicyRequest, outcome: PolicyOutcome): PolicyOutcome {
    this.#metrics.decision(request.listener, request.route, outcome.policy, outcome.decision);
    return outcome;
  }
}

/**
 * Compiles the policies of `config`. Throws ConfigError naming the key.
 */
export function compilePolicies(config: GatewayConfig, deps: PolicyDeps = {}): CompiledPolicies {
  const metrics = deps.metrics ?? (deps.registry ? policyMetrics(deps.registry) : noopPolicyMetrics);
  const logger = deps.logger ?? silentLogger;
  const top = deps.top ?? new TopN(100);
  const env = deps.env ?? process.env;
  const warnings: string[] = [];
  const presetsSeen = new Set<string>();

  const notePresets = (access: AccessConfig): void => {
    for (const entry of [...(access.allow ?? []), ...(access.deny ?? []), ...(access.peerAllow ?? [])]) {
      if (!isPresetName(entry) || presetsSeen.has(entry)) continue;
      presetsSeen.add(entry);
      // Only the range list matters here: the header is not read by an access list.
      for (const warning of presetWarnings(getPreset(entry, env), { headerOverwritten: true })) warnings.push(warning);
    }
  };

  let memoryStore: MemoryStore | null = null;
  let redisStore: RedisStore | null = null;
  const redisConfig = config.redis as (RedisConfig & RedisTopology) | undefined;
  const memoryHealth = new StoreHealth(logger, 'memory', 'open');
  let redisHealth: StoreHealth | null = null;

  const storeFor = (limit: LimitConfig, key: string): { store: RateLimitStore; health: StoreHealth } => {
    if (limit.store === 'redis') {
      if (redisConfig === undefined) {
        throw new ConfigError('store "redis" needs a top-level redis: section', { key: `${key}.store` });
      }
      if (redisStore === null) {
        const options: RedisStoreOptions = {
          url: redisConfig.url,
          timeoutMs: redisConfig.timeoutMs,
          ...(redisConfig.sentinels ? { sentinels: redisConfig.sentinels } : {}),
          ...(redisConfig.sentinelName ? { sentinelName: redisConfig.sentinelName } : {}),
          ...(redisConfig.cluster ? { cluster: redisConfig.cluster } : {}),
        };
        redisStore = new RedisStore(options);
        redisHealth = new StoreHealth(logger, 'redis', redisConfig.failMode);
      }
      return { store: redisStore, health: redisHealth! };
    }
    if (memoryStore === null) {
      memoryStore = new MemoryStore({
        maxKeys: redisConfig?.maxMemoryKeys ?? DEFAULT_MAX_MEMORY_KEYS,
        ...(deps.clock ? { clock: deps.clock } : {}),
        onEvict: () => metrics.eviction(),
      });
      const store = memoryStore;
      metrics.setMemoryKeysSampler(() => store.size);
    }
    return { store: memoryStore, health: memoryHealth };
  };

  const makeAccess = (access: AccessConfig | undefined, key: string): CompiledAccessList | null => {
    if (access === undefined) return null;
    notePresets(access);
    return compileAccessList(access, key);
  };

  // Trust profiles built on a CDN preset (or naming one in `trusted`): stale or empty lists, and a
  // header clients can set unless the CDN is configured to overwrite it (reference pitfalls 16, 17).
  for (const profile of config.trustProfiles) {
    const names = new Set(profile.trusted.filter(isPresetName));
    if (profile.preset !== undefined && isPresetName(profile.preset)) names.add(profile.preset);
    for (const name of names) {
      const preset = getPreset(name, env);
      const readsItsHeader = profile.header.toLowerCase() === preset.header.toLowerCase();
      for (const warning of presetWarnings(preset, {
        headerOverwritten: !readsItsHeader || profile.headerOverwritten === true,
      })) {
        warnings.push(`trust profile ${profile.name}: ${warning}`);
      }
    }
  }

  const listeners = new Map<string, Chain>();
  const routes = new Map<string, Chain>();
  try {
    for (const [i, listener] of config.listeners.entries()) {
      const access = makeAccess(listener.access as AccessConfig | undefined, `listeners[${i}].access`);
      if (access !== null) listeners.set(listener.name, new Chain(`listener:${listener.name}`, access, null, metrics));
    }
    for (const [i, route] of config.routes.entries()) {
      const access = makeAccess(route.access as AccessConfig | undefined, `routes[${i}].access`);
      let limiter: RateLimiter | null = null;
      const limit = route.rateLimit as LimitConfig | undefined;
      if (limit !== undefined) {
        const key = `routes[${i}].rateLimit`;
        const { store, health } = storeFor(limit, key);
        const failMode = store.kind === 'redis' ? (redisConfig?.failMode ?? 'open') : 'open';
        try {
          limiter = new RateLimiter(limit, `route:${route.name}/rate-limit`, { store, health, failMode, metrics, top });
        } catch (error) {
          throw new ConfigError(error instanceof Error ? error.message : String(error), { key });
        }
      }
      if (access !== null || limiter !== null) {
        routes.set(route.name, new Chain(`route:${route.name}`, access, limiter, metrics));
      }
    }
  } catch (error) {
    (redisStore as RedisStore | null)?.close().catch(() => {});
    throw error;
  }
  for (const warning of warnings) logger.warn({ source: 'policies' }, `config warning: ${warning}`);

  const redis = redisStore as RedisStore | null;
  const memory = memoryStore as MemoryStore | null;
  return {
    top,
    memoryStore: memory,
    redisStore: redis,
    warnings,
    forListener: (name) => listeners.get(name) ?? null,
    forRoute: (name) => routes.get(name) ?? null,
    ready: (ms = 5000) => (redis === null ? Promise.resolve() : redis.ready(ms)),
    async close() {
      await Promise.all([redis?.close(), memory?.close()]);
    },
  };
}
