import { get, isExposed, podSpecPath, str, trafficPolicy } from '../context.ts';
import type { K8sObject, RawFinding, Rule } from '../types.ts';

/** True when the pod template spreads replicas over nodes (hostname anti-affinity or topology spread). */
export function spreadsPerNode(workload: K8sObject): boolean {
  const spec = podSpecPath(workload);
  const anti = get(workload.raw, [...spec, 'affinity', 'podAntiAffinity']);
  const text =
    JSON.stringify(anti ?? {}) + JSON.stringify(get(workload.raw, [...spec, 'topologySpreadConstraints']) ?? []);
  return text.includes('kubernetes.io/hostname');
}

/** SIP-102: Local balances per node, so uneven pod placement means uneven load. */
export const rule: Rule = {
  id: 'SIP-102',
  slug: 'etp-local-imbalance',
  severity: 'info',
  title: 'externalTrafficPolicy Local with a Deployment: load is balanced per node, not per pod',
  symptom: 'uneven-load',
  concerns: ['Service', 'Deployment', 'StatefulSet'],
  needs: 'static',
  why:
    'Cloud load balancers and MetalLB BGP spread traffic over nodes, not pods. With `externalTrafficPolicy: Local`, a node ' +
    'with two pods gets the same share as a node with one (2 pods on A + 1 on B gives 25/25/50 %), and nodes without a pod ' +
    'get nothing (or drop traffic if the LB does not health-check them). A Deployment does not place one pod per node.',
  fix:
    'Run the edge as a DaemonSet, or add `topologySpreadConstraints`/`podAntiAffinity` on `kubernetes.io/hostname` with ' +
    'replicas equal to the nodes that receive traffic; LBs that read `X-Load-Balancing-Endpoint-Weight` (Kubernetes ≥ 1.28) can weight nodes.',
  references: [
    'https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#caveats-and-limitations-when-preserving-source-ips',
    'https://metallb.universe.tf/usage/#traffic-policies',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    const nodes = ctx.kind('Node').length;
    for (const service of ctx.services) {
      if (!isExposed(service) || trafficPolicy(service) !== 'Local') continue;
      for (const workload of ctx.workloadsFor(service)) {
        if (workload.kind !== 'Deployment' && workload.kind !== 'StatefulSet') continue;
        const replicas = Number(str(get(workload.raw, ['spec', 'replicas'])) ?? 1);
        const spread = spreadsPerNode(workload);
        if (spread && (nodes === 0 || replicas >= nodes)) continue;
        const detail = spread
          ? `${replicas} replica(s) for ${nodes} nodes`
          : `${replicas} replica(s) without a per-node spread constraint`;
        out.push({
          object: workload,
          path: ['spec', 'replicas'],
          message: `${workload.kind} behind externalTrafficPolicy Local Service ${service.name}: ${detail}; traffic is split per node, not per pod`,
          related: [service],
        });
      }
    }
    return out;
  },
};
