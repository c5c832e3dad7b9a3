/**
 * `forwarded` — RFC 7239 `Forwarded: for=…`, peer-gated rightmost-untrusted exactly like strict
 * (same refusals; `unknown` ⇒ `unknown-entry`, `_obfuscated` ⇒ `obfuscated-entry`, an element
 * without `for=` or with a syntax error ⇒ `invalid-entry`). Parsing: headers/forwarded.ts.
 */
import { ForwardedCursor } from '../headers/forwarded.ts';
import type { Resolver } from './types.ts';
import { createWalk, refusingWalkConfig, resolverFromWalk, type TrustContext } from './walk.ts';

/**
 * @example
 * createForwardedResolver(ctx).resolve({ peer: '10.0.0.2', rawHeaders: ['Forwarded', 'for="[2001:db8::17]:4711"'] })
 * // { client: '2001:db8::17', port: 4711, reason: 'rightmost-untrusted', … }
 */
export function createForwardedResolver(ctx: TrustContext): Resolver {
  const walk = createWalk(
    refusingWalkConfig(ctx, { recursive: true, hops: 0, maxEntries: ctx.maxEntries }),
    new ForwardedCursor(ctx.header, ctx.maxEntries),
  );
  return resolverFromWalk(ctx, walk);
}
