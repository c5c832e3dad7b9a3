/**
 * The clients limited most often, in bounded memory: the Space-Saving algorithm (Metwally,
 * Agrawal, El Abbadi, "Efficient Computation of Frequent and Top-k Elements in Data Streams",
 * ICDT 2005). At most `capacity` keys are held; a new key replaces the one with the smallest
 * count and inherits that count as its possible over-estimate (`error`). Every key limited more
 * than `total / capacity` times is guaranteed to be in the table, so a flood of distinct keys
 * cannot push the real heavy hitters out, and memory stays fixed.
 *
 * Served on the admin listener only (`/debug/top-limited`): keys are client addresses, which
 * never go into metrics labels.
 */

export interface TopEntry {
  readonly key: string;
  /** Times limited (an upper bound: `count - error` is a lower bound). */
  readonly count: number;
  readonly error: number;
  /** Policy that limited it most recently. */
  readonly policy: string;
}

interface Slot {
  count: number;
  error: number;
  policy: string;
}

/**
 * @example
 * const top = new TopN(50);
 * top.record('198.51.100.7', 'route:api/rate-limit');
 * top.snapshot(10); // [{ key: '198.51.100.7', count: 1, error: 0, policy: 'route:api/rate-limit' }]
 */
export class TopN {
  readonly capacity: number;
  #total = 0;
  readonly #slots = new Map<string, Slot>();

  constructor(capacity = 100) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
  }

  /** Limited events recorded since start. */
  get total(): number {
    return this.#total;
  }

  get size(): number {
    return this.#slots.size;
  }

  record(key: string, policy: string): void {
    this.#total++;
    const slots = this.#slots;
    const slot = slots.get(key);
    if (slot !== undefined) {
      slot.count++;
      slot.policy = policy;
      return;
    }
    if (slots.size < this.capacity) {
      slots.set(key, { count: 1, error: 0, policy });
      return;
    }
    let minKey = '';
    let min: Slot | undefined;
    for (const [k, s] of slots) {
      if (min === undefined || s.count < min.count) {
        min = s;
        minKey = k;
      }
    }
    slots.delete(minKey);
    slots.set(key, { count: min!.count + 1, error: min!.count, policy });
  }

  /** The `limit` most limited keys, highest count first. */
  snapshot(limit = this.capacity): TopEntry[] {
    const out: TopEntry[] = [];
    for (const [key, s] of this.#slots) out.push({ key, count: s.count, error: s.error, policy: s.policy });
    out.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
    return out.slice(0, limit);
  }

  clear(): void {
    this.#slots.clear();
    this.#total = 0;
  }
}
