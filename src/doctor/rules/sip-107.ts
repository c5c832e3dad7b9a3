import { get, str } from '../context.ts';
import type { K8sObject, RawFinding, Rule } from '../types.ts';

function backendNames(ingressOrRoute: K8sObject): string[] {
  const text = JSON.stringify(ingressOrRoute.raw.spec ?? {});
  const names = new Set<string>();
  for (const m of text.matchAll(/"service":\{"name":"([^"]+)"/g)) names.add(m[1]!);
  for (const m of text.matchAll(/"serviceName":"([^"]+)"/g)) names.add(m[1]!);
  if (ingressOrRoute.kind !== 'Ingress')
    for (const m of text.matchAll(/"backendRefs":\[(.*?)\]/g)) {
      for (const n of m[1]!.matchAll(/"name":"([^"]+)"/g)) names.add(n[1]!);
    }
  return [...names];
}

/** SIP-107: internalTrafficPolicy Local behind a gateway drops requests from gateway pods on other nodes. */
export const rule: Rule = {
  id: 'SIP-107',
  slug: 'itp-local-drop',
  severity: 'warning',
  title: 'a backend behind an Ingress/route has internalTrafficPolicy Local: requests from other nodes are dropped',
  symptom: 'traffic-loss',
  concerns: ['Service', 'Ingress', 'HTTPRoute'],
  needs: 'static',
  why:
    "With `internalTrafficPolicy: Local`, kube-proxy only delivers pod→ClusterIP traffic to endpoints on the caller's node; " +
    'with none there, "traffic is dropped by kube-proxy". The node the edge (gateway) pod runs on decides whether a request works.',
  fix: 'Use `internalTrafficPolicy: Cluster` for backends, or co-schedule a backend pod with every gateway replica.',
  references: ['https://kubernetes.io/docs/reference/networking/virtual-ips/#internal-traffic-policy'],
  check(ctx) {
    const out: RawFinding[] = [];
    const routes = [...ctx.kind('Ingress'), ...ctx.kind('HTTPRoute'), ...ctx.kind('GRPCRoute')];
    for (const service of ctx.services) {
      if (str(get(service.raw, ['spec', 'internalTrafficPolicy'])) !== 'Local') continue;
      const users = routes.filter((r) => ctx.sameNamespace(r, service) && backendNames(r).includes(service.name));
      if (users.length === 0) continue;
      out.push({
        object: service,
        path: ['spec', 'internalTrafficPolicy'],
        message: `internalTrafficPolicy Local on a backend of ${users.map((u) => `${u.kind}/${u.name}`).join(', ')}: gateway pods on nodes without a backend pod get no answer`,
        related: users,
      });
    }
    return out;
  },
};
