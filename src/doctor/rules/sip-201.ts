import { isExposed, providerOf, serviceType, trafficPolicy } from '../context.ts';
import { nginxData } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-201: what the eBPF dataplane does to the client IP. */
export const rule: Rule = {
  id: 'SIP-201',
  slug: 'dataplane-source-ip-mode',
  severity: 'info',
  title: 'Cilium kube-proxy replacement in SNAT mode, or with settings that break client-IP preservation',
  symptom: 'source-ip-is-node-ip',
  concerns: ['ConfigMap kube-system/cilium-config'],
  needs: 'static',
  why:
    'Cilium kube-proxy replacement defaults to SNAT (`bpf-lb-mode: snat`), which behaves like kube-proxy for `Cluster` ' +
    'Services; `dsr` or `hybrid` keep the client IP but need native routing (or Geneve dispatch) (warning when missing). ' +
    "Its health server for port 10256 is off by default, so LBs that probe kube-proxy's 10256 for `Cluster` Services " +
    '(AKS "Shared" probe mode, DigitalOcean) mark every node unhealthy (warning).',
  fix: 'Set `loadBalancer.mode=dsr|hybrid` with `routingMode=native`, or use externalTrafficPolicy Local; set `kubeProxyReplacementHealthzBindAddr=0.0.0.0:10256`.',
  references: ['https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/', 'kubernetes/kubernetes#134648'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const cm of ctx.kind('ConfigMap')) {
      if (cm.name !== 'cilium-config') continue;
      const data = nginxData(cm);
      if (!/^(true|strict)$/.test(data['kube-proxy-replacement'] ?? '')) continue;
      const mode = data['bpf-lb-mode'] ?? 'snat';
      if (mode === 'snat') {
        out.push({
          object: cm,
          path: ['data', 'bpf-lb-mode' in data ? 'bpf-lb-mode' : 'kube-proxy-replacement'],
          message:
            'Cilium kube-proxy replacement in SNAT mode: externalTrafficPolicy Cluster Services lose the client IP',
        });
      } else if (data['routing-mode'] !== 'native' && data['bpf-lb-dsr-dispatch'] !== 'geneve') {
        out.push({
          object: cm,
          path: ['data', 'bpf-lb-mode'],
          severity: 'warning',
          message: `Cilium bpf-lb-mode ${mode} needs routing-mode native or bpf-lb-dsr-dispatch geneve`,
        });
      }
      if (!data['kube-proxy-replacement-healthz-bind-address']) {
        const probers = ctx.services.filter(
          (s) =>
            isExposed(s) &&
            serviceType(s) === 'LoadBalancer' &&
            trafficPolicy(s) === 'Cluster' &&
            ['azure', 'digitalocean'].includes(providerOf(s)),
        );
        if (probers.length > 0) {
          out.push({
            object: cm,
            path: ['data'],
            severity: 'warning',
            message: `Cilium health server on 10256 is off but ${probers.map((s) => s.name).join(', ')} (Cluster policy) are probed there by the LB`,
            related: probers,
          });
        }
      }
    }
    return out;
  },
};
