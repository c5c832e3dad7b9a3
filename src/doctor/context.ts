/**
 * What the rules share: indexes over the loaded objects and the facts several rules need
 * (which workload a Service selects, which proxy that workload runs, which load balancer the
 * annotations ask for, whether the LB sends PROXY protocol). Every reader is defensive: manifests
 * may be partial, so a missing field is "unknown", never a crash.
 */
import { isRecord } from './loader/manifests.ts';
import type { K8sObject, ObjectPath, Snapshot } from './types.ts';

export type EdgeKind = 'ingress-nginx' | 'kong' | 'traefik' | 'envoy' | 'sourceip' | 'contour' | 'haproxy';
export type Provider =
  | 'aws-clb'
  | 'aws-nlb'
  | 'aws-nlb-instance'
  | 'aws-nlb-ip'
  | 'gcp'
  | 'azure'
  | 'digitalocean'
  | 'hetzner'
  | 'linode'
  | 'ovh'
  | 'scaleway'
  | 'oci-lb'
  | 'oci-nlb'
  | 'openstack'
  | 'metallb'
  | 'unknown';

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Pod']);

/** Annotations that make a cloud LB send PROXY protocol (reference §2). */
const PROXY_ANNOTATIONS: readonly { key: string; on: (value: string) => boolean }[] = [
  { key: 'service.beta.kubernetes.io/aws-load-balancer-proxy-protocol', on: (v) => v.trim() === '*' },
  {
    key: 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes',
    on: (v) => /proxy_protocol_v2\.enabled\s*=\s*true/.test(v),
  },
  { key: 'service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol', on: isTrue },
  { key: 'load-balancer.hetzner.cloud/uses-proxyprotocol', on: isTrue },
  { key: 'service.beta.kubernetes.io/linode-loadbalancer-default-proxy-protocol', on: (v) => /^v[12]$/.test(v) },
  { key: 'service.beta.kubernetes.io/linode-loadbalancer-proxy-protocol', on: (v) => /^v[12]$/.test(v) },
  { key: 'service.beta.kubernetes.io/ovh-loadbalancer-proxy-protocol', on: (v) => /^v[12]/.test(v) },
  { key: 'loadbalancer.openstack.org/proxy-protocol', on: (v) => /^(v1|v2|true)$/.test(v) },
  { key: 'service.beta.kubernetes.io/scw-loadbalancer-proxy-protocol-v2', on: isTrue },
  { key: 'service.beta.kubernetes.io/scw-loadbalancer-proxy-protocol-v1', on: isTrue },
  {
    key: 'service.beta.kubernetes.io/oci-load-balancer-connection-proxy-protocol-version',
    on: (v) => /^[12]$/.test(v),
  },
  { key: 'service.beta.kubernetes.io/azure-pls-proxy-protocol', on: isTrue },
];

export function isTrue(value: unknown): boolean {
  return typeof value === 'boolean' ? value : typeof value === 'string' && /^(true|yes|on|1)$/i.test(value.trim());
}

export function get(value: unknown, path: ObjectPath): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[key];
    } else {
      if (!isRecord(current)) return undefined;
      current = current[key];
    }
  }
  return current;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) {
    const s = str(v);
    if (s !== undefined) out[key] = s;
  }
  return out;
}

export const annotations = (object: K8sObject): Record<string, string> =>
  stringMap(get(object.raw, ['metadata', 'annotations']));
export const labels = (object: K8sObject): Record<string, string> => stringMap(get(object.raw, ['metadata', 'labels']));

export interface ContainerRef {
  readonly container: Record<string, unknown>;
  /** Path of the container inside the workload object. */
  readonly path: ObjectPath;
}

export interface EnvVar {
  readonly value: string;
  readonly path: ObjectPath;
}

export class DoctorContext {
  readonly snapshot: Snapshot;
  readonly #byKind = new Map<string, K8sObject[]>();
  #workloads: K8sObject[] | undefined;
  readonly #workloadsFor = new Map<K8sObject, K8sObject[]>();
  #edgeServices: { service: K8sObject; workload: K8sObject; edge: EdgeKind }[] | undefined;

  constructor(snapshot: Snapshot) {
    this.snapshot = snapshot;
    for (const object of snapshot.objects) {
      const list = this.#byKind.get(object.kind) ?? [];
      list.push(object);
      this.#byKind.set(object.kind, list);
    }
  }

  get isLive(): boolean {
    return this.snapshot.mode === 'live';
  }

  kind(kind: string): readonly K8sObject[] {
    return this.#byKind.get(kind) ?? [];
  }

  get services(): readonly K8sObject[] {
    return this.kind('Service');
  }

  get workloads(): K8sObject[] {
    this.#workloads ??= this.snapshot.objects.filter((o) => WORKLOAD_KINDS.has(o.kind) && !this.#ownedByWorkload(o));
    return this.#workloads;
  }

  /** Pods and ReplicaSets created by a Deployment/DaemonSet are represented by their owner. */
  #ownedByWorkload(object: K8sObject): boolean {
    if (object.kind !== 'Pod' && object.kind !== 'ReplicaSet') return false;
    const owners = get(object.raw, ['metadata', 'ownerReferences']);
    return Array.isArray(owners) && owners.length > 0;
  }

  /** Pods (live or dumped), including those owned by a workload. */
  get pods(): readonly K8sObject[] {
    return this.kind('Pod');
  }

  sameNamespace(a: K8sObject, b: K8sObject): boolean {
    return a.namespace === b.namespace || a.namespace === '' || b.namespace === '';
  }

  /** Workloads whose pod template labels satisfy the Service selector. */
  workloadsFor(service: K8sObject): K8sObject[] {
    const cached = this.#workloadsFor.get(service);
    if (cached) return cached;
    const found = this.#selectWorkloads(service);
    this.#workloadsFor.set(service, found);
    return found;
  }

  readonly #podLabels = new Map<K8sObject, Record<string, string>>();
  #byNamespace: Map<string, K8sObject[]> | undefined;

  /** Workloads a Service in `namespace` can select (same namespace; '' matches any, as in manifests without one). */
  #candidates(namespace: string): readonly K8sObject[] {
    if (namespace === '') return this.workloads;
    if (!this.#byNamespace) {
      this.#byNamespace = new Map();
      for (const w of this.workloads) {
        const list = this.#byNamespace.get(w.namespace) ?? [];
        list.push(w);
        this.#byNamespace.set(w.namespace, list);
      }
    }
    return [...(this.#byNamespace.get(namespace) ?? []), ...(this.#byNamespace.get('') ?? [])];
  }

  #selectWorkloads(service: K8sObject): K8sObject[] {
    const selector = Object.entries(stringMap(get(service.raw, ['spec', 'selector'])));
    if (selector.length === 0) return [];
    return this.#candidates(service.namespace).filter((w) => {
      let podLabels = this.#podLabels.get(w);
      if (!podLabels) {
        podLabels = stringMap(
          get(w.raw, w.kind === 'Pod' ? ['metadata', 'labels'] : ['spec', 'template', 'metadata', 'labels']),
        );
        this.#podLabels.set(w, podLabels);
      }
      const labels = podLabels;
      return selector.every(([k, v]) => labels[k] === v);
    });
  }

  /** Services that select the workload. */
  servicesFor(workload: K8sObject): K8sObject[] {
    return this.services.filter((s) => this.workloadsFor(s).includes(workload));
  }

  /** Exposed Services (NodePort, LoadBalancer, externalIPs) in front of an edge proxy of this kind. */
  edgeServices(kind?: EdgeKind): { service: K8sObject; workload: K8sObject; edge: EdgeKind }[] {
    if (!this.#edgeServices) {
      const all: { service: K8sObject; workload: K8sObject; edge: EdgeKind }[] = [];
      for (const service of this.services) {
        if (!isExposed(service)) continue;
        for (const workload of this.workloadsFor(service)) {
          const edge = edgeKindOf(workload);
          if (edge) all.push({ service, workload, edge });
        }
      }
      this.#edgeServices = all;
    }
    return kind ? this.#edgeServices.filter((e) => e.edge === kind) : this.#edgeServices;
  }

  /** The ingress-nginx controller ConfigMap a workload reads (`--configmap=ns/name`), or the only candidate. */
  nginxConfigMap(workload: K8sObject): K8sObject | undefined {
    const configMaps = this.kind('ConfigMap');
    for (const { container } of containersOf(workload)) {
      const args = [...stringList(container.args), ...stringList(container.command)];
      for (const arg of args) {
        const match = /^--configmap=(.+)$/.exec(arg);
        if (!match) continue;
        const [ns, name] = match[1]!.includes('/') ? match[1]!.split('/', 2) : ['', match[1]!];
        const namespace = ns === '$(POD_NAMESPACE)' ? workload.namespace : ns;
        const found = configMaps.find(
          (c) => c.name === name && (c.namespace === namespace || c.namespace === '' || namespace === ''),
        );
        if (found) return found;
      }
    }
    const candidates = configMaps.filter(
      (c) => this.sameNamespace(c, workload) && /ingress-nginx-controller$|nginx-configuration$/.test(c.name),
    );
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /** MetalLB objects, namespace or Service annotations present. */
  get hasMetalLB(): boolean {
    this.#metallb ??=
      this.snapshot.objects.some((o) => o.apiVersion.startsWith('metallb.io/') || o.namespace === 'metallb-system') ||
      this.services.some((s) => Object.keys(annotations(s)).some((k) => k.startsWith('metallb.')));
    return this.#metallb;
  }

  #metallb: boolean | undefined;
  readonly #memo = new Map<string, unknown>();

  /** Computes a cluster-wide fact once per run (e.g. the dataplane mode). */
  memo<T>(key: string, compute: () => T): T {
    if (!this.#memo.has(key)) this.#memo.set(key, compute());
    return this.#memo.get(key) as T;
  }

  /** Nodes with an ExternalIP address (static dumps and live mode only). */
  get publicNodes(): K8sObject[] {
    return this.kind('Node').filter((n) => {
      const addresses = get(n.raw, ['status', 'addresses']);
      return Array.isArray(addresses) && addresses.some((a) => isRecord(a) && a.type === 'ExternalIP');
    });
  }
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function isExposed(service: K8sObject): boolean {
  const type = str(get(service.raw, ['spec', 'type']));
  const externalIPs = get(service.raw, ['spec', 'externalIPs']);
  return type === 'NodePort' || type === 'LoadBalancer' || (Array.isArray(externalIPs) && externalIPs.length > 0);
}

export function serviceType(service: K8sObject): string {
  return str(get(service.raw, ['spec', 'type'])) ?? 'ClusterIP';
}

/** `Local` or `Cluster` (the default). */
export function trafficPolicy(service: K8sObject): 'Local' | 'Cluster' {
  return str(get(service.raw, ['spec', 'externalTrafficPolicy'])) === 'Local' ? 'Local' : 'Cluster';
}

export function podSpecPath(workload: K8sObject): ObjectPath {
  if (workload.kind === 'Pod') return ['spec'];
  if (workload.kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
  return ['spec', 'template', 'spec'];
}

export function containersOf(workload: K8sObject): ContainerRef[] {
  const base = podSpecPath(workload);
  const out: ContainerRef[] = [];
  for (const key of ['containers', 'initContainers'] as const) {
    const list = get(workload.raw, [...base, key]);
    if (!Array.isArray(list)) continue;
    list.forEach((container, index) => {
      if (isRecord(container)) out.push({ container, path: [...base, key, index] });
    });
  }
  return out;
}

/** Literal env values of every container (valueFrom is unknown statically and skipped). */
export function envOf(workload: K8sObject): Map<string, EnvVar> {
  const out = new Map<string, EnvVar>();
  for (const { container, path } of containersOf(workload)) {
    const env = container.env;
    if (!Array.isArray(env)) continue;
    env.forEach((entry, index) => {
      if (!isRecord(entry) || typeof entry.name !== 'string') return;
      const value = str(entry.value);
      if (value !== undefined) out.set(entry.name, { value, path: [...path, 'env', index, 'value'] });
    });
  }
  return out;
}

/** Container args, flattened, with the path of each. */
export function argsOf(workload: K8sObject): { arg: string; path: ObjectPath }[] {
  const out: { arg: string; path: ObjectPath }[] = [];
  for (const { container, path } of containersOf(workload)) {
    for (const key of ['command', 'args'] as const) {
      const list = container[key];
      if (!Array.isArray(list)) continue;
      list.forEach((arg, index) => {
        if (typeof arg === 'string') out.push({ arg, path: [...path, key, index] });
      });
    }
  }
  return out;
}

export function imagesOf(workload: K8sObject): string[] {
  return containersOf(workload)
    .map(({ container }) => str(container.image) ?? '')
    .filter((image) => image.length > 0);
}

/** Which L7 edge proxy a workload runs, from its image or its well-known labels. */
export function edgeKindOf(workload: K8sObject): EdgeKind | undefined {
  const podLabels = stringMap(
    get(workload.raw, workload.kind === 'Pod' ? ['metadata', 'labels'] : ['spec', 'template', 'metadata', 'labels']),
  );
  const names = [podLabels['app.kubernetes.io/name'], podLabels.app, labels(workload)['app.kubernetes.io/name']].filter(
    Boolean,
  );
  const images = imagesOf(workload).join(' ').toLowerCase();
  const has = (word: string) => names.some((n) => n === word) || images.includes(word);
  if (has('ingress-nginx') || images.includes('nginx-ingress-controller')) return 'ingress-nginx';
  if (has('sourceip')) return 'sourceip';
  if (has('kong') || images.includes('kong-gateway')) return 'kong';
  if (has('traefik')) return 'traefik';
  if (podLabels['gateway.envoyproxy.io/owning-gateway-name'] || has('envoy') || images.includes('envoyproxy/'))
    return 'envoy';
  if (has('contour')) return 'contour';
  if (has('haproxy') || has('haproxy-ingress')) return 'haproxy';
  return undefined;
}

/** The first annotation that makes the LB in front of this Service send PROXY protocol. */
export function lbProxyProtocol(service: K8sObject): { key: string; value: string } | undefined {
  const anns = annotations(service);
  for (const { key, on } of PROXY_ANNOTATIONS) {
    const value = anns[key];
    if (value !== undefined && on(value)) return { key, value };
  }
  return undefined;
}

/** The cloud/bare-metal LB the Service's annotations ask for (`unknown` without hints). */
export function providerOf(service: K8sObject, metallb = false): Provider {
  const anns = annotations(service);
  const keys = Object.keys(anns);
  const aws = 'service.beta.kubernetes.io/aws-load-balancer-';
  const type = anns[`${aws}type`];
  const targetType = anns[`${aws}nlb-target-type`];
  if (type === 'nlb-ip' || ((type === 'external' || type === 'nlb') && targetType === 'ip')) return 'aws-nlb-ip';
  if (type === 'external') return 'aws-nlb-instance';
  if (type === 'nlb') return targetType === 'instance' ? 'aws-nlb-instance' : 'aws-nlb';
  if (keys.some((k) => k.startsWith(aws))) return 'aws-clb';
  if (keys.some((k) => k.startsWith('cloud.google.com/') || k.startsWith('networking.gke.io/'))) return 'gcp';
  if (keys.some((k) => k.startsWith('service.beta.kubernetes.io/azure-'))) return 'azure';
  if (keys.some((k) => k.startsWith('service.beta.kubernetes.io/do-loadbalancer-'))) return 'digitalocean';
  if (keys.some((k) => k.startsWith('load-balancer.hetzner.cloud/'))) return 'hetzner';
  if (keys.some((k) => k.startsWith('service.beta.kubernetes.io/linode-loadbalancer-'))) return 'linode';
  if (keys.some((k) => k.startsWith('service.beta.kubernetes.io/ovh-') || k.startsWith('lb.k8s.ovh.net/')))
    return 'ovh';
  if (keys.some((k) => k.startsWith('service.beta.kubernetes.io/scw-loadbalancer-'))) return 'scaleway';
  if (anns['oci.oraclecloud.com/load-balancer-type'] === 'nlb') return 'oci-nlb';
  if (keys.some((k) => k.startsWith('service.beta.kubernetes.io/oci-') || k.startsWith('oci.oraclecloud.com/')))
    return 'oci-lb';
  if (keys.some((k) => k.startsWith('loadbalancer.openstack.org/'))) return 'openstack';
  if (metallb || keys.some((k) => k.startsWith('metallb.'))) return 'metallb';
  return 'unknown';
}

/** LBs that terminate TCP (reference fact 3): the client IP is lost without PROXY or an L7 header. */
export function isProxyingProvider(provider: Provider): boolean {
  return ['aws-clb', 'digitalocean', 'hetzner', 'linode', 'ovh', 'scaleway', 'oci-lb', 'openstack'].includes(provider);
}

/** The LB speaks HTTP to the backends and appends X-Forwarded-For. */
export function isL7LoadBalancer(service: K8sObject): { key: string; value: string } | undefined {
  const anns = annotations(service);
  const checks: [string, RegExp][] = [
    ['service.beta.kubernetes.io/aws-load-balancer-backend-protocol', /^https?$/i],
    ['service.beta.kubernetes.io/do-loadbalancer-protocol', /^(http|https|http2|http3)$/i],
    ['load-balancer.hetzner.cloud/protocol', /^https?$/i],
    ['service.beta.kubernetes.io/linode-loadbalancer-default-protocol', /^https?$/i],
    ['service.beta.kubernetes.io/oci-load-balancer-backend-protocol', /^https?$/i],
    ['loadbalancer.openstack.org/x-forwarded-for', /^true$/i],
  ];
  for (const [key, pattern] of checks) {
    const value = anns[key];
    if (value !== undefined && pattern.test(value.trim())) return { key, value };
  }
  return undefined;
}

/** Helper to write the `…/ns/name` text of an object. */
export function refText(object: K8sObject): string {
  return `${object.kind}/${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}
