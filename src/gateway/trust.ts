/**
 * Trust profile → resolver (core/trust's createResolver). A profile with `trusted: []` trusts nobody: the
 * client is the TCP peer (or the PROXY-protocol source) and forwarding headers are never evidence.
 * CDN preset names in `trusted` (`cloudflare`, `cloudfront`, `fastly`, `akamai`) become the
 * preset's shipped ranges (gateway/presets).
 */
import { createResolver } from '../core/trust/resolver.ts';
import type { Resolver, ResolverOptions } from '../core/trust/types.ts';
import type { TrustProfileConfig } from './config/types.ts';
import { expandPresetRanges } from './presets/preset.ts';

export function makeResolver(profile: TrustProfileConfig): Resolver {
  const options: ResolverOptions = {
    semantics: profile.semantics,
    trusted: expandPresetRanges(profile.trusted),
    // `recursive` is nginx's real_ip_recursive and `hops` a hop count: passed only where they mean something.
    ...(profile.semantics === 'nginx' ? { recursive: profile.recursive } : {}),
    ...(profile.header ? { header: profile.header } : {}),
    ...(profile.hops !== undefined && (profile.semantics === 'hops' || profile.semantics === 'express')
      ? { hops: profile.hops }
      : {}),
  };
  return createResolver(options);
}
