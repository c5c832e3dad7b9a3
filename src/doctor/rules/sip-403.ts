import type { DoctorContext, EdgeKind } from '../context.ts';
import { annotations, get, str } from '../context.ts';
import { clientIpLoss, nginxConfigMaps, nginxData } from '../edge.ts';
import type { RawFinding, Rule } from '../types.ts';

const NGINX_ANNOTATIONS = [
  'allowlist-source-range',
  'whitelist-source-range',
  'denylist-source-range',
  'limit-rps',
  'limit-rpm',
  'limit-connections',
  'limit-allowlist',
  'limit-whitelist',
];
const NGINX_KEYS = ['whitelist-source-range', 'denylist-source-range', 'block-cidrs'];

/** Why the edge of this kind does not get the client IP, if any of its Services loses it. */
function lossFor(ctx: DoctorContext, edge: EdgeKind): string | undefined {
  for (const entry of ctx.edgeServices(edge)) {
    const loss = clientIpLoss(ctx, entry.service);
    if (loss) return `${loss} (Service ${entry.service.name})`;
  }
  return undefined;
}

/** SIP-403: allowlists and rate limits keyed by an IP that is the node's or the LB's. */
export const rule: Rule = {
  id: 'SIP-403',
  slug: 'ip-controls-without-real-ip',
  severity: 'error',
  title: 'IP allowlists or rate limits on an edge that does not receive the client IP',
  symptom: 'source-ip-is-node-ip',
  concerns: ['Ingress', 'ingress-nginx ConfigMap', 'Traefik Middleware', 'KongPlugin'],
  needs: 'static',
  why:
    'ingress-nginx: "The client IP address will be set based on the use of PROXY protocol or from the X-Forwarded-For header ' +
    'value when use-forwarded-headers is enabled". When the edge only sees node or LB addresses, every client shares one ' +
    'address: allowlists block everyone or (if node ranges are allowed) admit everyone, and rate limits become one bucket.',
  fix: 'Fix client-IP delivery first (externalTrafficPolicy Local, PROXY protocol, or trusted X-Forwarded-For from the LB), then rely on the controls.',
  references: [
    'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#whitelist-source-range',
    'kubernetes/ingress-nginx#9502',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    const nginxLoss = lossFor(ctx, 'ingress-nginx');
    if (nginxLoss) {
      for (const ingress of ctx.kind('Ingress')) {
        const anns = annotations(ingress);
        const cls =
          str(get(ingress.raw, ['spec', 'ingressClassName'])) ?? anns['kubernetes.io/ingress.class'] ?? 'nginx';
        if (!cls.includes('nginx')) continue;
        const key = NGINX_ANNOTATIONS.map((a) => `nginx.ingress.kubernetes.io/${a}`).find((a) => a in anns);
        if (!key) continue;
        out.push({
          object: ingress,
          path: ['metadata', 'annotations', key],
          message: `${key.split('/')[1]} keys on an address that is not the client's: ${nginxLoss}`,
        });
      }
      for (const cm of nginxConfigMaps(ctx)) {
        const data = nginxData(cm);
        const key = NGINX_KEYS.find((k) => k in data);
        if (key)
          out.push({
            object: cm,
            path: ['data', key],
            message: `${key} keys on an address that is not the client's: ${nginxLoss}`,
          });
      }
    }
    const traefikLoss = lossFor(ctx, 'traefik');
    if (traefikLoss) {
      for (const mw of ctx.kind('Middleware')) {
        const spec = get(mw.raw, ['spec']);
        const key = ['ipAllowList', 'ipWhiteList', 'rateLimit'].find((k) => get(spec, [k]) !== undefined);
        if (key)
          out.push({
            object: mw,
            path: ['spec', key],
            message: `Traefik ${key} keys on an address that is not the client's: ${traefikLoss}`,
          });
      }
    }
    const kongLoss = lossFor(ctx, 'kong');
    if (kongLoss) {
      for (const plugin of [...ctx.kind('KongPlugin'), ...ctx.kind('KongClusterPlugin')]) {
        const name = str(get(plugin.raw, ['plugin'])) ?? '';
        const limitBy = str(get(plugin.raw, ['config', 'limit_by'])) ?? 'consumer';
        if (name === 'ip-restriction' || (name.startsWith('rate-limiting') && limitBy === 'ip')) {
          out.push({
            object: plugin,
            path: ['plugin'],
            message: `Kong ${name} keys on an address that is not the client's: ${kongLoss}`,
          });
        }
      }
    }
    return out;
  },
};
