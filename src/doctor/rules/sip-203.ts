import { containersOf, envOf, get, imagesOf, serviceType, trafficPolicy } from '../context.ts';
import { isRecord } from '../loader/manifests.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-203: kube-vip must elect per Service so that a node with an endpoint holds a Local VIP. */
export const rule: Rule = {
  id: 'SIP-203',
  slug: 'kube-vip-etp-local-without-election',
  severity: 'warning',
  title: 'kube-vip serves externalTrafficPolicy Local Services without per-service election',
  symptom: 'traffic-loss',
  concerns: ['DaemonSet/Pod kube-vip', 'Service'],
  needs: 'static',
  why:
    'kube-vip: "if using local traffic policy" enable `svc_election` so that only a node with a local endpoint holds the ' +
    'VIP; otherwise the leader may be a node that drops the traffic. `vip_nodename` must come from `spec.nodeName` (kube-vip#810).',
  fix: 'Set env `svc_election: "true"` and `vip_nodename` from the downward API (`fieldRef: spec.nodeName`).',
  references: [
    'https://kube-vip.io/docs/usage/kubernetes-services/#external-traffic-policy-kube-vip-v050',
    'kube-vip/kube-vip#810',
  ],
  check(ctx) {
    const locals = ctx.services.filter((s) => serviceType(s) === 'LoadBalancer' && trafficPolicy(s) === 'Local');
    if (locals.length === 0) return [];
    const out: RawFinding[] = [];
    for (const workload of ctx.workloads) {
      if (!imagesOf(workload).some((i) => i.includes('kube-vip'))) continue;
      const env = envOf(workload);
      if (env.get('svc_enable')?.value !== 'true') continue;
      const election = env.get('svc_election');
      if (election?.value === 'true') {
        // kube-vip#810: the election compares vip_nodename with the endpoints' nodeName.
        const nodename = containersOf(workload)
          .flatMap(({ container }) => (Array.isArray(container.env) ? container.env : []))
          .find((e) => isRecord(e) && e.name === 'vip_nodename') as Record<string, unknown> | undefined;
        if (get(nodename, ['valueFrom', 'fieldRef', 'fieldPath']) !== 'spec.nodeName') {
          out.push({
            object: workload,
            path: election.path,
            message:
              'kube-vip svc_election is on but vip_nodename does not come from spec.nodeName: no node wins the election for Local Services (kube-vip#810)',
            related: locals,
          });
        }
        continue;
      }
      out.push({
        object: workload,
        path: election?.path ?? env.get('svc_enable')!.path,
        message: `kube-vip serves LoadBalancer Services (${locals.map((s) => s.name).join(', ')} use Local) without svc_election "true"`,
        related: locals,
      });
    }
    return out;
  },
};
