import { lbProxyProtocol, providerOf, trafficPolicy } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-303: PROXY v2 + instance targets + Local breaks the NLB health checks. */
export const rule: Rule = {
  id: 'SIP-303',
  slug: 'aws-pp-with-instance-and-local',
  severity: 'error',
  title: 'AWS NLB PROXY v2 with instance targets and externalTrafficPolicy Local',
  symptom: 'traffic-loss',
  concerns: ['Service'],
  needs: 'static',
  why:
    'AWS Load Balancer Controller: "you should not configure proxy protocol v2 with NLB instance mode and ' +
    '`externalTrafficPolicy` set to `Local`" — the HTTP health checks to healthCheckNodePort would need PROXY too.',
  fix: 'Use `aws-load-balancer-nlb-target-type: ip` with PROXY v2, or instance targets + Local without PROXY (the client IP is preserved anyway).',
  references: ['https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/#protocols'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      const provider = providerOf(service);
      if (provider !== 'aws-nlb-instance' && provider !== 'aws-nlb') continue;
      const pp = lbProxyProtocol(service);
      if (!pp?.key.includes('aws-') || trafficPolicy(service) !== 'Local') continue;
      out.push({
        object: service,
        path: ['metadata', 'annotations', pp.key],
        message:
          'PROXY v2 on an NLB with instance targets and externalTrafficPolicy Local: health checks and traffic break',
      });
    }
    return out;
  },
};
