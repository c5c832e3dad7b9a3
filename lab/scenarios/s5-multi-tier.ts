import { describe, headerOf, type Scenario } from '../context.ts';
import { ports } from '../services.ts';
import { addr } from '../topology.ts';

/** Scenario 1 of the guide, multi-tier: cloud LB (HAProxy, X-Forwarded-For) → VIP → ingress trusting the internal range. */
export const scenario5: Scenario = {
  id: 5,
  title: 'Multi-tier: cloud LB adds X-Forwarded-For → VIP → ingress trusting the internal range',
  async run(ctx) {
    const client = addr.inet.ip;
    const { reply, result } = await ctx.whoami('inet', { url: `http://${addr.lb.wan}:${ports.lbHttp}/` });
    const xff = reply === null ? '' : headerOf(reply, 'X-Forwarded-For');
    const chain = `${client}, ${addr.lb.lan}`;
    return [
      {
        scenario: 5,
        name: `internet client ${client} → cloud LB ${addr.lb.wan} (HTTP, option forwardfor) → VIP:${ports.multiTier} → ingress → app`,
        expected: `the app sees ${client} and the full chain "${chain}"`,
        observed: reply === null ? describe(result) : `app saw ${reply.client.ip}; X-Forwarded-For "${xff}"`,
        pass: reply?.client.ip === client && xff === chain,
        note:
          "The ingress trusts the internal range (198.18.10.0/24, where the LB lives) and the pod network: it takes the LB's entry, " +
          'keeps the incoming chain and appends the LB (compute-full-forwarded-for), and passes the client in X-Real-IP, which the app trusts from the ingress pods.',
      },
    ];
  },
};
