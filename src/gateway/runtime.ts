/**
 * Compiles a validated GatewayConfig into the immutable runtime the request path reads: trust profiles →
 * resolvers, routes → a Router with per-route forwarding tables, upstreams → keep-alive pools, header names
 * → one classification table. Everything that can fail fails here, as ConfigError.
 */
import { ConfigError, SourceIpError } from '../core/errors.ts';
import { PrefixSet } from '../core/ip/prefix-set.ts';
import type { Resolver } from '../core/trust/types.ts';
import type { ForwardingConfig, GatewayConfig, HttpLimitsConfig, RouteConfig } from './config/types.ts';
import { H_FIRST_EXTRA, H_X_REAL_IP, HeaderNames } from './http1/header-names.ts';
import type { PolicyChain } from './policy/types.ts';
import { Router } from './router.ts';
import { makeResolver } from './trust.ts';
import type { GatewayRuntime, RuntimeDeps } from './types.ts';
import { UpstreamPool } from './upstream/pool.ts';

/** Single-IP headers a client can set; removed unless the peer is trusted (on top of the route's list). */
export const DEFAULT_STRIP_UNTRUSTED: readonly string[] = [
  'x-real-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'true-client-ip',
  'x-client-ip',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-original-forwarded-for',
  'x-forwarded',
  'forwarded-for',
  'x-azure-clientip',
  'x-azure-socketip',
  'cloudfront-viewer-address',
  'x-appengine-user-ip',
];

export interface ListenerRuntime {
  readonly name: string;
  readonly resolver: Resolver;
  /** Kind of the resolver's header (its lines are given to the resolver). */
  readonly resolverHeaderKind: number;
  readonly isTls: boolean;
  readonly proxyTrusted: PrefixSet;
  readonly policy: PolicyChain | null;
}

export interface RouteRuntime extends RouteConfig {
  readonly pool: UpstreamPool;
  readonly forwarding: ForwardingConfig;
  /** stripKind[kind] = 1: header removed when the peer is not trusted. */
  readonly stripKind: Uint8Array;
  readonly policy: PolicyChain | null;
}

export interface CompiledRuntime extends GatewayRuntime {
  readonly names: HeaderNames;
  readonly limits: HttpLimitsConfig;
  readonly listeners: ReadonlyMap<string, ListenerRuntime>;
  readonly router: Router<RouteRuntime>;
  readonly pools: ReadonlyMap<string, UpstreamPool>;
}

let generations = 0;

/**
 * @example
 * const runtime = compileRuntime(config); // throws ConfigError naming the key
 */
export function compileRuntime(config: GatewayConfig, deps: RuntimeDeps = {}): CompiledRuntime {
  const warnings: string[] = [];
  const extraNames = new Set<string>(DEFAULT_STRIP_UNTRUSTED);
  for (const route of config.routes) for (const h of route.forwarding.stripUntrusted) extraNames.add(h.toLowerCase());
  for (const profile of config.trustProfiles) extraNames.add((profile.header || 'x-forwarded-for').toLowerCase());
  const names = new HeaderNames([...extraNames]);

  const profiles = new Map<string, Resolver>();
  for (const [i, profile] of config.trustProfiles.entries()) {
    try {
      const resolver = makeResolver(profile);
      if (resolver.trustsEverything) {
        warnings.push(`trust profile ${profile.name} trusts every address: forwarding headers are client-controlled`);
      }
      profiles.set(profile.name, resolver);
    } catch (error) {
      throw asConfigError(error, `trustProfiles[${i}]`);
    }
  }

  const listeners = new Map<string, ListenerRuntime>();
  for (const [i, listener] of config.listeners.entries()) {
    const resolver = profiles.get(listener.trust);
    if (resolver === undefined) {
      throw new ConfigError(`unknown trust profile ${JSON.stringify(listener.trust)}`, {
        key: `listeners[${i}].trust`,
      });
    }
    let proxyTrusted: PrefixSet;
    try {
      proxyTrusted = PrefixSet.compile(listener.proxyProtocol.trusted);
    } catch (error) {
      throw asConfigError(error, `listeners[${i}].proxyProtocol.trusted`);
    }
    listeners.set(listener.name, {
      name: listener.name,
      resolver,
      resolverHeaderKind: names.kindOfName(resolver.header),
      isTls: listener.tls !== undefined,
      proxyTrusted,
      policy: deps.policies?.forListener(listener.name) ?? null,
    });
  }

  const pools = new Map<string, UpstreamPool>();
  for (const upstream of config.upstreams) pools.set(upstream.name, new UpstreamPool(upstream));

  const kindCount = H_FIRST_EXTRA + extraNames.size + 1;
  const routes: RouteRuntime[] = config.routes.map((route, i) => {
    const pool = pools.get(route.upstream);
    if (pool === undefined) {
      throw new ConfigError(`unknown upstream ${JSON.stringify(route.upstream)}`, { key: `routes[${i}].upstream` });
    }
    const stripKind = new Uint8Array(kindCount);
    for (const h of [...DEFAULT_STRIP_UNTRUSTED, ...route.forwarding.stripUntrusted]) {
      stripKind[names.kindOfName(h.toLowerCase())] = 1;
    }
    stripKind[H_X_REAL_IP] = 1;
    stripKind[0] = 0;
    return { ...route, pool, stripKind, policy: deps.policies?.forRoute(route.name) ?? null };
  });

  const generation = ++generations;
  return {
    config,
    generation,
    warnings,
    names,
    limits: config.limits,
    listeners,
    router: new Router(routes),
    pools,
    close() {
      for (const pool of pools.values()) pool.close();
    },
  };
}

function asConfigError(error: unknown, key: string): ConfigError {
  if (error instanceof ConfigError) return error;
  if (error instanceof SourceIpError) return new ConfigError(error.message, { key });
  return new ConfigError(String(error), { key });
}
