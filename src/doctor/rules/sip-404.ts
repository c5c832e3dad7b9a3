import { edgeKindOf, envOf, isL7LoadBalancer, lbProxyProtocol } from '../context.ts';
import { analyzeTrust } from '../ranges.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-404: Kong's trusted_ips decides whose X-Real-IP / X-Forwarded-For / PROXY header counts. */
export const rule: Rule = {
  id: 'SIP-404',
  slug: 'kong-real-ip-trust',
  severity: 'error',
  title: 'Kong trusts real-IP headers from any address, or its real-IP settings contradict each other',
  symptom: 'spoofing-possible',
  concerns: ['Kong Deployment (KONG_TRUSTED_IPS, KONG_REAL_IP_HEADER, KONG_REAL_IP_RECURSIVE, KONG_PROXY_LISTEN)'],
  needs: 'static',
  why:
    'Kong takes the client from `real_ip_header` only when the peer is in `trusted_ips`. `0.0.0.0/0,::/0` lets any client ' +
    'choose its IP with X-Real-IP or X-Forwarded-For (Kong#3946) (error). `real_ip_header = proxy_protocol` without ' +
    '`proxy_protocol` on `proxy_listen` never takes effect, and `trusted_ips` unset behind an L7 LB or PROXY protocol ' +
    'leaves Kong seeing the LB address (warning). With `real_ip_recursive = off` and a multi-entry X-Forwarded-For, nginx ' +
    'takes the rightmost entry, which is the last proxy, not the client (info).',
  fix: 'Set `KONG_TRUSTED_IPS` to the LB ranges only; for PROXY use `KONG_PROXY_LISTEN="0.0.0.0:8000 proxy_protocol"` with `KONG_REAL_IP_HEADER=proxy_protocol`.',
  references: [
    'https://developer.konghq.com/kubernetes-ingress-controller/preserve-client-ip',
    'Kong/kong kong.conf.default (trusted_ips, real_ip_header, real_ip_recursive)',
    'Kong/kong#3946',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const workload of ctx.workloads) {
      if (edgeKindOf(workload) !== 'kong') continue;
      const env = envOf(workload);
      const trusted = env.get('KONG_TRUSTED_IPS');
      const header = env.get('KONG_REAL_IP_HEADER');
      const listen = env.get('KONG_PROXY_LISTEN');
      const recursive = env.get('KONG_REAL_IP_RECURSIVE');
      if (trusted) {
        const trust = analyzeTrust(trusted.value);
        if (trust.everything || trust.veryWide) {
          out.push({
            object: workload,
            path: trusted.path,
            message: `KONG_TRUSTED_IPS=${JSON.stringify(trusted.value)}: any client can set its IP with ${header?.value ?? 'X-Real-IP'}`,
          });
        }
      } else {
        const front = ctx.servicesFor(workload).find((s) => isL7LoadBalancer(s) || lbProxyProtocol(s));
        if (front) {
          out.push({
            object: workload,
            path: listen?.path ?? header?.path ?? ['spec'],
            severity: 'warning',
            message: `KONG_TRUSTED_IPS is unset but Service ${front.name} puts an L7/PROXY load balancer in front: Kong sees the LB address`,
            related: [front],
          });
        }
      }
      if (
        header &&
        header.value.toLowerCase() === 'proxy_protocol' &&
        !/\bproxy_protocol\b/.test(listen?.value ?? '')
      ) {
        out.push({
          object: workload,
          path: header.path,
          severity: 'warning',
          message: 'KONG_REAL_IP_HEADER=proxy_protocol but KONG_PROXY_LISTEN has no proxy_protocol listener',
        });
      }
      if (trusted && header && /^x-forwarded-for$/i.test(header.value) && !/^on$/i.test(recursive?.value ?? 'off')) {
        out.push({
          object: workload,
          path: recursive?.path ?? header.path,
          severity: 'info',
          message:
            'KONG_REAL_IP_HEADER=X-Forwarded-For with KONG_REAL_IP_RECURSIVE off: behind two proxies Kong picks a proxy address',
        });
      }
    }
    return out;
  },
};
