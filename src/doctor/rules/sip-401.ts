import { isTrue } from '../context.ts';
import { nginxConfigMaps, nginxData } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';
import { analyzeTrust, NGINX_DEFAULT } from './shared.ts';

/** SIP-401: ingress-nginx believes X-Forwarded-For from anyone by default. */
export const rule: Rule = {
  id: 'SIP-401',
  slug: 'nginx-trusts-xff-from-anyone',
  severity: 'error',
  title: 'ingress-nginx trusts X-Forwarded-For from any address (proxy-real-ip-cidr unset or 0.0.0.0/0)',
  symptom: 'spoofing-possible',
  concerns: ['ConfigMap (ingress-nginx controller)'],
  needs: 'static',
  why:
    'With `use-forwarded-headers: "true"` (or `enable-real-ip`), ingress-nginx takes the client from X-Forwarded-For when ' +
    'the peer is in `proxy-real-ip-cidr`, whose default is `0.0.0.0/0`: any client sets its own IP, and allowlists and rate ' +
    'limits keyed by it are bypassed (ingress-nginx#1000, #9502). Even with a narrow range, X-Forwarded-Host/-Proto are ' +
    'passed through from anyone when use-forwarded-headers is on (ingress-nginx#9163, open) (warning). Entries that are ' +
    'not CIDRs (a copied `XXX.XXX.XXX/XX` placeholder) make nginx reject the configuration (warning).',
  fix: 'Set `proxy-real-ip-cidr` to the LB / L7 proxy ranges only; keep `use-forwarded-headers: "false"` behind L4 load balancers.',
  references: [
    'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#use-forwarded-headers',
    'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#proxy-real-ip-cidr',
    'kubernetes/ingress-nginx#1815',
    'kubernetes/ingress-nginx#9163',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const cm of nginxConfigMaps(ctx)) {
      const data = nginxData(cm);
      const key = isTrue(data['use-forwarded-headers'])
        ? 'use-forwarded-headers'
        : isTrue(data['enable-real-ip'])
          ? 'enable-real-ip'
          : undefined;
      if (!key) continue;
      const trust = analyzeTrust(data['proxy-real-ip-cidr'] ?? NGINX_DEFAULT);
      if (trust.invalid.length > 0) {
        out.push({
          object: cm,
          path: ['data', 'proxy-real-ip-cidr'],
          severity: 'warning',
          message: `proxy-real-ip-cidr has entries that are not CIDRs (${trust.invalid
            .slice(0, 3)
            .map((e) => JSON.stringify(e.slice(0, 40)))
            .join(', ')}): nginx rejects set_real_ip_from and the controller keeps its old configuration`,
        });
      }
      if (trust.everything || trust.veryWide) {
        const unset = data['proxy-real-ip-cidr'] === undefined;
        out.push({
          object: cm,
          path: ['data', unset ? key : 'proxy-real-ip-cidr'],
          message: `${key} is on and proxy-real-ip-cidr ${unset ? 'is unset (default 0.0.0.0/0)' : `is ${JSON.stringify(data['proxy-real-ip-cidr'])}`}: any client can set its IP with ${data['forwarded-for-header'] ?? 'X-Forwarded-For'}`,
        });
      } else if (key === 'use-forwarded-headers') {
        out.push({
          object: cm,
          path: ['data', key],
          severity: 'warning',
          message:
            'use-forwarded-headers passes X-Forwarded-Host/-Proto from any client, whatever proxy-real-ip-cidr says (ingress-nginx#9163)',
        });
      }
    }
    return out;
  },
};
