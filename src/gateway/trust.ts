/**
 * Trust profile → resolver. Until core/trust's `createResolver` is in the tree this is a small local
 * strict resolver (peer-gated, rightmost-untrusted over X-Forwarded-For); it is replaced by the core
 * factory as soon as that lands.
 */
import { formatIP, parseEndpoint, parseIP, unmapIPv4 } from '../core/ip/address.ts';
import { PrefixSet } from '../core/ip/prefix-set.ts';
import type { Resolution, ResolveInput, Resolver } from '../core/trust/types.ts';
import type { TrustProfileConfig } from './config/types.ts';

export function makeResolver(profile: TrustProfileConfig): Resolver {
  const trusted = PrefixSet.compile(profile.trusted);
  const header = profile.header || 'X-Forwarded-For';
  const lower = header.toLowerCase();
  return {
    semantics: 'strict',
    trustsEverything: trusted.trustsEverything,
    header,
    resolve(input: ResolveInput): Resolution {
      const parsed = input.peer === undefined ? null : parseIP(input.peer);
      const peerIp = parsed === null ? null : unmapIPv4(parsed);
      const peer = peerIp === null ? null : formatIP(peerIp);
      if (peerIp === null) return { client: null, port: null, reason: 'peer-not-ip', peer, peerTrusted: false };
      if (!trusted.has(peerIp)) {
        return { client: peer, port: input.peerPort ?? null, reason: 'untrusted-peer', peer, peerTrusted: false };
      }
      const entries: string[] = [];
      const raw = input.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (raw[i]!.toLowerCase() !== lower) continue;
        for (const part of raw[i + 1]!.split(',')) entries.push(part.trim());
      }
      if (entries.length === 0) {
        return {
          client: peer,
          port: input.peerPort ?? null,
          reason: 'trusted-peer-no-header',
          peer,
          peerTrusted: true,
        };
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const ep = parseEndpoint(entries[i]!);
        if (ep === null) return { client: null, port: null, reason: 'invalid-entry', peer, peerTrusted: true };
        const ip = unmapIPv4(ep.ip);
        if (!trusted.has(ip)) {
          return {
            client: formatIP(ip),
            port: ep.port < 0 ? null : ep.port,
            reason: 'rightmost-untrusted',
            peer,
            peerTrusted: true,
          };
        }
      }
      return { client: null, port: null, reason: 'all-trusted', peer, peerTrusted: true };
    },
  };
}
