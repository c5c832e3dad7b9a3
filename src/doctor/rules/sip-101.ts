import { edgeKindOf, isExposed, trafficPolicy } from '../context.ts';
import { clientIpLoss } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-101: the default externalTrafficPolicy hides the client behind a node IP. */
export const rule: Rule = {
  id: 'SIP-101',
  slug: 'etp-cluster-snat',
  severity: 'warning',
  title: 'externalTrafficPolicy Cluster replaces the client IP with a node IP',
  symptom: 'source-ip-is-node-ip',
  concerns: ['Service', 'Deployment', 'DaemonSet'],
  needs: 'static',
  why:
    'With `externalTrafficPolicy: Cluster` (the default) a node that receives NodePort/LoadBalancer traffic and forwards it ' +
    'to a pod on another node SNATs it to its own IP, so the pod sees a node address, not the client. Nothing else on this ' +
    'Service (PROXY protocol annotation, L7 load balancer, DSR dataplane) carries the client IP instead. The finding is a ' +
    'warning when the Service fronts an edge proxy (ingress-nginx, Kong, Traefik, Envoy, sourceip), info otherwise.',
  fix:
    'Set `externalTrafficPolicy: Local` and run one edge pod per node (DaemonSet or anti-affinity), or enable PROXY protocol ' +
    'on the load balancer and the edge together, or use a DSR dataplane (Cilium `loadBalancer.mode=dsr`).',
  references: [
    'https://kubernetes.io/docs/tutorials/services/source-ip/',
    'https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip',
    'derailed/popeye POP-1107',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      if (!isExposed(service) || trafficPolicy(service) !== 'Cluster') continue;
      const loss = clientIpLoss(ctx, service);
      if (!loss?.startsWith('externalTrafficPolicy')) continue;
      const workloads = ctx.workloadsFor(service);
      const edge = workloads.map(edgeKindOf).find(Boolean);
      out.push({
        object: service,
        path: ['spec', 'externalTrafficPolicy'],
        severity: edge ? 'warning' : 'info',
        message: `${edge ?? 'backend'} pods see a node IP instead of the client: externalTrafficPolicy is Cluster (default) and nothing else carries the client IP`,
        related: workloads,
      });
    }
    return out;
  },
};
