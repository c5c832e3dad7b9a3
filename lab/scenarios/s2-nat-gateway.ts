import { describe, type Scenario } from '../context.ts';
import { addr, services } from '../topology.ts';

/** Lab 1 from a client behind a NAT gateway (the guide's 10.10.10.251): the app sees the gateway. */
export const scenario2: Scenario = {
  id: 2,
  title: 'Lab 1: client behind the NAT gateway',
  async run(ctx) {
    const node1 = addr.nodes[0].ip;
    const { reply, result } = await ctx.whoami('home', {
      url: `http://${node1}:${services.echoLocal.nodePort}/`,
    });
    const seen = reply?.peer.ip ?? null;
    return [
      {
        scenario: 2,
        name: `home client ${addr.home.ip} → NAT gateway → node1:${services.echoLocal.nodePort} (Local)`,
        expected: `❌ the app sees the NAT gateway (${addr.natgw.lan}), not ${addr.home.ip}`,
        observed: seen === null ? describe(result) : `app saw ${seen}`,
        pass: seen === addr.natgw.lan,
        note:
          'The NAT gateway MASQUERADEs the home segment to its own address before the packet reaches the cluster; ' +
          'externalTrafficPolicy: Local keeps the source the node received, and that source is already the gateway. ' +
          'No Kubernetes setting can recover an address rewritten upstream: only the NAT device (or a proxy header it adds) knows it.',
      },
    ];
  },
};
