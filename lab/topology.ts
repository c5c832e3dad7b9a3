/**
 * The lab's network: network namespaces, veth pairs, bridges, addresses, routes and the
 * kube-proxy / NAT-gateway iptables rules, all inside namespaces named `siplab-<runPid>-<part>`.
 *
 * Nothing is created in the host's namespace: every veth pair is created with both ends already
 * inside their namespaces (`ip link add NAME netns A type veth peer name PEER netns B`), bridges
 * live inside the `lan` and `wan` namespaces, and sysctls / iptables run through `ip netns exec`,
 * which only touches that namespace. The guide's addresses are mapped into 198.18.0.0/15
 * (RFC 2544 benchmarking range) and fd00::/8:
 *
 * | guide                          | lab                                  |
 * |--------------------------------|--------------------------------------|
 * | nodes' segment 10.10.10.0/24   | 198.18.10.0/24, fd00:10::/64         |
 * | NAT gateway 10.10.10.251       | 198.18.10.251 (home side 198.18.20.1)|
 * | MetalLB VIP 192.168.56.240     | 198.18.10.240, fd00:10::240 (node1)  |
 * | pod network 10.244.0.0/16      | 198.19.0.0/16, fd00:19::/32          |
 * | the internet                   | 198.18.30.0/24, fd00:30::/64         |
 */
import { execFileSync } from 'node:child_process';

export const NS_PREFIX = 'siplab-';

/** Every address the scenarios use, by role. */
export const addr = {
  router: { lan: '198.18.10.1', lan6: 'fd00:10::1', wan: '198.18.30.1', wan6: 'fd00:30::1' },
  client: { ip: '198.18.10.100', ip6: 'fd00:10::100' },
  home: { ip: '198.18.20.10' },
  natgw: { lan: '198.18.10.251', home: '198.18.20.1' },
  nodes: [
    { name: 'node1', ip: '198.18.10.11', ip6: 'fd00:10::11', podCidr: '198.19.1.0/24', podCidr6: 'fd00:19:1::/64' },
    { name: 'node2', ip: '198.18.10.12', ip6: 'fd00:10::12', podCidr: '198.19.2.0/24', podCidr6: 'fd00:19:2::/64' },
    { name: 'node3', ip: '198.18.10.13', ip6: 'fd00:10::13', podCidr: '198.19.3.0/24', podCidr6: 'fd00:19:3::/64' },
  ],
  vip: '198.18.10.240',
  vip6: 'fd00:10::240',
  lb: { wan: '198.18.30.50', wan6: 'fd00:30::50', lan: '198.18.10.50' },
  cdn: { ip: '198.18.30.200', range: '198.18.30.192/26' },
  inet: { ip: '198.18.30.7', ip6: 'fd00:30::7' },
  podNetwork: '198.19.0.0/16',
  podNetwork6: 'fd00:19::/32',
  internalRange: '198.18.10.0/24',
} as const;

/** A pod: a namespace behind one node's cni0 bridge. */
export interface Pod {
  readonly name: string;
  readonly node: 1 | 2 | 3;
  readonly ip: string;
  readonly ip6: string;
}

export const pods = {
  echo1: { name: 'echo1', node: 1, ip: '198.19.1.10', ip6: 'fd00:19:1::10' },
  echo2: { name: 'echo2', node: 2, ip: '198.19.2.10', ip6: 'fd00:19:2::10' },
  echo3: { name: 'echo3', node: 3, ip: '198.19.3.10', ip6: 'fd00:19:3::10' },
  ingress: { name: 'ingress', node: 1, ip: '198.19.1.20', ip6: 'fd00:19:1::20' },
  app: { name: 'app', node: 2, ip: '198.19.2.30', ip6: 'fd00:19:2::30' },
} as const satisfies Record<string, Pod>;

/** kube-proxy Services programmed on the nodes. */
export const services = {
  /** The guide's Lab 1: echo Deployment (one pod, on node1), NodePort, externalTrafficPolicy Local. */
  echoLocal: { nodePort: 30080, endpoints: [pods.echo1], policy: 'Local', targetPort: 8080 },
  /** The same Deployment behind a NodePort with the default externalTrafficPolicy Cluster. */
  echoCluster: { nodePort: 30180, endpoints: [pods.echo1], policy: 'Cluster', targetPort: 8080 },
  /** The echo app as a DaemonSet (a pod on every node), NodePort, Local. */
  echoDaemonSet: {
    nodePort: 30081,
    endpoints: [pods.echo1, pods.echo2, pods.echo3],
    policy: 'Local',
    targetPort: 8080,
  },
} as const;

/** Ports of the ingress LoadBalancer Service on the VIP (ETP Local, endpoint: the ingress pod). */
export const INGRESS_PORTS = { first: 80, last: 89 } as const;

/** Every namespace of the topology (short names). */
export const NAMESPACES = [
  'lan',
  'wan',
  'router',
  'client',
  'home',
  'natgw',
  'node1',
  'node2',
  'node3',
  'lb',
  'cdn',
  'inet',
  ...Object.values(pods).map((p) => p.name),
] as const;

export type NsName = (typeof NAMESPACES)[number];

/** Full namespace names for one run. */
export class Topology {
  readonly runId: string;
  constructor(runId: string) {
    this.runId = runId;
  }
  ns(name: NsName): string {
    return `${NS_PREFIX}${this.runId}-${name}`;
  }
  all(): string[] {
    return NAMESPACES.map((n) => this.ns(n));
  }
}

/** Runs one command and throws with its stderr on failure. */
export function run(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * Runs `ip` commands with one process per namespace (`ip -n NS -batch -`), in order: first the
 * commands without a namespace (veth pairs created with both ends inside namespaces), then each
 * namespace's own commands in the order they were added.
 */
function ipBatch(lines: readonly string[]): void {
  const groups = new Map<string, string[]>([['', []]]);
  for (const line of lines) {
    const m = /^-n (\S+) (.*)$/.exec(line);
    const ns = m ? (m[1] as string) : '';
    const cmd = m ? (m[2] as string) : line;
    if (!groups.has(ns)) groups.set(ns, []);
    groups.get(ns)?.push(cmd);
  }
  for (const [ns, cmds] of groups) {
    if (cmds.length === 0) continue;
    try {
      execFileSync('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], {
        input: `${cmds.join('\n')}\n`,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 20_000,
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`ip ${ns ? `-n ${ns} ` : ''}-batch: ${(e.stderr ?? e.message).trim()}`);
    }
  }
}

/** `iptables-restore` input applied inside a namespace (v4 or v6). */
function restore(ns: string, family: 4 | 6, rules: string): void {
  const cmd = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  try {
    execFileSync('ip', ['netns', 'exec', ns, cmd], { input: rules, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${cmd} in ${ns}: ${(e.stderr ?? e.message).trim()}\n${rules}`);
  }
}

function sysctls(ns: string, settings: readonly string[]): void {
  run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings]);
}

/** Builds the whole topology. Throws on the first failure (the caller tears down). */
export function buildTopology(t: Topology): void {
  const n = (name: NsName) => t.ns(name);
  // Namespaces first, each with loopback up.
  for (const name of NAMESPACES) run('ip', ['netns', 'add', n(name)]);
  const lines: string[] = [];
  for (const name of NAMESPACES) lines.push(`-n ${n(name)} link set lo up`);
  // Bridges: the nodes' segment (lan) and the internet (wan), each inside its own namespace.
  for (const seg of ['lan', 'wan'] as const) {
    lines.push(`-n ${n(seg)} link add br0 type bridge`, `-n ${n(seg)} link set br0 up`);
  }
  let port = 0;
  /** A veth from `ns` (named `ifname` there) to a bridge port in `seg`. */
  const attach = (ns: NsName, ifname: string, seg: 'lan' | 'wan') => {
    const p = `p${port++}`;
    lines.push(
      `link add ${ifname} netns ${n(ns)} type veth peer name ${p} netns ${n(seg)}`,
      `-n ${n(seg)} link set ${p} master br0`,
      `-n ${n(seg)} link set ${p} up`,
      `-n ${n(ns)} link set ${ifname} up`,
    );
  };
  const a4 = (ns: NsName, ifname: string, cidr: string) => lines.push(`-n ${n(ns)} addr add ${cidr} dev ${ifname}`);
  const a6 = (ns: NsName, ifname: string, cidr: string) =>
    lines.push(`-n ${n(ns)} addr add ${cidr} dev ${ifname} nodad`);
  const route = (ns: NsName, spec: string) => lines.push(`-n ${n(ns)} route add ${spec}`);
  const route6 = (ns: NsName, spec: string) =>
    lines.push(`-n ${n(ns)} route add ${spec.replace(/^default /, '::/0 ')}`);

  // Router between the nodes' segment and the internet (no NAT: it routes).
  attach('router', 'lan0', 'lan');
  attach('router', 'wan0', 'wan');
  a4('router', 'lan0', `${addr.router.lan}/24`);
  a6('router', 'lan0', `${addr.router.lan6}/64`);
  a4('router', 'wan0', `${addr.router.wan}/24`);
  a6('router', 'wan0', `${addr.router.wan6}/64`);

  // External client on the nodes' segment.
  attach('client', 'eth0', 'lan');
  a4('client', 'eth0', `${addr.client.ip}/24`);
  a6('client', 'eth0', `${addr.client.ip6}/64`);
  route('client', `default via ${addr.router.lan}`);
  route6('client', `default via ${addr.router.lan6}`);

  // NAT gateway: the home segment behind it is masqueraded to 198.18.10.251.
  attach('natgw', 'lan0', 'lan');
  a4('natgw', 'lan0', `${addr.natgw.lan}/24`);
  route('natgw', `default via ${addr.router.lan}`);
  lines.push(`link add home0 netns ${n('natgw')} type veth peer name eth0 netns ${n('home')}`);
  lines.push(`-n ${n('natgw')} link set home0 up`, `-n ${n('home')} link set eth0 up`);
  a4('natgw', 'home0', `${addr.natgw.home}/24`);
  a4('home', 'eth0', `${addr.home.ip}/24`);
  route('home', `default via ${addr.natgw.home}`);

  // Nodes: eth0 on the nodes' segment, cni0 bridge for their pods, host-gw routes to the others' pods.
  for (const node of addr.nodes) {
    const nn = node.name as NsName;
    attach(nn, 'eth0', 'lan');
    a4(nn, 'eth0', `${node.ip}/24`);
    a6(nn, 'eth0', `${node.ip6}/64`);
    route(nn, `default via ${addr.router.lan}`);
    route6(nn, `default via ${addr.router.lan6}`);
    lines.push(`-n ${n(nn)} link add cni0 type bridge`, `-n ${n(nn)} link set cni0 up`);
    a4(nn, 'cni0', `${node.podCidr.replace('.0/24', '.1/24')}`);
    a6(nn, 'cni0', `${node.podCidr6.replace('::/64', '::1/64')}`);
    for (const other of addr.nodes) {
      if (other === node) continue;
      route(nn, `${other.podCidr} via ${other.ip}`);
      route6(nn, `${other.podCidr6} via ${other.ip6}`);
    }
  }
  // MetalLB L2: the VIP lives on node1's interface, so node1 answers ARP / NDP for it.
  a4('node1', 'eth0', `${addr.vip}/32`);
  a6('node1', 'eth0', `${addr.vip6}/128`);

  // Pods behind their node's cni0.
  for (const pod of Object.values(pods)) {
    const node = addr.nodes[pod.node - 1]!;
    const nodeNs = node.name as NsName;
    const v = `veth${pod.name}`.slice(0, 15);
    lines.push(
      `link add ${v} netns ${n(nodeNs)} type veth peer name eth0 netns ${n(pod.name)}`,
      `-n ${n(nodeNs)} link set ${v} master cni0`,
      `-n ${n(nodeNs)} link set ${v} up`,
      `-n ${n(pod.name)} link set eth0 up`,
    );
    a4(pod.name, 'eth0', `${pod.ip}/24`);
    a6(pod.name, 'eth0', `${pod.ip6}/64`);
    route(pod.name, `default via ${node.podCidr.replace('.0/24', '.1')}`);
    route6(pod.name, `default via ${node.podCidr6.replace('::/64', '::1')}`);
  }

  // Cloud load balancer: public side on the internet, private side on the nodes' segment.
  attach('lb', 'wan0', 'wan');
  attach('lb', 'lan0', 'lan');
  a4('lb', 'wan0', `${addr.lb.wan}/24`);
  a6('lb', 'wan0', `${addr.lb.wan6}/64`);
  a4('lb', 'lan0', `${addr.lb.lan}/24`);
  // CDN edge and an internet client.
  attach('cdn', 'eth0', 'wan');
  a4('cdn', 'eth0', `${addr.cdn.ip}/24`);
  route('cdn', `default via ${addr.router.wan}`);
  attach('inet', 'eth0', 'wan');
  a4('inet', 'eth0', `${addr.inet.ip}/24`);
  a6('inet', 'eth0', `${addr.inet.ip6}/64`);
  route('inet', `default via ${addr.router.wan}`);
  route6('inet', `default via ${addr.router.wan6}`);
  ipBatch(lines);

  // Forwarding only inside the router-like namespaces.
  for (const ns of ['router', 'natgw', 'node1', 'node2', 'node3'] as const) {
    sysctls(n(ns), ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
  }
  restore(n('natgw'), 4, natGatewayRules());
  for (const node of addr.nodes) {
    const index = Number(node.name.slice(4)) as 1 | 2 | 3;
    restore(n(node.name as NsName), 4, kubeProxyRules(index, 4));
    restore(n(node.name as NsName), 6, kubeProxyRules(index, 6));
  }
}

/** The home NAT gateway: everything leaving towards the nodes' segment gets 198.18.10.251. */
function natGatewayRules(): string {
  return ['*nat', '-A POSTROUTING -s 198.18.20.0/24 -o lan0 -j MASQUERADE', 'COMMIT', ''].join('\n');
}

/**
 * kube-proxy's iptables mode, reduced to what the guide's Services need (chain names as kube-proxy's).
 * NodePorts match `--dst-type LOCAL`; `Cluster` marks for masquerade (KUBE-MARK-MASQ, 0x4000) and
 * DNATs to any endpoint; `Local` DNATs only to this node's endpoints, and a node without one drops
 * ("has no local endpoints", filter table). The ingress LoadBalancer (ETP Local) is programmed on the
 * node that owns the VIP.
 */
export function kubeProxyRules(node: 1 | 2 | 3, family: 4 | 6): string {
  const ip = (p: Pod) => (family === 4 ? p.ip : `[${p.ip6}]`);
  const nat = [
    '*nat',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    '-A POSTROUTING -j KUBE-POSTROUTING',
    '-A KUBE-POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE',
  ];
  const filter = ['*filter', ':KUBE-EXTERNAL-SERVICES - [0:0]', '-A INPUT -j KUBE-EXTERNAL-SERVICES'];
  for (const [name, svc] of Object.entries(services)) {
    const port = svc.nodePort;
    const endpoints: readonly Pod[] =
      svc.policy === 'Local' ? svc.endpoints.filter((p) => p.node === node) : svc.endpoints;
    if (endpoints.length === 0) {
      filter.push(
        `-A KUBE-EXTERNAL-SERVICES -p tcp -m addrtype --dst-type LOCAL --dport ${port} -m comment --comment "default/${name} has no local endpoints" -j DROP`,
      );
      continue;
    }
    if (svc.policy === 'Cluster') nat.push(`-A KUBE-NODEPORTS -p tcp --dport ${port} -j KUBE-MARK-MASQ`);
    endpoints.forEach((p, i) => {
      // kube-proxy spreads over endpoints with `statistic --mode random`; the last one takes the rest.
      const left = endpoints.length - i;
      const pick = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(5)}` : '';
      nat.push(`-A KUBE-NODEPORTS -p tcp --dport ${port}${pick} -j DNAT --to-destination ${ip(p)}:${svc.targetPort}`);
    });
  }
  nat.push('-A PREROUTING -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  if (node === 1) {
    const vip = family === 4 ? addr.vip : addr.vip6;
    const ingress = family === 4 ? pods.ingress.ip : pods.ingress.ip6; // no port: kept
    // Inserted before the NodePorts jump: the LoadBalancer IP's own rule (port kept).
    nat.splice(
      nat.length - 1,
      0,
      `-A PREROUTING -d ${vip} -p tcp -m multiport --dports ${INGRESS_PORTS.first}:${INGRESS_PORTS.last} -m comment --comment "ingress-nginx/ingress-nginx-controller loadbalancer IP" -j DNAT --to-destination ${ingress}`,
    );
  }
  return [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}
