import { describe, type Row, type Scenario } from '../context.ts';
import { addr, services } from '../topology.ts';

/** Troubleshooting issue 1 and the uneven-distribution caveat: entering through node2, which has no echo pod. */
export const scenario3: Scenario = {
  id: 3,
  title: 'Cluster vs Local via a node without the pod; DaemonSet placement',
  async run(ctx) {
    const node2 = addr.nodes[1].ip;
    const [cluster, local, daemonset] = await Promise.all([
      ctx.whoami('client', { url: `http://${node2}:${services.echoCluster.nodePort}/` }),
      ctx.whoami('client', { url: `http://${node2}:${services.echoLocal.nodePort}/`, timeoutMs: 1500 }),
      ctx.whoami('client', { url: `http://${node2}:${services.echoDaemonSet.nodePort}/` }),
    ]);
    const rows: Row[] = [];
    const clusterSeen = cluster.reply?.peer.ip ?? null;
    rows.push({
      scenario: 3,
      name: `client → node2 ${node2}:${services.echoCluster.nodePort} (Cluster; pod on node1)`,
      expected: `the app sees a node address (node2 ${node2}), not the client`,
      observed: clusterSeen === null ? describe(cluster.result) : `app saw ${clusterSeen} (pod ${cluster.reply?.host})`,
      pass: clusterSeen === node2 && cluster.reply?.host === 'echo1',
      note: 'Cluster: node2 DNATs to the pod on node1 and masquerades (KUBE-MARK-MASQ), so the reply comes back through it.',
    });
    const localFailed = !local.result.ok;
    rows.push({
      scenario: 3,
      name: `client → node2 ${node2}:${services.echoLocal.nodePort} (Local; pod on node1)`,
      expected: 'the connection fails (node2 has no local endpoint and drops)',
      observed: localFailed
        ? describe(local.result)
        : `answered: app saw ${local.reply?.peer.ip ?? describe(local.result)}`,
      pass: localFailed && local.result.ok === false && local.result.error === 'timeout',
      note: 'Local: kube-proxy on a node without a ready local endpoint drops NodePort traffic ("has no local endpoints").',
    });
    const dsSeen = daemonset.reply?.peer.ip ?? null;
    rows.push({
      scenario: 3,
      name: `client → node2 ${node2}:${services.echoDaemonSet.nodePort} (Local; DaemonSet: a pod on every node)`,
      expected: `the app sees the client (${addr.client.ip})`,
      observed:
        dsSeen === null ? describe(daemonset.result) : `app saw ${dsSeen} (pod ${daemonset.reply?.host}, node2's own)`,
      pass: dsSeen === addr.client.ip && daemonset.reply?.host === 'echo2',
    });
    return rows;
  },
};
