import { parse } from 'yaml';
import { argsOf, get } from '../context.ts';
import { isRecord } from '../loader/manifests.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-109: kube-proxy settings that change which source address backends see. */
export const rule: Rule = {
  id: 'SIP-109',
  slug: 'kube-proxy-config',
  severity: 'info',
  title: 'kube-proxy masquerades all Service traffic (masqueradeAll) or runs a mode with known Local bugs',
  symptom: 'source-ip-is-node-ip',
  concerns: ['ConfigMap kube-system/kube-proxy', 'DaemonSet kube-system/kube-proxy'],
  needs: 'static',
  why:
    '`masqueradeAll: true` marks every pod→ClusterIP packet for SNAT, so a backend behind the gateway sees a node IP, not ' +
    'the gateway pod IP: a trusted-proxy list of pod CIDRs then fails (warning). ipvs mode had several ' +
    '`externalTrafficPolicy: Local` bugs (kubernetes#71596 still open) (info).',
  fix: "Drop `masqueradeAll`, or include the node CIDRs in the backend's trusted proxies; prefer iptables or nftables mode.",
  references: [
    'https://kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/',
    'kubernetes/kubernetes#71596',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const cm of ctx.kind('ConfigMap')) {
      if (cm.name !== 'kube-proxy' && cm.name !== 'kube-proxy-config') continue;
      const data = get(cm.raw, ['data']);
      if (!isRecord(data)) continue;
      for (const [key, text] of Object.entries(data)) {
        if (typeof text !== 'string' || !text.includes('KubeProxyConfiguration')) continue;
        let config: unknown;
        try {
          config = parse(text);
        } catch {
          continue;
        }
        if (!isRecord(config)) continue;
        const masq = ['iptables', 'nftables', 'ipvs', 'linux'].some((m) => get(config, [m, 'masqueradeAll']) === true);
        if (masq) {
          out.push({
            object: cm,
            path: ['data', key],
            severity: 'warning',
            message: 'kube-proxy masqueradeAll: true: backends see node IPs for all Service traffic',
          });
        }
        if (config.mode === 'ipvs') {
          out.push({
            object: cm,
            path: ['data', key],
            message: 'kube-proxy runs in ipvs mode, which has open externalTrafficPolicy Local bugs (kubernetes#71596)',
          });
        }
      }
    }
    for (const ds of ctx.kind('DaemonSet')) {
      if (ds.name !== 'kube-proxy') continue;
      for (const { arg, path } of argsOf(ds)) {
        if (/^--masquerade-all(=true)?$/.test(arg)) {
          out.push({
            object: ds,
            path,
            severity: 'warning',
            message: 'kube-proxy --masquerade-all: backends see node IPs for all Service traffic',
          });
        }
        if (/^--proxy-mode=ipvs$/.test(arg)) {
          out.push({
            object: ds,
            path,
            message: 'kube-proxy runs in ipvs mode, which has open externalTrafficPolicy Local bugs (kubernetes#71596)',
          });
        }
      }
    }
    return out;
  },
};
