import { describe, type Scenario } from '../context.ts';
import { addr, services } from '../topology.ts';

/** Lab 1: a client on the nodes' segment → NodePort (externalTrafficPolicy Local) on the node with the pod. */
export const scenario1: Scenario = {
  id: 1,
  title: 'Lab 1: same segment, NodePort + Local',
  async run(ctx) {
    const node1 = addr.nodes[0].ip;
    const { reply, result } = await ctx.whoami('client', {
      url: `http://${node1}:${services.echoLocal.nodePort}/`,
    });
    const seen = reply?.peer.ip ?? null;
    return [
      {
        scenario: 1,
        name: `client ${addr.client.ip} → node1 ${node1}:${services.echoLocal.nodePort} (Local) → echo pod`,
        expected: `the app sees the client (${addr.client.ip})`,
        observed: seen === null ? describe(result) : `app saw ${seen} (pod ${reply?.host})`,
        pass: seen === addr.client.ip && reply?.host === 'echo1',
        note: 'Local: kube-proxy DNATs to the node-local pod and does not masquerade, so the source address survives.',
      },
    ];
  },
};
