import { isTrue } from '../context.ts';
import { traefikSettings } from '../edge.ts';
import { analyzeTrust } from '../ranges.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-405: Traefik entry points that trust forwarded headers / PROXY from anyone. */
export const rule: Rule = {
  id: 'SIP-405',
  slug: 'traefik-trust-all',
  severity: 'error',
  title: 'Traefik entry point trusts forwarded headers or PROXY protocol from any address',
  symptom: 'spoofing-possible',
  concerns: ['Traefik Deployment/DaemonSet args', 'ConfigMap traefik.yml'],
  needs: 'static',
  why:
    'Traefik entry points honour X-Forwarded-* and PROXY protocol only from `trustedIPs`; `insecure: true` or `0.0.0.0/0` ' +
    'trusts every client, which can then choose its IP (copy-pasted examples are common).',
  fix: 'List only the LB / CDN ranges in `forwardedHeaders.trustedIPs` / `proxyProtocol.trustedIPs`; remove `insecure`.',
  references: [
    'https://doc.traefik.io/traefik/routing/entrypoints/#forwarded-headers',
    'https://doc.traefik.io/traefik/routing/entrypoints/#proxyprotocol',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const { key, setting } of traefikSettings(ctx)) {
      const insecure = key.endsWith('.insecure') && isTrue(setting.value);
      const trust = key.endsWith('.trustedips') ? analyzeTrust(setting.value) : undefined;
      if (!insecure && !trust?.everything && !trust?.veryWide) continue;
      out.push({
        object: setting.object,
        path: setting.path,
        message: `Traefik ${key}${insecure ? '' : `=${setting.value}`} trusts every client: the client IP can be forged`,
      });
    }
    return out;
  },
};
