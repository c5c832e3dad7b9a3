/**
 * The lab's pure parts, without root: the kube-proxy rules each node gets, the metric reader and
 * the parser of the nginx test app's answer, and the verdict words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNginxApp, readMetric, verdictOf } from '../../lab/context.ts';
import { kubeProxyRules } from '../../lab/topology.ts';

type RuleCase = { name: string; node: 1 | 2 | 3; family: 4 | 6; has: RegExp[]; hasNot: RegExp[] };

const ruleCases: RuleCase[] = [
  {
    name: 'node1 (has echo1): Local NodePort DNATs to the local pod without masquerade',
    node: 1,
    family: 4,
    has: [/-A KUBE-NODEPORTS -p tcp --dport 30080 -j DNAT --to-destination 198\.19\.1\.10:8080/],
    hasNot: [/--dport 30080 -j KUBE-MARK-MASQ/, /--dport 30080 .*-j DROP/],
  },
  {
    name: 'node2 (no echo pod of the Deployment): Local NodePort drops, Cluster DNATs to node1 and masquerades',
    node: 2,
    family: 4,
    has: [
      /KUBE-EXTERNAL-SERVICES -p tcp -m addrtype --dst-type LOCAL --dport 30080 .*has no local endpoints.* -j DROP/,
      /-A KUBE-NODEPORTS -p tcp --dport 30180 -j KUBE-MARK-MASQ/,
      /-A KUBE-NODEPORTS -p tcp --dport 30180 -j DNAT --to-destination 198\.19\.1\.10:8080/,
      /-A KUBE-POSTROUTING -m mark --mark 0x4000\/0x4000 -j MASQUERADE/,
    ],
    hasNot: [/--dport 30080 -j DNAT/],
  },
  {
    name: 'node3: the DaemonSet NodePort (Local) DNATs to node3’s own pod only',
    node: 3,
    family: 4,
    has: [/--dport 30081 -j DNAT --to-destination 198\.19\.3\.10:8080/],
    hasNot: [/--dport 30081 .*198\.19\.[12]\./],
  },
  {
    name: 'only node1 (owner of the VIP) programs the ingress LoadBalancer, keeping the port',
    node: 1,
    family: 4,
    has: [
      /-A PREROUTING -d 198\.18\.10\.240 -p tcp -m multiport --dports 80:89 .* -j DNAT --to-destination 198\.19\.1\.20$/m,
    ],
    hasNot: [],
  },
  {
    name: 'node2 has no VIP rule',
    node: 2,
    family: 4,
    has: [],
    hasNot: [/198\.18\.10\.240/],
  },
  {
    name: 'IPv6: bracketed endpoint with port, VIP6 to the ingress pod',
    node: 1,
    family: 6,
    has: [
      /--dport 30080 -j DNAT --to-destination \[fd00:19:1::10\]:8080/,
      /-d fd00:10::240 .* -j DNAT --to-destination fd00:19:1::20$/m,
    ],
    hasNot: [/198\./],
  },
];

for (const c of ruleCases) {
  test(c.name, () => {
    const rules = kubeProxyRules(c.node, c.family);
    for (const re of c.has) assert.match(rules, re);
    for (const re of c.hasNot) assert.doesNotMatch(rules, re);
    assert.equal(rules.match(/^COMMIT$/gm)?.length, 2, 'nat and filter tables both committed');
  });
}

const METRICS = `# HELP sourceip_proxy_protocol_total x
# TYPE sourceip_proxy_protocol_total counter
sourceip_proxy_protocol_total{listener="proxy",outcome="accepted"} 2
sourceip_proxy_protocol_total{listener="proxy",outcome="missing"} 1
sourceip_proxy_protocol_total{listener="proxyv6",outcome="accepted"} 5
sourceip_spoof_attempts_total{listener="public"} 3
sourceip_config_generation 1
`;

test('readMetric: exact label values, summed over the other labels, 0 when absent', () => {
  assert.equal(readMetric(METRICS, 'sourceip_proxy_protocol_total', { listener: 'proxy', outcome: 'accepted' }), 2);
  assert.equal(readMetric(METRICS, 'sourceip_proxy_protocol_total', { listener: 'proxy' }), 3);
  assert.equal(readMetric(METRICS, 'sourceip_spoof_attempts_total', { listener: 'cdn' }), 0);
  assert.equal(readMetric(METRICS, 'sourceip_config_generation', {}), 1);
});

test('parseNginxApp: reads the three values; fail: an unexpected body throws', () => {
  assert.deepEqual(parseNginxApp('remote_addr=198.18.10.100 xff=1.2.3.4, 198.18.10.100 x_real_ip=1.2.3.4\n'), {
    remoteAddr: '198.18.10.100',
    xff: '1.2.3.4, 198.18.10.100',
    xRealIp: '1.2.3.4',
  });
  assert.throws(() => parseNginxApp('<html>502 Bad Gateway</html>'), /unexpected nginx app answer/);
});

test('verdictOf: a failing row is a mismatch', () => {
  const row = { scenario: 8, name: 'n', expected: 'e', observed: 'o' };
  assert.equal(verdictOf({ ...row, pass: true }), 'ok');
  assert.equal(verdictOf({ ...row, pass: false }), 'MISMATCH');
});
