import { containersOf, isExposed, trafficPolicy } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-110: nodes go from N to 0 endpoints between LB health checks during a rollout. */
export const rule: Rule = {
  id: 'SIP-110',
  slug: 'etp-local-rollout-drops',
  severity: 'info',
  title: 'externalTrafficPolicy Local workload without a preStop delay drops connections during rollouts',
  symptom: 'traffic-loss',
  concerns: ['Service', 'Deployment', 'DaemonSet'],
  needs: 'static',
  why:
    "With `Local`, a node whose last pod terminates stops answering before the LB's health check notices (interval × " +
    'unhealthy threshold). Kubernetes ≥ 1.26 keeps forwarding to terminating endpoints, but only while the pod still ' +
    'serves: a container that exits at once on SIGTERM drops the in-flight and the next connections.',
  fix: 'Add a `preStop` sleep ≥ LB probe interval × unhealthy threshold (and a matching terminationGracePeriodSeconds); set the LB deregistration delay.',
  references: [
    'https://kubernetes.io/docs/reference/networking/virtual-ips/#traffic-to-terminating-endpoints',
    'kubernetes/kubernetes#50977',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<unknown>();
    for (const service of ctx.services) {
      if (!isExposed(service) || trafficPolicy(service) !== 'Local') continue;
      for (const workload of ctx.workloadsFor(service)) {
        if (seen.has(workload)) continue;
        seen.add(workload);
        const containers = containersOf(workload).filter((c) => c.path.includes('containers'));
        if (
          containers.length === 0 ||
          containers.some((c) => c.container.lifecycle && JSON.stringify(c.container.lifecycle).includes('preStop'))
        )
          continue;
        out.push({
          object: workload,
          path: containers[0]!.path,
          message: `no preStop delay on pods behind externalTrafficPolicy Local Service ${service.name}: rollouts drop connections`,
          related: [service],
        });
      }
    }
    return out;
  },
};
