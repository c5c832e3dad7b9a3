/**
 * `single` — one single-IP header (X-Real-IP, CF-Connecting-IP, True-Client-IP, Fastly-Client-IP,
 * CloudFront-Viewer-Address, or any name), peer-gated: only a trusted peer's header counts
 * (CF-Connecting-IP is safe only from Cloudflare's ranges; True-Client-IP and Fastly-Client-IP
 * are client-settable unless the CDN overwrites them — reference pitfall 16).
 * Several lines refuse (`multiple-single-ip-headers`); a list value or garbage refuses
 * (`invalid-entry`); no header from a trusted peer ⇒ the peer (`trusted-peer-no-header`).
 */
import { SingleHeaderCursor } from '../headers/single-ip.ts';
import { SINGLE_IP_HEADER } from './reasons.ts';
import type { Resolver } from './types.ts';
import { createWalk, refusingWalkConfig, resolverFromWalk, type TrustContext } from './walk.ts';

/**
 * @example
 * // createResolver({ semantics: 'single', header: 'CF-Connecting-IP', trusted: ['cloudflare'] })
 */
export function createSingleResolver(ctx: TrustContext): Resolver {
  const walk = createWalk(
    refusingWalkConfig(ctx, { recursive: false, hops: 0, maxEntries: 1, answerReason: SINGLE_IP_HEADER }),
    new SingleHeaderCursor(ctx.header),
  );
  return resolverFromWalk(ctx, walk);
}
