import { annotations, get, providerOf } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

const ATTRS = 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes';
const RANGES = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/** SIP-108: source ranges filter on the address the LB delivers, which is not the client's. */
export const rule: Rule = {
  id: 'SIP-108',
  slug: 'source-ranges-without-client-ip',
  severity: 'warning',
  title: 'loadBalancerSourceRanges on an AWS NLB with IP targets and no client IP preservation are ignored',
  symptom: 'spoofing-possible',
  concerns: ['Service'],
  needs: 'static',
  why:
    'AWS Load Balancer Controller: the source-ranges annotation "will be ignored in case preserve client IP is not enabled"; ' +
    "preservation is off by default for IP targets, so the allowlist admits everyone (the NLB's private IP is what the pods see).",
  fix: 'Add `preserve_client_ip.enabled=true` to the target group attributes (and let the security group allow the client CIDRs), or filter in the cloud firewall.',
  references: [
    'https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/#lb-source-ranges',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      if (providerOf(service) !== 'aws-nlb-ip') continue;
      const anns = annotations(service);
      const ranges = get(service.raw, ['spec', 'loadBalancerSourceRanges']);
      const hasRanges = (Array.isArray(ranges) && ranges.length > 0) || anns[RANGES] !== undefined;
      if (!hasRanges || /preserve_client_ip\.enabled\s*=\s*true/.test(anns[ATTRS] ?? '')) continue;
      out.push({
        object: service,
        path: Array.isArray(ranges) ? ['spec', 'loadBalancerSourceRanges'] : ['metadata', 'annotations', RANGES],
        message: 'source ranges on an NLB with IP targets are ignored without preserve_client_ip.enabled=true',
      });
    }
    return out;
  },
};
