import { lbProxyProtocol } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-407: Gateway API carries LB annotations but no client-IP setting: both halves must be configured. */
export const rule: Rule = {
  id: 'SIP-407',
  slug: 'gateway-api-lb-annotations',
  severity: 'info',
  title: 'Gateway puts a PROXY protocol annotation on its generated Service: the listener policy must match',
  symptom: 'context',
  concerns: ['Gateway', 'ClientTrafficPolicy'],
  needs: 'static',
  why:
    'Gateway API core has no client-IP, PROXY or trusted-proxy field; `spec.infrastructure.annotations` are copied to the ' +
    'generated Service, and the listener side lives in implementation policies (Envoy Gateway ClientTrafficPolicy, …). ' +
    'The generated Service is not in your manifests: run `sourceip doctor --cluster` to check it with the Service rules.',
  fix: "Mirror the PROXY annotation in the implementation's listener policy (ClientTrafficPolicy `spec.proxyProtocol`), and check the generated Service live.",
  references: [
    'https://gateway-api.sigs.k8s.io/guides/infrastructure/',
    'https://gateway-api.sigs.k8s.io/geps/gep-1867/',
  ],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const gateway of ctx.kind('Gateway')) {
      const fake = {
        ...gateway,
        raw: {
          metadata: {
            annotations: (gateway.raw.spec as { infrastructure?: { annotations?: unknown } } | undefined)
              ?.infrastructure?.annotations,
          },
        },
      };
      const pp = lbProxyProtocol(fake);
      if (!pp) continue;
      const policy = ctx
        .kind('ClientTrafficPolicy')
        .some((p) => JSON.stringify(p.raw.spec ?? {}).match(/"(proxyProtocol|enableProxyProtocol)"/));
      out.push({
        object: gateway,
        path: ['spec', 'infrastructure', 'annotations', pp.key],
        severity: policy ? 'info' : 'warning',
        message: policy
          ? `PROXY annotation ${pp.key} on the generated Service; a ClientTrafficPolicy enables PROXY parsing`
          : `PROXY annotation ${pp.key} on the generated Service but no ClientTrafficPolicy enables PROXY parsing`,
      });
    }
    return out;
  },
};
