/**
 * GCRA state in Redis, shared by every gateway replica: N replicas enforce one limit, not N.
 *
 * - One round trip per request: a Lua script, sent as EVALSHA (EVAL once after a NOSCRIPT, which
 *   also caches it on that server), reads the TAT, decides and writes it back atomically. We call
 *   EVALSHA ourselves rather than through ioredis `defineCommand`: measured, the wrapper cost
 *   ~5 µs of gateway CPU per request. It uses the
 *   Redis server's clock (`TIME`), so replicas with skewed clocks still share one timeline.
 *   The script returns the backlog (`tat - now`) and gcra.ts decides from it, exactly as the
 *   memory store does.
 * - Key expiry: the key is written with `PX` = the new backlog, the moment its state becomes
 *   the same as no state; idle clients cost Redis nothing.
 * - Cluster (one key per call, so any slot works) and Sentinel through ioredis' own support.
 * - Time budget: a call that has no answer after `timeoutMs` is rejected. One sweep timer runs
 *   while calls are in flight (ioredis `commandTimeout` arms a timer per command: ~5 µs each,
 *   measured); a call gives up between `timeoutMs - timeoutMs/4` and `timeoutMs`, never later.
 *   With the offline queue off a call while disconnected fails at once instead of waiting for a
 *   reconnect, and ioredis keeps reconnecting in the background (capped backoff), so the store
 *   recovers by itself.
 * - Requests gathered per event-loop turn: all keys asked for while the poll phase read the
 *   sockets are sent together at `setImmediate` (one write, ioredis auto-pipelining), and the
 *   requests for one key become one script call that decides them in order (`n` in the script).
 *   The result is exactly that of one call per request — the script is atomic and the n requests
 *   share the server's `now` — at a fraction of the round trips when one client sends many.
 *
 * Redis ≥ 5 is needed (scripts replicated by effects, so `TIME` before a write is allowed).
 */
import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { type GcraDecision, type GcraParams, gcraDecide } from './gcra.ts';
import { type RateLimitStore, StoreUnavailableError } from './store.ts';

/**
 * KEYS[1] = key; ARGV[1] = interval µs; ARGV[2] = tolerance µs; ARGV[3] = n, requests for this key
 * decided at once (same server time, one after the other: once one is refused so are the rest).
 * Returns the backlog before them (µs, as a decimal string: Lua numbers are doubles, exact up to
 * 2^53 µs); the caller replays the n decisions with gcraDecide from it.
 */
export const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local n = tonumber(ARGV[3]) or 1
local tat = tonumber(redis.call('GET', KEYS[1]))
local backlog = 0
if tat and tat > now then backlog = tat - now end
local b = backlog
for i = 1, n do
  if b + interval > tolerance then break end
  b = b + interval
end
if b > backlog then
  redis.call('SET', KEYS[1], string.format('%.0f', now + b), 'PX', math.ceil(b / 1000))
end
return string.format('%.0f', backlog)
`;

const GCRA_SHA = createHash('sha1').update(GCRA_LUA).digest('hex');

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

/** One request waiting for Redis: rejected by the sweep once past its deadline. */
interface Pending {
  readonly start: number;
  settled: boolean;
  resolve: (decision: GcraDecision) => void;
  reject: (error: StoreUnavailableError) => void;
}

/** The requests for one key gathered during one event-loop turn: one script call decides them all. */
interface Batch {
  readonly key: string;
  readonly params: GcraParams;
  readonly waiting: Pending[];
}

/**
 * @example
 * const store = new RedisStore({ url: 'redis://127.0.0.1:6379', timeoutMs: 50 });
 * await store.take('api|192.0.2.1', gcraParams(100, 60_000));
 */
export class RedisStore implements RateLimitStore {
  readonly kind = 'redis' as const;
  readonly #client: Redis | Cluster;
  readonly #pending: Pending[] = [];
  /** Keys asked for since the last flush (cleared by the setImmediate flush). */
  #batches = new Map<string, Batch>();
  #flushScheduled = false;
  #sweeper: NodeJS.Timeout | null = null;
  /** A call is rejected once it has waited this long (budget minus one sweep period). */
  readonly #giveUpMs: number;
  readonly #sweepMs: number;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  #everReady = false;
  /** True once the first connection attempt succeeded or failed. */
  #firstAttemptDone = false;
  readonly #firstReady: Promise<void>;
  /** Settles when the first connection attempt succeeded or failed. */
  readonly #firstAttempt: Promise<void>;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'sourceip:rl:';
    this.#timeoutMs = options.timeoutMs;
    if (!(options.timeoutMs >= 1)) throw new RangeError('timeoutMs must be at least 1');
    const common: RedisOptions = {
      enableOfflineQueue: false,
      // Calls issued in the same event-loop turn (concurrent requests) share one write.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(1000, options.timeoutMs * 4),
      // Reconnect for ever, backing off to one attempt per second.
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
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
        enableAutoPipelining: true,
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
    this.#firstReady = new Promise<void>((resolve) => {
      client.once('ready', () => {
        this.#everReady = true;
        this.#firstAttemptDone = true;
        resolve();
      });
    });
    // The first connection attempt failed: from now on calls fail fast while disconnected
    // (waiting for a server that is down would add the whole budget to every request).
    this.#firstAttempt = new Promise<void>((resolve) => {
      const settle = (): void => {
        this.#firstAttemptDone = true;
        resolve();
      };
      for (const event of ['ready', 'reconnecting', 'end', 'error', 'node error']) client.once(event, settle);
    });
    this.#client = client;
    this.#sweepMs = Math.max(1, Math.floor(options.timeoutMs / 4));
    this.#giveUpMs = Math.max(1, options.timeoutMs - this.#sweepMs);
  }

  /** ioredis connection status (`ready`, `connecting`, `reconnecting`, …). */
  get status(): string {
    return this.#client.status;
  }

  /**
   * Resolves when the connection is ready (or rejects after `ms`). For start-up and tests; one
   * listener on the client serves every waiter.
   */
  ready(ms = 5000): Promise<void> {
    if (this.#client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new StoreUnavailableError('unreachable', `redis not connected within ${ms} ms`));
      }, ms);
      this.#firstReady.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  take(key: string, params: GcraParams): Promise<GcraDecision> {
    // During the first connection attempt, wait for it within the budget instead of failing at
    // once: requests arriving just after start-up are decided, not waved through (or refused).
    if (!this.#everReady) {
      if (this.#client.status === 'ready') this.#everReady = true;
      else if (!this.#firstAttemptDone) return this.#afterFirstAttempt().then(() => this.#take(key, params));
    }
    return this.#take(key, params);
  }

  /** Resolves when the first connection attempt is over, rejects once the budget is spent. */
  #afterFirstAttempt(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new StoreUnavailableError('unreachable', `redis not connected within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#firstAttempt.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #take(key: string, params: GcraParams): Promise<GcraDecision> {
    return new Promise<GcraDecision>((resolve, reject) => {
      const pending: Pending = { start: performance.now(), settled: false, resolve, reject };
      this.#pending.push(pending);
      if (this.#sweeper === null) {
        this.#sweeper = setInterval(() => this.#sweep(), this.#sweepMs);
        this.#sweeper.unref();
      }
      const full = this.#prefix + key;
      let batch = this.#batches.get(full);
      if (batch === undefined || batch.params !== params) {
        if (batch !== undefined) this.#send(batch); // same key, other parameters: decided on its own
        batch = { key: full, params, waiting: [] };
        this.#batches.set(full, batch);
      }
      batch.waiting.push(pending);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // After the poll phase: every request read from every socket in this turn is gathered,
        // and the calls go out together (ioredis auto-pipelining: one write).
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batches = this.#batches;
    this.#batches = new Map();
    for (const batch of batches.values()) this.#send(batch);
  }

  #send(batch: Batch): void {
    const { params, waiting } = batch;
    this.#script(batch.key, params, waiting.length).then(
      (backlog) => {
        // Replay the script's decisions in arrival order from the backlog it started from.
        let b = Number(backlog);
        for (const pending of waiting) {
          const decision = gcraDecide(b, params);
          if (decision.allowed) b = decision.backlogUs;
          if (pending.settled) continue;
          pending.settled = true;
          pending.resolve(decision);
        }
      },
      (error: unknown) => {
        const failure = classify(error, this.#timeoutMs);
        for (const pending of waiting) {
          if (pending.settled) continue;
          pending.settled = true;
          pending.reject(failure);
        }
      },
    );
  }

  /** EVALSHA; after a NOSCRIPT (a restarted or new server) one EVAL, which caches the script again. */
  #script(key: string, params: GcraParams, n: number): Promise<unknown> {
    const client = this.#client;
    return client.evalsha(GCRA_SHA, 1, key, params.intervalUs, params.toleranceUs, n).catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return client.eval(GCRA_LUA, 1, key, params.intervalUs, params.toleranceUs, n);
      }
      throw error;
    });
  }

  /** Rejects calls past their deadline; stops when nothing is in flight. */
  #sweep(): void {
    const queue = this.#pending;
    const now = performance.now();
    // Calls start in order, so the oldest are at the front; settled ones are dropped on the way.
    let drop = 0;
    while (drop < queue.length) {
      const head = queue[drop]!;
      if (!head.settled) {
        if (now - head.start < this.#giveUpMs) break;
        head.settled = true;
        head.reject(new StoreUnavailableError('timeout', `redis: no answer within ${this.#timeoutMs} ms`));
      }
      drop++;
    }
    if (drop > 0) queue.splice(0, drop);
    if (queue.length === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }

  async close(): Promise<void> {
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
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
