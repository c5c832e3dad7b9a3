import { describe, type LabContext, parseNginxApp, type Row, type Scenario } from '../context.ts';
import { ports } from '../services.ts';
import { addr } from '../topology.ts';

const FORGED = '1.2.3.4';

async function nginxApp(ctx: LabContext, port: number, path: string, headers: Record<string, string>) {
  const result = await ctx.request('client', { url: `http://${addr.vip}:${port}${path}`, headers });
  if (!result.ok || result.status !== 200) return { app: null, text: describe(result) };
  const app = parseNginxApp(result.body);
  return { app, text: `remote_addr=${app.remoteAddr}, X-Forwarded-For "${app.xff}", X-Real-IP ${app.xRealIp}` };
}

/** Compares the app's answer through the gateway with its answer through real nginx rendered like ingress-nginx. */
function same(gateway: { text: string }, reference: { text: string }): string {
  return gateway.text === reference.text
    ? 'identical through real nginx rendered like ingress-nginx'
    : `through real nginx rendered like ingress-nginx: ${reference.text}`;
}

/**
 * Lab 2: MetalLB VIP → ingress (the gateway loaded with the guide's ingress-nginx ConfigMap through
 * `sourceip config import`) → the guide's NGINX test application; then the guide's own spoof check,
 * and the same chain with sourceip's strict profile.
 */
export const scenario4: Scenario = {
  id: 4,
  title: 'Lab 2: VIP → ingress (imported ingress-nginx ConfigMap) → nginx test app',
  async run(ctx) {
    const client = addr.client.ip;
    const rows: Row[] = [];
    const plain = await nginxApp(ctx, ports.imported, '/', {});
    const plainRef = await nginxApp(ctx, ports.nginxIngress, '/', {});
    rows.push({
      scenario: 4,
      name: `client ${client} → VIP ${addr.vip}:80 → ingress (config import of the guide's ConfigMap) → nginx app`,
      expected: `remote_addr = ${client}, X-Forwarded-For = ${client}`,
      observed: `${plain.text}; ${same(plain, plainRef)}`,
      pass: plain.app?.remoteAddr === client && plain.app.xff === client && plain.text === plainRef.text,
      note:
        'The VIP is on node1 (L2), the LoadBalancer Service is Local, so the ingress pod sees the client; it appends the peer ' +
        'to X-Forwarded-For (compute-full-forwarded-for) and the app, trusting the pod network recursively, takes it.',
    });
    const spoofed = await nginxApp(ctx, ports.imported, '/', { 'X-Forwarded-For': FORGED });
    const spoofedRef = await nginxApp(ctx, ports.nginxIngress, '/', { 'X-Forwarded-For': FORGED });
    const warned = ctx.importedConfig.includes('proxy-real-ip-cidr is unset');
    rows.push({
      scenario: 4,
      name: `same, with the guide's check -H "X-Forwarded-For: ${FORGED}" (proxy-real-ip-cidr default 0.0.0.0/0)`,
      expected: `spoofable: the ingress names ${FORGED} as the client; the chain reaches the app as "${FORGED}, ${client}"`,
      observed: `${spoofed.text}; ${same(spoofed, spoofedRef)}${warned ? '; config import warned: proxy-real-ip-cidr unset = 0.0.0.0/0 (SIP-401)' : '; config import did NOT warn'}`,
      pass:
        spoofed.app?.xRealIp === FORGED &&
        spoofed.app.xff === `${FORGED}, ${client}` &&
        warned &&
        spoofed.text === spoofedRef.text,
      note:
        'With 0.0.0.0/0 trusted, the ingress believes any X-Forwarded-For: its client (X-Real-IP, its logs, its allow-lists and rate limits) ' +
        `is whatever the caller wrote. The test app's own $remote_addr stays ${client} only because it trusts the pod network alone and ` +
        'walks recursively; an app that reads X-Real-IP or the leftmost X-Forwarded-For entry is fooled.',
    });
    const before = await ctx.metric('sourceip_spoof_attempts_total', { listener: 'strict' });
    const strict = await nginxApp(ctx, ports.strict, '/nginx', { 'X-Forwarded-For': FORGED });
    const after = await ctx.metric('sourceip_spoof_attempts_total', { listener: 'strict' });
    rows.push({
      scenario: 4,
      name: `same forged header, ingress listener with sourceip's strict profile (trusts only the LB ${addr.lb.lan})`,
      expected: `the app sees ${client} (X-Forwarded-For "${client}", X-Real-IP ${client}); a spoof attempt is counted`,
      observed: `${strict.text}; sourceip_spoof_attempts_total{listener="strict"} +${after - before}`,
      pass:
        strict.app?.remoteAddr === client &&
        strict.app.xff === client &&
        strict.app.xRealIp === client &&
        after - before >= 1,
      note: 'The strict profile ignores forwarding headers from an untrusted peer, drops the forged chain and counts the attempt.',
    });
    return rows;
  },
};
