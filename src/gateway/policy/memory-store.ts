/**
 * In-process GCRA state with a hard cap on keys, so that a flood of distinct sources (random
 * IPv6 addresses, each its own /64) cannot grow memory without bound.
 *
 * The state of a key is its TAT in microseconds. A key whose TAT has passed holds no
 * information (it decides exactly like an absent key), so such entries are dropped first.
 * The Map's insertion order is the recency order: a key is moved to the end each time it is
 * used. When the map is full, the oldest few entries are examined: expired ones are
 * dropped; if none was expired, the least recently admitted key is evicted (and counted —
 * it starts again with a fresh budget, which is the price of the cap).
 */
import { type GcraDecision, type GcraParams, gcraDecide } from './gcra.ts';
import type { RateLimitStore } from './store.ts';

/** Microseconds on a monotonic clock (never goes back when the wall clock is set). */
export type MicrosecondClock = () => number;

export const monotonicMicros: MicrosecondClock = () => Math.floor(performance.now() * 1000);

/** Oldest entries examined for expiry when the map is full. */
const SCAN = 8;

export interface MemoryStoreOptions {
  readonly maxKeys: number;
  readonly clock?: MicrosecondClock;
  /** Called once per live key evicted to make room (metrics). */
  readonly onEvict?: () => void;
}

/**
 * @example
 * const store = new MemoryStore({ maxKeys: 100_000 });
 * store.take('api|192.0.2.1', gcraParams(10, 1000)); // { allowed: true, remaining: 9, … }
 */
export class MemoryStore implements RateLimitStore {
  readonly kind = 'memory' as const;
  readonly maxKeys: number;
  readonly #tat = new Map<string, number>();
  readonly #clock: MicrosecondClock;
  readonly #onEvict: (() => void) | undefined;

  constructor(options: MemoryStoreOptions) {
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1) {
      throw new RangeError('maxKeys must be a positive integer');
    }
    this.maxKeys = options.maxKeys;
    this.#clock = options.clock ?? monotonicMicros;
    this.#onEvict = options.onEvict;
  }

  /** Keys held now (never more than maxKeys). */
  get size(): number {
    return this.#tat.size;
  }

  take(key: string, params: GcraParams): GcraDecision {
    const now = this.#clock();
    const map = this.#tat;
    const tat = map.get(key);
    const decision = gcraDecide(tat === undefined ? 0 : tat - now, params);
    if (tat !== undefined) {
      // Any use (admitted or not) makes the key the most recent: a limited client that keeps
      // knocking is the last to be evicted, so flooding other keys cannot reset its budget.
      map.delete(key);
      map.set(key, decision.allowed ? now + decision.backlogUs : tat);
    } else if (decision.allowed) {
      if (map.size >= this.maxKeys) this.#makeRoom(now);
      map.set(key, now + decision.backlogUs);
    }
    return decision;
  }

  #makeRoom(now: number): void {
    const map = this.#tat;
    let seen = 0;
    let freed = false;
    for (const [key, tat] of map) {
      if (tat <= now) {
        map.delete(key);
        freed = true;
      }
      if (++seen >= SCAN) break;
    }
    if (freed) return;
    const oldest = map.keys().next();
    if (!oldest.done) {
      map.delete(oldest.value);
      this.#onEvict?.();
    }
  }

  async close(): Promise<void> {
    this.#tat.clear();
  }
}
