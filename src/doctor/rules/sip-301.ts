import { lbProxyProtocol } from '../context.ts';
import { edgeBehaviour } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-301: the LB and the edge must agree on PROXY protocol. */
export const rule: Rule = {
  id: 'SIP-301',
  slug: 'proxy-protocol-mismatch',
  severity: 'error',
  title: 'the load balancer and the edge proxy disagree on PROXY protocol',
  symptom: 'source-ip-is-node-ip',
  concerns: [
    'Service',
    'ingress-nginx ConfigMap',
    'Kong/Traefik/Contour workload',
    'ClientTrafficPolicy',
    'sourceip.yaml',
  ],
  needs: 'static',
  why:
    'If the LB sends PROXY protocol and the edge does not parse it, every request starts with `PROXY TCP4 …` garbage and ' +
    'fails; if the edge expects it and the LB does not send it, every connection fails with "broken header … while reading ' +
    'PROXY protocol". Azure: "the backend service MUST support the PROXY protocol or the connections will fail". The ' +
    'two settings must move together.',
  fix:
    'Flip both in one change: the LB annotation (e.g. `service.beta.kubernetes.io/aws-load-balancer-proxy-protocol: "*"`) ' +
    'and the edge (`use-proxy-protocol: "true"`, Kong `proxy_listen … proxy_protocol`, Traefik `entryPoints.<ep>.proxyProtocol`, ' +
    'sourceip listener `proxyProtocol.mode: required`).',
  references: [
    'kubernetes/ingress-nginx#3996',
    'kubernetes/ingress-nginx#9643',
    'https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const { service, workload, edge } of ctx.edgeServices()) {
      const lb = lbProxyProtocol(service);
      const behaviour = edgeBehaviour(ctx, workload, edge);
      if (behaviour.parsesProxy === undefined) continue;
      if (lb && !behaviour.parsesProxy) {
        out.push({
          object: service,
          path: ['metadata', 'annotations', lb.key],
          message: `the LB sends PROXY protocol (${lb.key}) but ${edge} (${workload.kind}/${workload.name}) does not parse it: every request fails`,
          related: [workload, ...(behaviour.proxySetting ? [behaviour.proxySetting.object] : [])],
        });
      } else if (!lb && (behaviour.requiresProxy ?? behaviour.parsesProxy) && behaviour.proxySetting) {
        out.push({
          object: behaviour.proxySetting.object,
          path: behaviour.proxySetting.path,
          message: `${edge} requires PROXY protocol but Service ${service.name} has no LB annotation that sends it: "broken header" on every connection`,
          related: [service, workload],
        });
      }
    }
    return out;
  },
};
