/**
 * GCRA state in Redis, shared by every gateway replica: N replicas enforce one limit, not N.
 *
 * - One round trip per request: a Lua script (ioredis `defineCommand`, sent as EVALSHA, EVAL
 *   only after a NOSCRIPT) reads the TAT, decides and writes it back atomically. It uses the
 *   Redis server's clock (`TIME`), so replicas with skewed clocks still share one timeline.
 *   The script returns the backlog (`tat - now`) and gcra.ts decides from it, exactly as the
 *   memory store does.
 * - Key expiry: the key is written with `PX` = the new backlog, the moment its state becomes
 *   the same as no state; idle clients cost Redis nothing.
 * - Cluster (one key per call, so any slot works) and Sentinel through ioredis' own support.
 * - Time budget: `timeoutMs` per call (ioredis `commandTimeout`); with the offline queue off a
 *   call while disconnected fails at once instead of waiting for a reconnect, and ioredis keeps
 *   reconnecting in the background (capped backoff) so the store recovers by itself.
 *
 * Redis ≥ 5 is needed (scripts replicated by effects, so `TIME` before a write is allowed).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { type GcraDecision, type GcraParams, gcraDecide } from './gcra.ts';
import { type RateLimitStore, StoreUnavailableError } from './store.ts';

/**
 * KEYS[1] = key; ARGV[1] = interval µs; ARGV[2] = tolerance µs. Returns the backlog before this
 * request (µs, as a decimal string: Lua numbers are doubles, exact up to 2^53 µs).
 */
export const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
local backlog = 0
if tat and tat > now then backlog = tat - now end
local after = backlog + tonumber(ARGV[1])
if after <= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], string.format('%.0f', now + after), 'PX', math.ceil(after / 1000))
end
return string.format('%.0f', backlog)
`;

export interface RedisStoreOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`; with sentinels/cluster it supplies credentials/TLS only. */
  readonly url: string;
  readonly timeoutMs: number;
  /** Sentinel mode: the sentinels and the master group name. */
  readonly sentinels?: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly sentinelName?: string;
  /** Cluster mode: seed nodes `host:port`. */
  readonly cluster?: readonly string[];
  /** Prefix of every key (default `sourceip:rl:`). */
  readonly keyPrefix?: string;
}

type GcraClient = (Redis | Cluster) & {
  sourceipGcra(key: string, intervalUs: number, toleranceUs: number): Promise<string>;
};

const SCRIPTS = { sourceipGcra: { numberOfKeys: 1, lua: GCRA_LUA } };

/**
 * @example
 * const store = new RedisStore({ url: 'redis://127.0.0.1:6379', timeoutMs: 50 });
 * await store.take('api|192.0.2.1', gcraParams(100, 60_000));
 */
export class RedisStore implements RateLimitStore {
  readonly kind = 'redis' as const;
  readonly #client: GcraClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  #everReady = false;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'sourceip:rl:';
    this.#timeoutMs = options.timeoutMs;
    const common: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(1000, options.timeoutMs * 4),
      // Reconnect for ever, backing off to one attempt per second.
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
      scripts: SCRIPTS,
    };
    let client: Redis | Cluster;
    if (options.cluster !== undefined && options.cluster.length > 0) {
      const nodes = options.cluster.map((node) => {
        const colon = node.lastIndexOf(':');
        return { host: node.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(node.slice(colon + 1)) };
      });
      const url = new URL(options.url);
      client = new Cluster(nodes, {
        enableOfflineQueue: false,
        scripts: SCRIPTS,
        clusterRetryStrategy: (times: number) => Math.min(50 * times, 1000),
        redisOptions: {
          ...common,
          ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
          ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
          ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
        },
      });
    } else if (options.sentinels !== undefined && options.sentinels.length > 0) {
      const url = new URL(options.url);
      client = new Redis({
        ...common,
        sentinels: options.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: options.sentinelName ?? 'mymaster',
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      });
    } else {
      client = new Redis(options.url, common);
    }
    // Errors are reported per call (and logged once per incident by the rate limiter); the
    // client's own 'error' events would otherwise crash the process as unhandled.
    client.on('error', () => {});
    client.once('ready', () => {
      this.#everReady = true;
    });
    this.#client = client as GcraClient;
  }

  /** ioredis connection status (`ready`, `connecting`, `reconnecting`, …). */
  get status(): string {
    return this.#client.status;
  }

  /** Resolves when the connection is ready (or rejects after `ms`). For start-up and tests. */
  ready(ms = 5000): Promise<void> {
    if (this.#client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#client.off('ready', onReady);
        reject(new StoreUnavailableError('unreachable', `redis not connected within ${ms} ms`));
      }, ms);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#client.once('ready', onReady);
    });
  }

  take(key: string, params: GcraParams): Promise<GcraDecision> {
    // Until the first connection is up, wait for it within the budget instead of failing at once:
    // requests arriving just after start-up are decided, not waved through (or refused).
    if (!this.#everReady) {
      if (this.#client.status !== 'ready') return this.ready(this.#timeoutMs).then(() => this.#take(key, params));
      this.#everReady = true;
    }
    return this.#take(key, params);
  }

  #take(key: string, params: GcraParams): Promise<GcraDecision> {
    return this.#client.sourceipGcra(this.#prefix + key, params.intervalUs, params.toleranceUs).then(
      (backlog) => gcraDecide(Number(backlog), params),
      (error: unknown) => {
        throw classify(error, this.#timeoutMs);
      },
    );
  }

  async close(): Promise<void> {
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }
}

function classify(error: unknown, timeoutMs: number): StoreUnavailableError {
  const message = error instanceof Error ? error.message : String(error);
  if (/timed out/i.test(message))
    return new StoreUnavailableError('timeout', `redis: no answer within ${timeoutMs} ms`);
  if (/writeable|offline queue|connection|ECONNREFUSED|ECONNRESET|closed|max retries/i.test(message)) {
    return new StoreUnavailableError('unreachable', `redis unreachable: ${message.slice(0, 120)}`);
  }
  return new StoreUnavailableError('error', `redis error: ${message.slice(0, 120)}`);
}
