import { describe, type Scenario } from '../context.ts';
import { ports } from '../services.ts';
import { addr, services } from '../topology.ts';

/** IPv6 clients (fd00::/8) through the kernel path and through the gateway chains. */
export const scenario9: Scenario = {
  id: 9,
  title: 'IPv6 clients',
  async run(ctx) {
    const node1 = addr.nodes[0].ip6;
    const nodePort = await ctx.whoami('client', { url: `http://[${node1}]:${services.echoLocal.nodePort}/` });
    const accepted = { listener: 'proxy', outcome: 'accepted' };
    const before = await ctx.metric('sourceip_proxy_protocol_total', accepted);
    const proxied = await ctx.whoami('inet', { url: `http://[${addr.lb.wan6}]:${ports.lbProxy}/`, timeoutMs: 4000 });
    const acceptedDelta = (await ctx.metric('sourceip_proxy_protocol_total', accepted)) - before;
    const vip6 = await ctx.whoami('inet', {
      url: `http://[${addr.vip6}]:${ports.public}/`,
      headers: { 'X-Forwarded-For': '2001:db8::66' },
    });
    const saw = (r: typeof proxied, what: string) => (r.reply === null ? describe(r.result) : `app saw ${what}`);
    return [
      {
        scenario: 9,
        name: `client [${addr.client.ip6}] → node1 [${node1}]:${services.echoLocal.nodePort} (Local, ip6tables DNAT) → echo pod`,
        expected: `the app sees ${addr.client.ip6}`,
        observed: saw(nodePort, String(nodePort.reply?.peer.ip)),
        pass: nodePort.reply?.peer.ip === addr.client.ip6,
        note: 'The same kube-proxy rules in ip6tables; the PROXY v2 header carries an IPv6 client (TCP6) over an IPv4 hop.',
      },
      {
        scenario: 9,
        name: `internet client [${addr.inet.ip6}] → LB [${addr.lb.wan6}]:${ports.lbProxy} (PROXY v2) → VIP (IPv4) → ingress → app`,
        expected: `the app sees ${addr.inet.ip6} (carried by the PROXY v2 header over the IPv4 hop)`,
        observed: `${saw(proxied, String(proxied.reply?.client.ip))}; PROXY accepted +${acceptedDelta}`,
        pass: proxied.reply?.client.ip === addr.inet.ip6 && acceptedDelta >= 1,
      },
      {
        scenario: 9,
        name: `internet client [${addr.inet.ip6}] → VIP [${addr.vip6}]:${ports.public} (strict) with a forged X-Forwarded-For`,
        expected: `the app sees ${addr.inet.ip6}`,
        observed: saw(vip6, String(vip6.reply?.client.ip)),
        pass: vip6.reply?.client.ip === addr.inet.ip6,
      },
    ];
  },
};
