import { annotations, get, lbProxyProtocol, providerOf } from '../context.ts';
import { isRecord } from '../loader/manifests.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-106: in-cluster callers of the LB IP skip the LB and its PROXY header. */
export const rule: Rule = {
  id: 'SIP-106',
  slug: 'proxy-protocol-hairpin',
  severity: 'warning',
  title: 'PROXY protocol behind an LB IP that kube-proxy short-circuits: in-cluster callers get "broken header"',
  symptom: 'traffic-loss',
  concerns: ['Service (status.loadBalancer)'],
  needs: 'static',
  why:
    'When a Service status lists an `ip` for its load balancer (without `ipMode: Proxy`), kube-proxy and Cilium send ' +
    'in-cluster traffic for that IP straight to the endpoints, skipping the LB, so the PROXY header the edge requires is ' +
    "missing (cert-manager HTTP-01 self-checks, apps calling their own public hostname). DigitalOcean's CCM never sets " +
    '`ipMode: Proxy`, so a PROXY-enabled DO Service without the hostname workaround always has the problem.',
  fix:
    "Use a CCM that sets `ipMode: Proxy` (Kubernetes ≥ 1.30), or the provider's hostname workaround " +
    '(`service.beta.kubernetes.io/do-loadbalancer-hostname`, `load-balancer.hetzner.cloud/hostname`, ' +
    '`service.beta.kubernetes.io/scw-loadbalancer-use-hostname`), or an in-cluster proxy that adds PROXY.',
  references: [
    'KEP-1860 kube-proxy IP node binding',
    'https://kubernetes.io/docs/concepts/services-networking/service/#load-balancer-ip-mode',
    'digitalocean/digitalocean-cloud-controller-manager#811',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      const pp = lbProxyProtocol(service);
      if (!pp) continue;
      const ingress = get(service.raw, ['status', 'loadBalancer', 'ingress']);
      const anns = annotations(service);
      if (Array.isArray(ingress)) {
        const index = ingress.findIndex(
          (i) => isRecord(i) && typeof i.ip === 'string' && !i.hostname && i.ipMode !== 'Proxy',
        );
        if (index >= 0) {
          out.push({
            object: service,
            path: ['status', 'loadBalancer', 'ingress', index],
            message: `LB IP ${String((ingress[index] as Record<string, unknown>).ip)} without ipMode Proxy: in-cluster requests to it bypass the LB and lack the PROXY header`,
          });
        }
        continue;
      }
      if (providerOf(service) === 'digitalocean' && !anns['service.beta.kubernetes.io/do-loadbalancer-hostname']) {
        out.push({
          object: service,
          path: ['metadata', 'annotations', pp.key],
          message:
            'DigitalOcean PROXY protocol without do-loadbalancer-hostname: in-cluster requests to the LB IP bypass it and lack the PROXY header',
        });
      }
    }
    return out;
  },
};
