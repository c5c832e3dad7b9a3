import type { DoctorContext } from '../context.ts';
import { isL7LoadBalancer, lbProxyProtocol, providerOf, trafficPolicy } from '../context.ts';
import { edgeBehaviour } from '../edge.ts';
import type { K8sObject, RawFinding, Rule } from '../types.ts';

const PASSTHROUGH = new Set(['aws-nlb', 'aws-nlb-instance', 'aws-nlb-ip', 'gcp', 'azure', 'metallb', 'oci-nlb']);

/** True when nothing between the client and the edge speaks HTTP. */
export function behindL4(ctx: DoctorContext, service: K8sObject): boolean {
  if (isL7LoadBalancer(service) || lbProxyProtocol(service)) return false;
  const provider = providerOf(service, ctx.hasMetalLB);
  return PASSTHROUGH.has(provider) || (provider === 'unknown' && trafficPolicy(service) === 'Local');
}

/** SIP-402: no L7 hop in front means the first X-Forwarded-For entry is the attacker's. */
export const rule: Rule = {
  id: 'SIP-402',
  slug: 'forwarded-headers-behind-l4',
  severity: 'warning',
  title: 'the edge reads X-Forwarded-For although only an L4 (packet) load balancer is in front',
  symptom: 'spoofing-possible',
  concerns: ['Service', 'ingress-nginx ConfigMap', 'Kong/Traefik workload'],
  needs: 'static',
  why:
    'ingress-nginx: use forwarded headers "if NGINX is behind another L7 proxy … If false, NGINX ignores incoming X-Forwarded-* ' +
    'headers … e.g. exposed directly to the internet, or behind a L3/packet-based load balancer". Behind an NLB, GCP/Azure ' +
    'passthrough LB or MetalLB with `Local`, the socket peer already is the client; no hop appends X-Forwarded-For, so ' +
    'every entry in it is client-chosen (ingress-nginx#1815). Suppress it if a CDN or L7 proxy outside the cluster appends the header.',
  fix: 'Turn header trust off (`use-forwarded-headers: "false"`, no Kong `trusted_ips`, no Traefik `forwardedHeaders`) and rely on the socket peer or PROXY protocol.',
  references: [
    'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#use-forwarded-headers',
    'kubernetes/ingress-nginx#1815',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<K8sObject>();
    for (const { service, workload, edge } of ctx.edgeServices()) {
      if (edge === 'sourceip' || !behindL4(ctx, service)) continue;
      const behaviour = edgeBehaviour(ctx, workload, edge);
      if (!behaviour.trustsHeaders || !behaviour.headerSetting || seen.has(behaviour.headerSetting.object)) continue;
      seen.add(behaviour.headerSetting.object);
      out.push({
        object: behaviour.headerSetting.object,
        path: behaviour.headerSetting.path,
        message: `${edge} trusts forwarding headers but Service ${service.name} sits behind an L4 ${providerOf(service, ctx.hasMetalLB)} load balancer: no proxy in front writes them, clients do`,
        related: [service],
      });
    }
    return out;
  },
};
