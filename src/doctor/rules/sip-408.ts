import { edgeKindOf } from '../context.ts';
import type { RawFinding, Rule } from '../types.ts';

/** SIP-408: ingress-nginx is retiring. */
export const rule: Rule = {
  id: 'SIP-408',
  slug: 'ingress-nginx-retirement',
  severity: 'info',
  title: 'ingress-nginx is retiring (best-effort maintenance until March 2026)',
  symptom: 'context',
  concerns: ['ingress-nginx controller workload'],
  needs: 'static',
  why: 'The ingress-nginx README announces retirement: "best-effort maintenance will continue until March 2026". Client-IP fixes (#9163, #11994) may never land.',
  fix: 'Plan a migration (a Gateway API implementation, or sourceip gateway); the client-IP rules here apply to the successor too.',
  references: ['kubernetes/ingress-nginx README.md'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const workload of ctx.workloads) {
      if (edgeKindOf(workload) !== 'ingress-nginx') continue;
      out.push({
        object: workload,
        path: ['spec'],
        message: `${workload.kind}/${workload.name} runs ingress-nginx, which is retiring`,
      });
    }
    return out;
  },
};
