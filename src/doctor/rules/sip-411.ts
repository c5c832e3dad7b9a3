import { get } from '../context.ts';
import { isRecord } from '../loader/manifests.ts';
import { analyzeTrust } from '../ranges.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-411 (new): a plain nginx.conf in a ConfigMap using the realip module. */
export const rule: Rule = {
  id: 'SIP-411',
  slug: 'nginx-conf-real-ip',
  severity: 'error',
  title: 'nginx.conf (in a ConfigMap) trusts real-IP headers from every address, or reads one it never trusts',
  symptom: 'spoofing-possible',
  concerns: ['ConfigMap with nginx.conf / *.conf'],
  needs: 'static',
  why:
    'ngx_http_realip_module replaces the client address with `real_ip_header` only for peers in `set_real_ip_from`. ' +
    '`set_real_ip_from 0.0.0.0/0` makes the header client-chosen (error). `real_ip_header` without any ' +
    '`set_real_ip_from` does nothing: the application logs the ingress pod IP and X-Forwarded-For looks ignored (warning).',
  fix: 'List the ingress controller / LB ranges in `set_real_ip_from` (the pod CIDR for an in-cluster ingress), with `real_ip_recursive on` for multi-hop chains.',
  references: ['https://nginx.org/en/docs/http/ngx_http_realip_module.html'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const cm of ctx.kind('ConfigMap')) {
      const data = get(cm.raw, ['data']);
      if (!isRecord(data)) continue;
      for (const [key, text] of Object.entries(data)) {
        if (
          typeof text !== 'string' ||
          !/\.conf$|nginx/.test(key) ||
          !/\breal_ip_header\b|\bset_real_ip_from\b/.test(text)
        )
          continue;
        const code = text.replace(/#[^\n]*/g, '');
        const from = [...code.matchAll(/\bset_real_ip_from\s+([^;\s]+)\s*;/g)].map((m) => m[1]!);
        const header = /\breal_ip_header\s+([^;\s]+)\s*;/.exec(code)?.[1];
        const trust = analyzeTrust(from);
        if (trust.everything || trust.veryWide) {
          out.push({
            object: cm,
            path: ['data', key],
            message: `${key}: set_real_ip_from ${trust.veryWide ?? '0.0.0.0/0'} lets any client set its IP with ${header ?? 'X-Real-IP'}`,
          });
        } else if (header && from.length === 0) {
          out.push({
            object: cm,
            path: ['data', key],
            severity: 'warning',
            message: `${key}: real_ip_header ${header} without set_real_ip_from has no effect: the app sees the proxy's IP`,
          });
        }
      }
    }
    return out;
  },
};
