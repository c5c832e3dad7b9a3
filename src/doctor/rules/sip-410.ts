import { analyzeTrust } from '../ranges.ts';
import { gatewayConfigs, listeners, trustProfiles } from '../sourceip-config.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-410 (new): sourceip's own gateway config trusting everyone. */
export const rule: Rule = {
  id: 'SIP-410',
  slug: 'sourceip-trust-all',
  severity: 'error',
  title: 'sourceip gateway config trusts every address (trust profile or PROXY listener)',
  symptom: 'spoofing-possible',
  concerns: ['ConfigMap with sourceip.yaml', 'sourceip.yaml'],
  needs: 'static',
  why:
    'A trust profile whose `trusted` list covers every address (`0.0.0.0/0`, `::/0`, `any`) or sets `trustAll` makes ' +
    "forwarding headers client-chosen; with `semantics: nginx` it reproduces ingress-nginx's `0.0.0.0/0` default on " +
    'purpose. A listener with PROXY protocol `required`/`optional` accepts the header only from `proxyProtocol.trusted`: ' +
    'a wildcard there lets any client that reaches the port pick its address. Invalid entries are flagged too.',
  fix: 'Trust only the load balancer / CDN ranges (e.g. the VPC CIDR for an AWS NLB), keep `semantics: strict`.',
  references: ['docs/doctor.md#sip-410', 'https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const view of gatewayConfigs(ctx.snapshot.objects)) {
      const at = (path: readonly (string | number)[]) => ({
        object: view.object,
        path: view.pathInObject(path),
        line: view.lineOf(path),
      });
      for (const profile of trustProfiles(view.config)) {
        const trust = analyzeTrust(profile.trusted);
        if (profile.trustAll || trust.everything || trust.veryWide) {
          out.push({
            ...at([...profile.path, 'trusted']),
            message: `trust profile ${JSON.stringify(profile.name)} (semantics ${profile.semantics}) trusts ${profile.trustAll ? 'every hop' : (trust.veryWide ?? 'every address')}: clients choose their IP`,
          });
        }
        if (trust.invalid.length > 0) {
          out.push({
            ...at([...profile.path, 'trusted']),
            severity: 'warning',
            message: `trust profile ${JSON.stringify(profile.name)} has entries that are not addresses, CIDRs or named ranges: ${trust.invalid
              .slice(0, 3)
              .map((e) => JSON.stringify(e))
              .join(', ')}`,
          });
        }
      }
      for (const listener of listeners(view.config)) {
        if (listener.proxyMode !== 'required' && listener.proxyMode !== 'optional') continue;
        const trust = analyzeTrust(listener.proxyTrusted);
        if (trust.everything || trust.veryWide) {
          out.push({
            ...at([...listener.path, 'proxyProtocol', 'trusted']),
            message: `listener ${JSON.stringify(listener.name)} accepts PROXY headers from every address: clients choose their IP`,
          });
        } else if (trust.entries.length === 0 && listener.proxyMode === 'optional') {
          out.push({
            ...at([...listener.path, 'proxyProtocol']),
            severity: 'warning',
            message: `listener ${JSON.stringify(listener.name)} has optional PROXY protocol with no trusted senders: the header is never honoured`,
          });
        }
      }
    }
    return out;
  },
};
