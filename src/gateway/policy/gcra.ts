/**
 * GCRA — the Generic Cell Rate Algorithm (ITU-T I.371 virtual scheduling), used by every rate
 * limit of the gateway. Its whole state per key is one number, the theoretical arrival time
 * (TAT): the time at which the key's "bucket" would be empty again. A request at `now` is
 * admitted when, after adding one emission interval, the TAT lies no further ahead of `now`
 * than the burst tolerance. It is smooth (one request per interval once the burst is spent,
 * no window edges where twice the rate passes) and the burst is exact: `burst` requests at
 * once from a fresh key, never `burst + 1`.
 *
 * All times are integer microseconds, in JavaScript and in the Redis script alike
 * (redis-store.ts), so that both stores decide identically. This file is the one place that
 * turns a TAT into a decision; the Redis script only returns the backlog (`tat - now`).
 */

export interface GcraParams {
  /** Microseconds between two requests at the sustained rate (period / requests). */
  readonly intervalUs: number;
  /** `burst × intervalUs`: how far ahead of now the TAT may run. */
  readonly toleranceUs: number;
  /** Requests admitted at once from a fresh key. */
  readonly burst: number;
}

export interface GcraDecision {
  readonly allowed: boolean;
  /** Backlog after this request (`tat - now`, µs): what the store keeps (0 = the key is fresh). */
  readonly backlogUs: number;
  /** Requests still admitted right now (0–burst-1 when allowed, 0 when not). */
  readonly remaining: number;
  /**
   * Microseconds until `remaining` grows by one; when not allowed, until a request is admitted
   * again (the Retry-After). Always in (0, intervalUs].
   */
  readonly nextUs: number;
}

/**
 * GCRA parameters for `requests` per `periodMs` with `burst` (defaults to `requests`).
 * @example gcraParams(10, 1000, 20) // { intervalUs: 100000, toleranceUs: 2000000, burst: 20 }
 */
export function gcraParams(requests: number, periodMs: number, burst = requests): GcraParams {
  if (!(requests > 0) || !(periodMs > 0) || !(burst >= 1)) {
    throw new RangeError(`rate limit needs requests > 0, period > 0 and burst >= 1`);
  }
  const intervalUs = Math.max(1, Math.round((periodMs * 1000) / requests));
  const whole = Math.floor(burst);
  return { intervalUs, toleranceUs: intervalUs * whole, burst: whole };
}

/**
 * One request against a key whose backlog (`tat - now`, µs; ≤ 0 or absent = fresh) is known.
 * Pure: the caller stores `backlogUs` (as `now + backlogUs`) only when `allowed`.
 *
 * @example
 * const p = gcraParams(1, 1000, 2);
 * gcraDecide(0, p);            // allowed, remaining 1
 * gcraDecide(1_000_000, p);    // allowed, remaining 0
 * gcraDecide(2_000_000, p);    // not allowed, nextUs 1_000_000
 */
export function gcraDecide(backlogUs: number, p: GcraParams): GcraDecision {
  const backlog = Math.max(backlogUs, 0);
  const after = backlog + p.intervalUs;
  if (after > p.toleranceUs) {
    // Not admitted: the TAT is unchanged; one more request fits once the backlog has drained
    // to `tolerance - interval`.
    return { allowed: false, backlogUs: backlog, remaining: 0, nextUs: after - p.toleranceUs };
  }
  const slack = p.toleranceUs - after;
  const remaining = Math.floor(slack / p.intervalUs);
  return { allowed: true, backlogUs: after, remaining, nextUs: (remaining + 1) * p.intervalUs - slack };
}

/** Whole seconds for `Retry-After` / `t=`: rounded up, at least 1 (a client must not retry at once). */
export function ceilSeconds(us: number): number {
  const s = Math.ceil(us / 1_000_000);
  return Math.max(s, 1);
}
