import { annotations, serviceType, trafficPolicy } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-202: MetalLB + Local: only nodes with endpoints (L2: one node) carry the traffic. */
export const rule: Rule = {
  id: 'SIP-202',
  slug: 'metallb-etp-local',
  severity: 'warning',
  title: 'MetalLB with externalTrafficPolicy Local and pods not on every speaker node',
  symptom: 'uneven-load',
  concerns: ['Service', 'Deployment', 'IPAddressPool', 'L2Advertisement'],
  needs: 'static',
  why:
    'In L2 mode one node answers ARP for the IP; for `Local` it is chosen among speaker nodes with a ready endpoint, so pods ' +
    'on other nodes get no traffic and, if speakers run elsewhere, nothing is announced (metallb#322). In BGP mode only nodes ' +
    'with endpoints announce, so load follows pod placement. Sharing an IP (`metallb.io/allow-shared-ip`) needs both ' +
    'Services on `Cluster` or with identical selectors.',
  fix: 'Run the edge on every speaker node (DaemonSet), align the speaker nodeSelector/tolerations, or use BGP with a per-node spread.',
  references: [
    'https://metallb.universe.tf/usage/#traffic-policies',
    'https://metallb.universe.tf/concepts/layer2/',
    'metallb/metallb#322',
  ],
  check(ctx) {
    if (!ctx.hasMetalLB) return [];
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      if (serviceType(service) !== 'LoadBalancer' || trafficPolicy(service) !== 'Local') continue;
      const anns = annotations(service);
      const shared = Object.keys(anns).find((k) => /^metallb\.(io|universe\.tf)\/allow-shared-ip$/.test(k));
      if (shared) {
        out.push({
          object: service,
          path: ['metadata', 'annotations', shared],
          message:
            'MetalLB shared IP with externalTrafficPolicy Local: both Services need Cluster or identical selectors',
        });
      }
      const workloads = ctx.workloadsFor(service);
      const notDaemon = workloads.filter((w) => w.kind !== 'DaemonSet');
      if (notDaemon.length === 0) continue;
      out.push({
        object: service,
        path: ['spec', 'externalTrafficPolicy'],
        message: `MetalLB announces this Local Service only from nodes running ${notDaemon.map((w) => `${w.kind}/${w.name}`).join(', ')} (L2: a single node takes all traffic)`,
        related: notDaemon,
      });
    }
    return out;
  },
};
