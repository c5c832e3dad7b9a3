import { serviceType, trafficPolicy } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-105: NodePort + Local without a health-checking LB: clients time out on empty nodes. */
export const rule: Rule = {
  id: 'SIP-105',
  slug: 'nodeport-etp-local-direct-clients',
  severity: 'warning',
  title: 'NodePort Service with externalTrafficPolicy Local: clients that reach a node without a pod time out',
  symptom: 'traffic-loss',
  concerns: ['Service'],
  needs: 'static',
  why:
    'A `NodePort` Service is reached on every node. With `externalTrafficPolicy: Local` only nodes running a ready pod ' +
    'answer; the others drop the packets, and nothing health-checks the nodes for the clients. This is the source-IP ' +
    "tutorial's own caveat (and Popeye POP-1108).",
  fix:
    'Pin the pods to known nodes (DaemonSet + nodeSelector) and publish only those nodes, or put a load balancer that ' +
    'probes `healthCheckNodePort` in front (type LoadBalancer).',
  references: [
    'https://kubernetes.io/docs/tutorials/services/source-ip/#source-ip-for-services-with-type-nodeport',
    'derailed/popeye POP-1108',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      if (serviceType(service) !== 'NodePort' || trafficPolicy(service) !== 'Local') continue;
      const workloads = ctx.workloadsFor(service);
      const daemon = workloads.some((w) => w.kind === 'DaemonSet');
      out.push({
        object: service,
        path: ['spec', 'externalTrafficPolicy'],
        message: `NodePort with externalTrafficPolicy Local: connections to nodes without a ready pod time out${daemon ? '' : ' (the pods are not a DaemonSet)'}`,
        related: workloads,
      });
    }
    return out;
  },
};
