import { describe, type Scenario } from '../context.ts';
import { ports } from '../services.ts';
import { addr } from '../topology.ts';

/** Scenario 3 of the guide: two ingress profiles, public strict and internal trusting the internal ranges. */
export const scenario7: Scenario = {
  id: 7,
  title: 'Two ingress profiles: public strict, internal trusting the internal ranges',
  async run(ctx) {
    const inet = addr.inet.ip;
    const internalProxy = addr.client.ip;
    const before = await ctx.metric('sourceip_spoof_attempts_total', { listener: 'public' });
    const publicForged = await ctx.whoami('inet', {
      url: `http://${addr.vip}:${ports.public}/`,
      headers: { 'X-Forwarded-For': '1.2.3.4' },
    });
    const after = await ctx.metric('sourceip_spoof_attempts_total', { listener: 'public' });
    const relayed = { 'X-Forwarded-For': inet };
    const internal = await ctx.whoami('client', { url: `http://${addr.vip}:${ports.internal}/`, headers: relayed });
    const publicRelayed = await ctx.whoami('client', { url: `http://${addr.vip}:${ports.public}/`, headers: relayed });
    const saw = (r: typeof internal) => (r.reply === null ? describe(r.result) : `app saw ${r.reply.client.ip}`);
    return [
      {
        scenario: 7,
        name: `public listener :${ports.public}: internet client ${inet} with a forged X-Forwarded-For 1.2.3.4`,
        expected: `the app sees ${inet}; a spoof attempt is counted`,
        observed: `${saw(publicForged)}; sourceip_spoof_attempts_total{listener="public"} +${after - before}`,
        pass: publicForged.reply?.client.ip === inet && after - before >= 1,
        note:
          'Each listener has its own trust profile: the public one believes no forwarding header except from the cloud LB; ' +
          "the internal one believes proxies in the internal ranges (nodes' segment, pod network).",
      },
      {
        scenario: 7,
        name: `internal listener :${ports.internal}: internal proxy ${internalProxy} relays ${inet} in X-Forwarded-For`,
        expected: `the app sees ${inet} (the internal proxy is trusted)`,
        observed: saw(internal),
        pass: internal.reply?.client.ip === inet,
      },
      {
        scenario: 7,
        name: `the same relayed request sent to the public listener :${ports.public}`,
        expected: `the app sees the proxy ${internalProxy} (the public profile does not trust it)`,
        observed: saw(publicRelayed),
        pass: publicRelayed.reply?.client.ip === internalProxy,
      },
    ];
  },
};
