/**
 * `strict` — the default and the recommended strategy. Peer-gated rightmost-untrusted
 * (realclientip-go RightmostTrustedRange, after its PR #11), failing closed:
 *
 * - untrusted peer ⇒ the peer is the client (`untrusted-peer`): its headers are not evidence;
 * - trusted peer, no header ⇒ the peer is the client (`trusted-peer-no-header`): a trusted proxy
 *   that forwards nothing is itself the origin of the request (health checks, its own calls);
 * - otherwise walk right→left and answer the first untrusted entry (`rightmost-untrusted`);
 * - refuse (`client: null`) where nginx would guess: invalid/empty entry at the decision point
 *   (`invalid-entry`), `unknown` (`unknown-entry`), every entry trusted (`all-trusted`), more than
 *   64 entries walked (`too-many-entries`), a line over 8 KiB (`header-too-long`).
 *
 * Reads `X-Forwarded-For` by default; any list header by name; `Forwarded` with the RFC 7239
 * parser (the same as the `forwarded` strategy).
 */
import { ForwardedCursor } from '../headers/forwarded.ts';
import { ListHeaderCursor } from '../headers/forwarded-for.ts';
import { createStrictListFastPath } from './strict-xff.ts';
import type { Resolver } from './types.ts';
import { createWalk, refusingWalkConfig, resolverFromWalk, type TrustContext } from './walk.ts';

/**
 * @example
 * const r = createStrictResolver(ctx); // ctx from createResolver({ trusted: ['10.0.0.0/8'] })
 * r.resolve({ peer: '10.0.0.2', rawHeaders: ['X-Forwarded-For', '198.51.100.7, 10.0.0.9'] }).client // '198.51.100.7'
 */
export function createStrictResolver(ctx: TrustContext): Resolver {
  const isForwarded = ctx.header.toLowerCase() === 'forwarded';
  const cursor = isForwarded ? new ForwardedCursor(ctx.header, ctx.maxEntries) : new ListHeaderCursor(ctx.header);
  const walk = createWalk(refusingWalkConfig(ctx, { recursive: true, hops: 0, maxEntries: ctx.maxEntries }), cursor);
  if (isForwarded) return resolverFromWalk(ctx, walk);
  // A list header without trace: the fast path (strict-xff.ts) answers the usual requests and
  // hands everything else to the walk; both give the same Resolution (strict-xff.test.ts).
  const fast = createStrictListFastPath(ctx);
  return {
    semantics: ctx.semantics,
    trustsEverything: ctx.trustsEverything,
    header: ctx.header,
    resolve: (input, options) => {
      if (typeof options === 'object' && options !== null && options.trace === true) return walk(input, true);
      try {
        const r = fast(input);
        if (r !== null) return r;
      } catch {
        // Unexpected input (a throwing getter, …): the walk decides, as without the fast path.
      }
      return walk(input, false);
    },
  };
}
