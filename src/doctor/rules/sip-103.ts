import { type DoctorContext, get, isExposed, str, stringMap, trafficPolicy } from '../context.ts';
import { isRecord } from '../loader/manifests.ts';
import type { K8sObject, RawFinding, Rule } from '../types.ts';

interface Endpoint {
  readonly node: string;
  readonly ready: boolean;
}

function endpointsOf(ctx: DoctorContext, service: K8sObject): Endpoint[] | undefined {
  const slices = ctx
    .kind('EndpointSlice')
    .filter(
      (s) =>
        ctx.sameNamespace(s, service) &&
        stringMap(get(s.raw, ['metadata', 'labels']))['kubernetes.io/service-name'] === service.name,
    );
  if (slices.length > 0) {
    const out: Endpoint[] = [];
    for (const slice of slices) {
      const endpoints = get(slice.raw, ['endpoints']);
      if (!Array.isArray(endpoints)) continue;
      for (const e of endpoints) {
        if (!isRecord(e)) continue;
        // EndpointSlice: a nil `ready` means ready (discovery.k8s.io/v1 EndpointConditions).
        const ready = get(e, ['conditions', 'ready']) !== false;
        out.push({ node: str(e.nodeName) ?? '', ready });
      }
    }
    return out;
  }
  // Fall back to Pods (a `kubectl get pods -o json` dump or live mode).
  const selector = stringMap(get(service.raw, ['spec', 'selector']));
  if (Object.keys(selector).length === 0 || ctx.pods.length === 0) return undefined;
  return ctx.pods
    .filter((p) => ctx.sameNamespace(p, service))
    .filter((p) => Object.entries(selector).every(([k, v]) => stringMap(get(p.raw, ['metadata', 'labels']))[k] === v))
    .map((p) => {
      const conditions = get(p.raw, ['status', 'conditions']);
      const ready =
        Array.isArray(conditions) && conditions.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True');
      return { node: str(get(p.raw, ['spec', 'nodeName'])) ?? '', ready };
    });
}

function schedulableNodes(ctx: DoctorContext): string[] {
  return ctx
    .kind('Node')
    .filter((n) => get(n.raw, ['spec', 'unschedulable']) !== true)
    .filter(
      (n) =>
        !Object.keys(stringMap(get(n.raw, ['metadata', 'labels']))).includes('node-role.kubernetes.io/control-plane'),
    )
    .map((n) => n.name);
}

/** SIP-103: with Local, a node without a ready endpoint drops what it receives. */
export const rule: Rule = {
  id: 'SIP-103',
  slug: 'etp-local-no-ready-local-endpoint',
  severity: 'warning',
  title: 'externalTrafficPolicy Local Service has nodes without a ready local endpoint (or none at all)',
  symptom: 'traffic-loss',
  concerns: ['Service', 'EndpointSlice', 'Node', 'Pod'],
  needs: 'live-state',
  why:
    'With `externalTrafficPolicy: Local`, kube-proxy "does not forward any traffic" arriving on a node without a ready local ' +
    'endpoint: packets are dropped. Clients (or an LB that does not health-check `healthCheckNodePort`) that pick such a node ' +
    'time out. With no ready endpoint anywhere, the Service is down. Terminating-only endpoints still receive traffic (1.26+).',
  fix:
    'Run the edge on every node that receives traffic (DaemonSet), make the LB health-check `healthCheckNodePort` (SIP-104), ' +
    'or use `Cluster` with PROXY protocol.',
  references: [
    'https://kubernetes.io/docs/reference/networking/virtual-ips/#traffic-policies',
    'kubernetes/kubernetes#127937',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    const nodes = schedulableNodes(ctx);
    for (const service of ctx.services) {
      if (!isExposed(service) || trafficPolicy(service) !== 'Local') continue;
      const endpoints = endpointsOf(ctx, service);
      if (endpoints === undefined) continue;
      const readyNodes = new Set(endpoints.filter((e) => e.ready).map((e) => e.node));
      if (readyNodes.size === 0) {
        out.push({
          object: service,
          path: ['spec', 'externalTrafficPolicy'],
          severity: 'error',
          message:
            'no ready endpoint on any node: every node drops the traffic of this externalTrafficPolicy Local Service',
        });
        continue;
      }
      const missing = nodes.filter((n) => !readyNodes.has(n));
      if (missing.length === 0) continue;
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} nodes)` : '');
      out.push({
        object: service,
        path: ['spec', 'externalTrafficPolicy'],
        message: `nodes without a ready local endpoint drop this Service's traffic: ${shown}`,
      });
    }
    return out;
  },
};
