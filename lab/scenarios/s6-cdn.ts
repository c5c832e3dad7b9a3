import { describe, headerOf, type Scenario } from '../context.ts';
import { ports } from '../services.ts';
import { addr } from '../topology.ts';

/** Scenario 2 of the guide, CDN: CF-Connecting-IP believed only from the CDN's range. */
export const scenario6: Scenario = {
  id: 6,
  title: 'CDN: CF-Connecting-IP from the CDN range only',
  async run(ctx) {
    const client = addr.inet.ip;
    const viaCdn = await ctx.whoami('inet', { url: `http://${addr.cdn.ip}:${ports.cdnHttp}/` });
    const before = await ctx.metric('sourceip_spoof_attempts_total', { listener: 'cdn' });
    const around = await ctx.whoami('inet', {
      url: `http://${addr.vip}:${ports.cdn}/`,
      headers: { 'CF-Connecting-IP': '1.2.3.4' },
    });
    const after = await ctx.metric('sourceip_spoof_attempts_total', { listener: 'cdn' });
    const cf = around.reply === null ? '' : headerOf(around.reply, 'CF-Connecting-IP');
    return [
      {
        scenario: 6,
        name: `internet client ${client} → CDN edge ${addr.cdn.ip} (sets CF-Connecting-IP) → VIP:${ports.cdn} → ingress → app`,
        expected: `the app sees ${client}`,
        observed: viaCdn.reply === null ? describe(viaCdn.result) : `app saw ${viaCdn.reply.client.ip}`,
        pass: viaCdn.reply?.client.ip === client,
        note: `The ingress listener reads CF-Connecting-IP only from the CDN's range (${addr.cdn.range}).`,
      },
      {
        scenario: 6,
        name: `same client around the CDN, straight to VIP:${ports.cdn} with a forged "CF-Connecting-IP: 1.2.3.4"`,
        expected: `not believed: the app sees ${client}; a spoof attempt is counted`,
        observed:
          around.reply === null
            ? describe(around.result)
            : `app saw ${around.reply.client.ip}${cf ? ` (CF-Connecting-IP "${cf}" reached the app)` : ' (forged header removed)'}; sourceip_spoof_attempts_total{listener="cdn"} +${after - before}`,
        pass: around.reply?.client.ip === client && after - before >= 1,
        note: 'A peer outside the CDN range is the client itself; its CF-Connecting-IP is stripped and counted as a spoof attempt.',
      },
    ];
  },
};
