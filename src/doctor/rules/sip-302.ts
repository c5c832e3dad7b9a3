import { annotations, lbProxyProtocol, providerOf } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

const TYPE = 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type';

/** SIP-302: NLB IP targets show the NLB's private IP unless preservation or PROXY v2 is on. */
export const rule: Rule = {
  id: 'SIP-302',
  slug: 'aws-nlb-ip-target-no-preservation',
  severity: 'warning',
  title: 'AWS NLB with IP targets without client IP preservation or PROXY v2',
  symptom: 'source-ip-is-node-ip',
  concerns: ['Service'],
  needs: 'static',
  why:
    '"NLB with IP targets does not pass the client source IP address unless specifically configured": for TCP/TLS the pods see ' +
    "the NLB's private IP. externalTrafficPolicy does not matter here: traffic goes straight to pod IPs.",
  fix: 'Add `preserve_client_ip.enabled=true` to `aws-load-balancer-target-group-attributes` (then the security group must allow the client CIDRs, aws-lbc#3521), or PROXY v2 + edge parsing.',
  references: [
    'https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/',
    'kubernetes-sigs/aws-load-balancer-controller#1825',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      if (providerOf(service) !== 'aws-nlb-ip' || lbProxyProtocol(service)) continue;
      const anns = annotations(service);
      if (
        /preserve_client_ip\.enabled\s*=\s*true/.test(
          anns['service.beta.kubernetes.io/aws-load-balancer-target-group-attributes'] ?? '',
        )
      )
        continue;
      out.push({
        object: service,
        path: ['metadata', 'annotations', TYPE in anns ? TYPE : 'service.beta.kubernetes.io/aws-load-balancer-type'],
        message: 'NLB IP targets without preserve_client_ip.enabled=true or PROXY v2: pods see the NLB private IP',
      });
    }
    return out;
  },
};
