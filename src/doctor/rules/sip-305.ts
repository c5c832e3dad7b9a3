import { get, podSpecPath, serviceType, str } from '../context.ts';
import { edgeBehaviour } from '../edge.ts';
import type { K8sObject, RawFinding, Rule } from '../types.ts';

/** How a client can reach the edge without passing the LB. */
function bypass(service: K8sObject, workload: K8sObject): string | undefined {
  const type = serviceType(service);
  const externalIPs = get(service.raw, ['spec', 'externalIPs']);
  if (Array.isArray(externalIPs) && externalIPs.length > 0) return 'spec.externalIPs';
  if (type === 'NodePort') return 'its NodePort on every node';
  if (type === 'LoadBalancer' && get(service.raw, ['spec', 'allocateLoadBalancerNodePorts']) !== false) {
    return 'the NodePorts allocated for the LoadBalancer Service';
  }
  const spec = podSpecPath(workload);
  if (get(workload.raw, [...spec, 'hostNetwork']) === true) return 'hostNetwork pods';
  if (JSON.stringify(get(workload.raw, [...spec, 'containers']) ?? '').includes('"hostPort"')) return 'a hostPort';
  return undefined;
}

/** SIP-305: wide trust + a path around the LB = anyone picks their IP. */
export const rule: Rule = {
  id: 'SIP-305',
  slug: 'trust-bypass-via-nodeport',
  severity: 'warning',
  title: 'the edge trusts PROXY/X-Forwarded-For from any address and is reachable without the load balancer',
  symptom: 'spoofing-possible',
  concerns: ['Service', 'edge workload', 'Node'],
  needs: 'static',
  why:
    'The PROXY protocol spec lets a receiver accept the header only from known senders; trust lists must name the LB only. ' +
    'A client that connects to a NodePort, externalIP or hostPort directly "skips the load balancer and can send its own ' +
    'PROXY header [or X-Forwarded-For], which sets any client IP it likes". Error when nodes have public (ExternalIP) addresses.',
  fix:
    "Set the trust list to the LB's egress CIDRs (ingress-nginx `proxy-real-ip-cidr`, Kong `trusted_ips`, Traefik `trustedIPs`, " +
    'sourceip `proxyProtocol.trusted`); firewall the NodePort range 30000–32767 to the LB; `allocateLoadBalancerNodePorts: false` where the LB targets pods.',
  references: [
    'https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt',
    'https://kubernetes.github.io/ingress-nginx/user-guide/miscellaneous/#proxy-protocol',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    const publicNodes = ctx.publicNodes;
    for (const { service, workload, edge } of ctx.edgeServices()) {
      const behaviour = edgeBehaviour(ctx, workload, edge);
      if (!behaviour.parsesProxy && !behaviour.trustsHeaders) continue;
      if (!behaviour.trust?.everything && !behaviour.trust?.veryWide) continue;
      const path = bypass(service, workload);
      if (!path) continue;
      const what = behaviour.parsesProxy ? 'PROXY protocol' : 'forwarding headers';
      const setting = behaviour.trustSetting;
      out.push({
        object: setting?.object ?? workload,
        path: setting?.path ?? ['spec'],
        severity: publicNodes.length > 0 ? 'error' : 'warning',
        message: `${edge} trusts ${what} from ${behaviour.trust.everything ? 'any address' : str(behaviour.trust.veryWide)} and is reachable through ${path} (Service ${service.name}): clients can forge their IP${publicNodes.length ? ` (${publicNodes.length} node(s) have public addresses)` : ''}`,
        related: [service, workload],
      });
    }
    return out;
  },
};
