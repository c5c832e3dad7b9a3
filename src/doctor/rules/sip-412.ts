import { isTrue } from '../context.ts';
import { nginxConfigMaps, nginxData } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-412 (new): compute-full-forwarded-for passes the client's own X-Forwarded-For to backends. */
export const rule: Rule = {
  id: 'SIP-412',
  slug: 'nginx-full-xff-passes-client-chain',
  severity: 'warning',
  title: 'ingress-nginx compute-full-forwarded-for forwards the X-Forwarded-For chain the client sent',
  symptom: 'spoofing-possible',
  concerns: ['ConfigMap (ingress-nginx controller)'],
  needs: 'static',
  why:
    'With `compute-full-forwarded-for: "true"` and `use-forwarded-headers: "true"` (the template requires both) ingress-nginx ' +
    'sends `$http_x_forwarded_for, <peer>` upstream: whatever the client put in X-Forwarded-For reaches the backend, ' +
    'whether or not its peer is in `proxy-real-ip-cidr`. A backend that reads the ' +
    'leftmost entry (`split(",")[0]`, Express `trust proxy = true`) is spoofable; the entries are only meaningful from ' +
    'the right, up to the first untrusted hop.',
  fix: 'Make backends resolve right-to-left with the ingress pods as the only trusted proxies (sourceip `strict`), or turn compute-full-forwarded-for off so the backend gets the resolved client only.',
  references: [
    'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#compute-full-forwarded-for',
    'kubernetes/ingress-nginx#11994',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const cm of nginxConfigMaps(ctx)) {
      const data = nginxData(cm);
      // nginx.tmpl: `{{ if and $cfg.UseForwardedHeaders $cfg.ComputeFullForwardedFor }}` — one without the other does nothing.
      if (!isTrue(data['compute-full-forwarded-for']) || !isTrue(data['use-forwarded-headers'])) continue;
      out.push({
        object: cm,
        path: ['data', 'compute-full-forwarded-for'],
        message:
          'compute-full-forwarded-for passes the client-supplied X-Forwarded-For to backends: backends must not read its leftmost entry',
      });
    }
    return out;
  },
};
