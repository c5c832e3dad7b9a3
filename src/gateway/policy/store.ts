/**
 * The small interface between a rate limit and where its GCRA state lives: in this process
 * (memory-store.ts, bounded) or in Redis, shared by every replica (redis-store.ts). A store
 * applies one request to one key atomically and answers with the GCRA decision.
 */
import type { GcraDecision, GcraParams } from './gcra.ts';

export interface RateLimitStore {
  /** `memory` or `redis`: used in metrics labels and logs. */
  readonly kind: 'memory' | 'redis';
  /**
   * Applies one request to `key`. A memory store answers synchronously; the Redis store answers
   * within its time budget or rejects with {@link StoreUnavailableError}.
   */
  take(key: string, params: GcraParams): GcraDecision | Promise<GcraDecision>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** The store could not answer in time (unreachable, slow, script error). */
export class StoreUnavailableError extends Error {
  readonly why: 'timeout' | 'unreachable' | 'error';
  constructor(why: 'timeout' | 'unreachable' | 'error', message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
    this.why = why;
  }
}
