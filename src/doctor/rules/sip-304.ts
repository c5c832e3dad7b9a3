import { isL7LoadBalancer, isProxyingProvider, lbProxyProtocol, providerOf, serviceType } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-304: a TCP-terminating LB shows its own IP unless PROXY or HTTP mode is on. */
export const rule: Rule = {
  id: 'SIP-304',
  slug: 'proxy-lb-without-client-ip-mechanism',
  severity: 'warning',
  title: 'a proxying load balancer in TCP mode without PROXY protocol: pods see the LB IP',
  symptom: 'source-ip-is-node-ip',
  concerns: ['Service'],
  needs: 'static',
  why:
    'AWS Classic LB, DigitalOcean, Hetzner, Linode, Scaleway, OVH, OCI flexible LB and OpenStack Octavia terminate TCP and ' +
    'open a new connection to the nodes: "DigitalOcean load balancers do not automatically retain the client source IP ' +
    'address". `externalTrafficPolicy: Local` only removes the second (node) hop.',
  fix: "Enable the provider's PROXY annotation and PROXY parsing on the edge together (SIP-301), or use the LB's HTTP mode (X-Forwarded-For) and trust only the LB's egress range.",
  references: [
    'https://kubernetes.io/docs/tutorials/services/source-ip/#cross-platform-support',
    'digitalocean/digitalocean-cloud-controller-manager docs/controllers/services/annotations.md',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const service of ctx.services) {
      if (serviceType(service) !== 'LoadBalancer') continue;
      const provider = providerOf(service);
      if (!isProxyingProvider(provider) || lbProxyProtocol(service) || isL7LoadBalancer(service)) continue;
      out.push({
        object: service,
        path: ['metadata', 'annotations'],
        message: `the ${provider} load balancer terminates TCP and no PROXY protocol annotation is set: pods see the LB IP`,
      });
    }
    return out;
  },
};
