/**
 * One route's rate limit: GCRA (gcra.ts) over a store (memory or Redis), keyed by the resolved
 * client (client-key.ts), answering 429 with `Retry-After` and the IETF RateLimit fields.
 *
 * Header syntax follows draft-ietf-httpapi-ratelimit-headers-11 (May 2026), §3 and §4:
 *   RateLimit-Policy: "api";q=100;w=60;sourceip-burst=20
 *   RateLimit: "api";r=17;t=1
 * `q`/`w` give the sustained quota over the configured period (whole seconds, as the draft
 * requires); `r` is what may be sent right now; `t` is the seconds until `r` grows by one — the
 * window in which the client can use no more than `r` — rounded up. On a 429 `t` equals
 * `Retry-After`. Dry-run limits add no header: they must not change what clients see.
 *
 * When the store fails (Redis down or slower than its budget) the limit fails open (request
 * passes, decision `store-error-open`) or closed (503, `store-error-closed`) as configured; the
 * failure is counted per request and logged once per incident, and the recovery is logged too.
 */
import type { RateLimitConfig } from '../config/types.ts';
import { requestKey } from './client-key.ts';
import { ceilSeconds, type GcraDecision, type GcraParams, gcraParams } from './gcra.ts';
import type { PolicyMetrics } from './metrics.ts';
import { type RateLimitStore, StoreUnavailableError } from './store.ts';
import type { TopN } from './top-n.ts';
import type { PolicyOutcome, PolicyRequest } from './types.ts';

/** The few logger methods policies use (pino's signature). */
export interface PolicyLogger {
  warn(object: Record<string, unknown>, message: string): void;
  info(object: Record<string, unknown>, message: string): void;
}

export const silentLogger: PolicyLogger = { warn() {}, info() {} };

/**
 * Tracks one store's incidents: the first failure after a success is logged (warn), later ones
 * only counted, and the first success after failures is logged (info) with the count.
 */
export class StoreHealth {
  readonly #logger: PolicyLogger;
  readonly #store: string;
  readonly #failMode: 'open' | 'closed';
  #down = false;
  #since = 0;
  #failures = 0;

  constructor(logger: PolicyLogger, store: string, failMode: 'open' | 'closed') {
    this.#logger = logger;
    this.#store = store;
    this.#failMode = failMode;
  }

  get isDown(): boolean {
    return this.#down;
  }

  failed(error: StoreUnavailableError): void {
    this.#failures++;
    if (this.#down) return;
    this.#down = true;
    this.#since = Date.now();
    this.#logger.warn(
      { store: this.#store, reason: error.why, failMode: this.#failMode, err: error.message },
      `rate-limit store unavailable: failing ${this.#failMode} until it answers again (logged once per incident)`,
    );
  }

  succeeded(): void {
    if (!this.#down) return;
    this.#logger.info(
      { store: this.#store, failedRequests: this.#failures, downMs: Date.now() - this.#since },
      'rate-limit store answering again',
    );
    this.#down = false;
    this.#failures = 0;
  }
}

export interface RateLimiterDeps {
  readonly store: RateLimitStore;
  readonly health: StoreHealth;
  readonly failMode: 'open' | 'closed';
  readonly metrics: PolicyMetrics;
  readonly top: TopN;
}

/** Optional key part (issue 8: "optionally by another request property"). */
export interface RateLimitKeyConfig {
  /**
   * Header whose value is added to the client key (e.g. `X-Api-Key`). It splits the client's
   * budget: a client that changes the value gets a new budget, so use it only with a header
   * verified before the limit (docs/policies.md).
   */
  readonly keyHeader?: string;
}

/**
 * @example
 * const limiter = new RateLimiter(route.rateLimit, 'route:api/rate-limit', deps);
 * const outcome = await limiter.check(request); // 429 + Retry-After once the burst is spent
 */
export class RateLimiter {
  readonly policy: string;
  readonly name: string;
  readonly params: GcraParams;
  readonly dryRun: boolean;
  readonly #deps: RateLimiterDeps;
  readonly #ipv6Prefix: number;
  readonly #header: string | undefined;
  readonly #policyHeader: readonly [string, string];
  readonly #storeErrorOutcome: PolicyOutcome;

  constructor(config: RateLimitConfig & RateLimitKeyConfig, policy: string, deps: RateLimiterDeps) {
    this.policy = policy;
    this.name = config.name;
    this.params = gcraParams(config.requests, config.periodMs, config.burst);
    this.dryRun = config.dryRun === true;
    this.#deps = deps;
    this.#ipv6Prefix = config.ipv6Prefix;
    this.#header = config.keyHeader?.toLowerCase();
    const w = Math.max(1, Math.round(config.periodMs / 1000));
    const q = Math.max(1, Math.round((config.requests * w * 1000) / config.periodMs));
    this.#policyHeader = ['ratelimit-policy', `"${config.name}";q=${q};w=${w};sourceip-burst=${this.params.burst}`];
    this.#storeErrorOutcome =
      deps.failMode === 'open'
        ? { allowed: true, status: 200, headers: [], policy, decision: 'store-error-open' }
        : { allowed: false, status: 503, headers: [['retry-after', '1']], policy, decision: 'store-error-closed' };
  }

  check(request: PolicyRequest): PolicyOutcome | Promise<PolicyOutcome> {
    const { key, by } = requestKey(
      request,
      this.#header === undefined
        ? { ipv6Prefix: this.#ipv6Prefix }
        : { ipv6Prefix: this.#ipv6Prefix, header: this.#header },
    );
    if (by !== 'client') this.#deps.metrics.keyedByPeer(this.policy);
    let result: GcraDecision | Promise<GcraDecision>;
    try {
      result = this.#deps.store.take(`${this.name}|${key}`, this.params);
    } catch (error) {
      return this.#storeError(error);
    }
    if (result instanceof Promise) {
      return result.then(
        (decision) => {
          this.#deps.health.succeeded();
          return this.#outcome(decision, key);
        },
        (error: unknown) => this.#storeError(error),
      );
    }
    return this.#outcome(result, key);
  }

  #outcome(decision: GcraDecision, key: string): PolicyOutcome {
    const t = ceilSeconds(decision.nextUs);
    if (decision.allowed) {
      if (this.dryRun) return { allowed: true, status: 200, headers: [], policy: this.policy, decision: 'allow' };
      return {
        allowed: true,
        status: 200,
        headers: [this.#policyHeader, ['ratelimit', `"${this.name}";r=${decision.remaining};t=${t}`]],
        policy: this.policy,
        decision: 'allow',
      };
    }
    this.#deps.top.record(key, this.policy);
    if (this.dryRun) return { allowed: true, status: 200, headers: [], policy: this.policy, decision: 'dry-run-limit' };
    return {
      allowed: false,
      status: 429,
      headers: [this.#policyHeader, ['ratelimit', `"${this.name}";r=0;t=${t}`], ['retry-after', String(t)]],
      policy: this.policy,
      decision: 'limit',
    };
  }

  #storeError(error: unknown): PolicyOutcome {
    const failure =
      error instanceof StoreUnavailableError
        ? error
        : new StoreUnavailableError('error', error instanceof Error ? error.message : String(error));
    this.#deps.metrics.storeError(this.#deps.store.kind, failure.why);
    this.#deps.health.failed(failure);
    return this.#storeErrorOutcome;
  }
}
