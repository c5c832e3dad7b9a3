/**
 * `hops` — the client is the n-th entry from the right of the list header (n = `hops`, n ≥ 1:
 * 1 = the rightmost entry, the address the peer itself appended; the peer is not counted —
 * realclientip-go RightmostTrustedCount, *not* Envoy's HCM count, reference pitfall 7).
 * Peer-gated: the peer must be in `trusted`, else it is the client (`untrusted-peer`).
 * Entries right of the target are positions only (neither parsed nor trust-checked); an invalid
 * target refuses (`invalid-entry`, never skipping); a chain shorter than n refuses
 * (`chain-too-short`, not "leftmost" as Express does). Prefer `strict`: counts break silently
 * when the topology changes (reference pitfall 6).
 */
import { ForwardedCursor } from '../headers/forwarded.ts';
import { ListHeaderCursor } from '../headers/forwarded-for.ts';
import type { Resolver } from './types.ts';
import { createWalk, refusingWalkConfig, resolverFromWalk, type TrustContext } from './walk.ts';

/**
 * @example
 * // createResolver({ semantics: 'hops', hops: 2, trusted: ['10.0.0.0/8'] })
 * // XFF '1.1.1.1, 2.2.2.2, 3.3.3.3' from 10.0.0.2 ⇒ '2.2.2.2' (hop-count)
 */
export function createHopsResolver(ctx: TrustContext): Resolver {
  const hops = ctx.options.hops ?? 1;
  const cursor =
    ctx.header.toLowerCase() === 'forwarded'
      ? new ForwardedCursor(ctx.header, Math.max(ctx.maxEntries, hops))
      : new ListHeaderCursor(ctx.header);
  const walk = createWalk(
    refusingWalkConfig(ctx, { recursive: true, hops, maxEntries: Math.max(ctx.maxEntries, hops) }),
    cursor,
  );
  return resolverFromWalk(ctx, walk);
}
