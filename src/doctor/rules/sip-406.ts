import { get, str } from '../context.ts';
import { analyzeTrust } from '../ranges.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-406: Envoy Gateway client-IP detection that believes too much or too little. */
export const rule: Rule = {
  id: 'SIP-406',
  slug: 'envoy-xff-hops-mismatch',
  severity: 'warning',
  title: 'Envoy Gateway client-IP detection trusts too many hops or ranges, or its data plane Service uses Cluster',
  symptom: 'spoofing-possible',
  concerns: ['ClientTrafficPolicy', 'EnvoyProxy'],
  needs: 'static',
  why:
    '`numTrustedHops` must equal the number of L7 proxies that append X-Forwarded-For: too low shows the LB, too high is ' +
    'spoofable (GCP L7 LBs append `<client>,<lb>`: 2 hops). `trustedCIDRs` of 0.0.0.0/0 trusts everyone (error); a ' +
    '`customHeader` without `failClosed` falls back to the peer silently; `proxyProtocol.optional: true` lets any client ' +
    'send its own PROXY header; `EnvoyProxy` envoyService `externalTrafficPolicy: Cluster` SNATs (the default is Local).',
  fix: 'Set numTrustedHops to the count of L7 proxies in front (or prefer trustedCIDRs of the LB), `failClosed: true`, PROXY required, and keep externalTrafficPolicy Local.',
  references: [
    'envoyproxy/gateway api/v1alpha1/clienttrafficpolicy_types.go',
    'https://cloud.google.com/load-balancing/docs/https#x-forwarded-for_header',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const policy of ctx.kind('ClientTrafficPolicy')) {
      const xff = get(policy.raw, ['spec', 'clientIPDetection', 'xForwardedFor']);
      const hops = Number(str(get(xff, ['numTrustedHops'])) ?? 0);
      const cidrs = get(xff, ['trustedCIDRs']);
      if (cidrs !== undefined) {
        const trust = analyzeTrust(cidrs);
        if (trust.everything || trust.veryWide) {
          out.push({
            object: policy,
            path: ['spec', 'clientIPDetection', 'xForwardedFor', 'trustedCIDRs'],
            severity: 'error',
            message: 'xForwardedFor.trustedCIDRs trusts every address: clients choose their IP',
          });
        }
      }
      if (hops >= 3) {
        out.push({
          object: policy,
          path: ['spec', 'clientIPDetection', 'xForwardedFor', 'numTrustedHops'],
          message: `numTrustedHops ${hops}: more hops than usual L7 chains have; the extra entries are client-chosen`,
        });
      }
      const custom = get(policy.raw, ['spec', 'clientIPDetection', 'customHeader']);
      if (custom !== undefined && get(custom, ['failClosed']) !== true) {
        out.push({
          object: policy,
          path: ['spec', 'clientIPDetection', 'customHeader'],
          message:
            'customHeader client-IP detection without failClosed: a missing header silently falls back to the peer',
        });
      }
      if (get(policy.raw, ['spec', 'proxyProtocol', 'optional']) === true) {
        out.push({
          object: policy,
          path: ['spec', 'proxyProtocol', 'optional'],
          message: 'proxyProtocol.optional: any client can send its own PROXY header',
        });
      }
    }
    for (const proxy of ctx.kind('EnvoyProxy')) {
      const path = ['spec', 'provider', 'kubernetes', 'envoyService', 'externalTrafficPolicy'];
      if (str(get(proxy.raw, path)) === 'Cluster') {
        out.push({
          object: proxy,
          path,
          message: 'EnvoyProxy envoyService externalTrafficPolicy Cluster: Envoy sees node IPs (default is Local)',
        });
      }
    }
    return out;
  },
};
