import { isL7LoadBalancer } from '../context.ts';
import { edgeBehaviour } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-409 (new): behind an HTTP-mode LB the edge must trust the LB's X-Forwarded-For. */
export const rule: Rule = {
  id: 'SIP-409',
  slug: 'l7-lb-headers-not-trusted',
  severity: 'warning',
  title: 'an HTTP-mode load balancer writes X-Forwarded-For but the edge does not trust it',
  symptom: 'xff-empty',
  concerns: ['Service', 'ingress-nginx ConfigMap', 'Kong/Traefik workload'],
  needs: 'static',
  why:
    'An L7 load balancer (AWS CLB with `backend-protocol: http`, DigitalOcean/Hetzner/Linode/OCI in HTTP mode, Octavia ' +
    'with `x-forwarded-for`) connects from its own address and puts the client in X-Forwarded-For. An edge that does not ' +
    'trust headers (ingress-nginx `use-forwarded-headers: "false"`, Kong without `trusted_ips`, Traefik without ' +
    '`forwardedHeaders.trustedIPs`) logs the LB address and overwrites X-Forwarded-For with it: the application finds ' +
    'the client missing from X-Forwarded-For.',
  fix: 'Trust the LB\'s egress range for forwarded headers (ingress-nginx `use-forwarded-headers: "true"` + `proxy-real-ip-cidr: <LB range>`, Kong `trusted_ips`, Traefik `trustedIPs`), or switch the LB to TCP + PROXY protocol.',
  references: [
    'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#use-forwarded-headers',
    'https://developer.konghq.com/kubernetes-ingress-controller/preserve-client-ip',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const { service, workload, edge } of ctx.edgeServices()) {
      const l7 = isL7LoadBalancer(service);
      if (!l7) continue;
      const behaviour = edgeBehaviour(ctx, workload, edge);
      if (behaviour.trustsHeaders || behaviour.parsesProxy === undefined) continue;
      out.push({
        object: service,
        path: ['metadata', 'annotations', l7.key],
        message: `${l7.key}: ${l7.value} puts the client in X-Forwarded-For, but ${edge} (${workload.kind}/${workload.name}) does not trust it: the client IP is lost`,
        related: [workload, ...(behaviour.trustSetting ? [behaviour.trustSetting.object] : [])],
      });
    }
    return out;
  },
};
