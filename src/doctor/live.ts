/**
 * Live input: read-only list calls against the cluster of the current kubeconfig context, through
 * @kubernetes/client-node (an optional dependency, imported only here and only for `--cluster`).
 * Every call has a deadline (AbortSignal through the client's middleware). A failure of a core
 * list (services, pods, nodes, …) is fatal with the API's own message; a missing CRD (404) or a
 * forbidden optional list is noted and the rest still checked.
 */
import { ClusterAccessError } from '../core/errors.ts';

export { ClusterAccessError };

import type { InputError, K8sObject, Snapshot } from './types.ts';

export interface LiveOptions {
  /** kubeconfig file; default: KUBECONFIG / ~/.kube/config / in-cluster, as kubectl does. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Only this namespace (cluster-scoped lists such as nodes are still read). */
  readonly namespace?: string;
  /** Per-request deadline in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
}

type KubeModule = typeof import('@kubernetes/client-node');
type Options = { middleware: unknown[]; middlewareMergeStrategy: 'append' };

interface ListSpec {
  readonly kind: string;
  readonly apiVersion: string;
  /** Read even when it fails (CRDs not installed, kube-system not readable): noted, not fatal. */
  readonly optional: boolean;
  /** The client call: all namespaces (ns undefined) or one. */
  readonly call: (apis: Apis, ns: string | undefined, options: Options) => Promise<{ items?: unknown[] }>;
}

interface Apis {
  readonly core: InstanceType<KubeModule['CoreV1Api']>;
  readonly apps: InstanceType<KubeModule['AppsV1Api']>;
  readonly discovery: InstanceType<KubeModule['DiscoveryV1Api']>;
  readonly networking: InstanceType<KubeModule['NetworkingV1Api']>;
  readonly custom: InstanceType<KubeModule['CustomObjectsApi']>;
}

function crd(kind: string, group: string, version: string, plural: string, clusterScoped = false): ListSpec {
  return {
    kind,
    apiVersion: `${group}/${version}`,
    optional: true,
    call: (a, ns, o) =>
      ns === undefined || clusterScoped
        ? a.custom.listClusterCustomObject({ group, version, plural }, o as never)
        : a.custom.listNamespacedCustomObject({ group, version, plural, namespace: ns }, o as never),
  };
}

/** Read-only list calls; the same objects `kubectl get … -o json` dumps give the static mode. */
const LISTS: readonly ListSpec[] = [
  {
    kind: 'Service',
    apiVersion: 'v1',
    optional: false,
    call: (a, ns, o) =>
      ns
        ? a.core.listNamespacedService({ namespace: ns }, o as never)
        : a.core.listServiceForAllNamespaces({}, o as never),
  },
  {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    optional: false,
    call: (a, ns, o) =>
      ns
        ? a.discovery.listNamespacedEndpointSlice({ namespace: ns }, o as never)
        : a.discovery.listEndpointSliceForAllNamespaces({}, o as never),
  },
  {
    kind: 'Pod',
    apiVersion: 'v1',
    optional: false,
    call: (a, ns, o) =>
      ns ? a.core.listNamespacedPod({ namespace: ns }, o as never) : a.core.listPodForAllNamespaces({}, o as never),
  },
  { kind: 'Node', apiVersion: 'v1', optional: true, call: (a, _ns, o) => a.core.listNode({}, o as never) },
  {
    kind: 'DaemonSet',
    apiVersion: 'apps/v1',
    optional: false,
    call: (a, ns, o) =>
      ns
        ? a.apps.listNamespacedDaemonSet({ namespace: ns }, o as never)
        : a.apps.listDaemonSetForAllNamespaces({}, o as never),
  },
  {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    optional: false,
    call: (a, ns, o) =>
      ns
        ? a.apps.listNamespacedDeployment({ namespace: ns }, o as never)
        : a.apps.listDeploymentForAllNamespaces({}, o as never),
  },
  {
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    optional: true,
    call: (a, ns, o) =>
      ns
        ? a.apps.listNamespacedStatefulSet({ namespace: ns }, o as never)
        : a.apps.listStatefulSetForAllNamespaces({}, o as never),
  },
  {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    optional: false,
    call: (a, ns, o) =>
      ns
        ? a.core.listNamespacedConfigMap({ namespace: ns }, o as never)
        : a.core.listConfigMapForAllNamespaces({}, o as never),
  },
  {
    kind: 'Ingress',
    apiVersion: 'networking.k8s.io/v1',
    optional: true,
    call: (a, ns, o) =>
      ns
        ? a.networking.listNamespacedIngress({ namespace: ns }, o as never)
        : a.networking.listIngressForAllNamespaces({}, o as never),
  },
  crd('Gateway', 'gateway.networking.k8s.io', 'v1', 'gateways'),
  crd('HTTPRoute', 'gateway.networking.k8s.io', 'v1', 'httproutes'),
  crd('ClientTrafficPolicy', 'gateway.envoyproxy.io', 'v1alpha1', 'clienttrafficpolicies'),
  crd('EnvoyProxy', 'gateway.envoyproxy.io', 'v1alpha1', 'envoyproxies'),
  crd('IPAddressPool', 'metallb.io', 'v1beta1', 'ipaddresspools'),
  crd('L2Advertisement', 'metallb.io', 'v1beta1', 'l2advertisements'),
  crd('Middleware', 'traefik.io', 'v1alpha1', 'middlewares'),
  crd('KongPlugin', 'configuration.konghq.com', 'v1', 'kongplugins'),
  crd('FelixConfiguration', 'crd.projectcalico.org', 'v1', 'felixconfigurations', true),
];

/** kube-system ConfigMaps read even with `--namespace` (cluster-wide dataplane settings). */
const SYSTEM_CONFIGMAPS = ['kube-proxy', 'cilium-config'];

async function importClient(): Promise<KubeModule> {
  try {
    return await import('@kubernetes/client-node');
  } catch {
    throw new ClusterAccessError(
      '--cluster needs the optional dependency @kubernetes/client-node (npm install @kubernetes/client-node)',
    );
  }
}

/** Lists the cluster's objects. Throws ClusterAccessError (exit 2) when a required list fails. */
export async function loadCluster(options: LiveOptions): Promise<Snapshot> {
  const k8s = await importClient();
  const kc = new k8s.KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new ClusterAccessError(`cannot load kubeconfig: ${oneLine(error)}`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context))
      throw new ClusterAccessError(`no context ${JSON.stringify(options.context)} in the kubeconfig`);
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ClusterAccessError('the kubeconfig has no current cluster (choose one with --context)');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const apis: Apis = {
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    discovery: kc.makeApiClient(k8s.DiscoveryV1Api),
    networking: kc.makeApiClient(k8s.NetworkingV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
  // A deadline per request: the client passes the RequestContext's signal to fetch. The
  // object-parameter API hands options straight to the observable layer, so the middleware
  // returns the client's own Observable (a PromiseMiddleware would not be wrapped there).
  const withDeadline = (): Options => ({
    middleware: [
      {
        pre: (context: { setSignal(signal: AbortSignal): void }) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          return new k8s.Observable(Promise.resolve(context));
        },
        post: (context: unknown) => new k8s.Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  });
  const objects: K8sObject[] = [];
  const errors: InputError[] = [];
  const notes: string[] = [];
  const add = (spec: { kind: string; apiVersion: string }, item: unknown) => {
    if (typeof item !== 'object' || item === null) return;
    // List items carry no kind/apiVersion; the list does.
    const raw: Record<string, unknown> = {
      ...(item as Record<string, unknown>),
      apiVersion: spec.apiVersion,
      kind: spec.kind,
    };
    const metadata = (raw.metadata ?? {}) as { name?: string; namespace?: string };
    objects.push({
      apiVersion: spec.apiVersion,
      kind: spec.kind,
      name: metadata.name ?? '(unnamed)',
      namespace: metadata.namespace ?? '',
      raw,
      source: {},
      lineOf: () => undefined,
    });
  };
  const describe = (what: string, error: unknown): { status: number; text: string } => {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { status: 0, text: `${what}: no answer from ${cluster.server} within ${timeoutMs} ms` };
    }
    if (error instanceof k8s.ApiException) {
      const status = error.code;
      let body: unknown = error.body;
      if (typeof body === 'string' && body.startsWith('{')) {
        try {
          body = JSON.parse(body);
        } catch {
          // keep the text
        }
      }
      const message =
        typeof body === 'object' && body !== null
          ? (body as { message?: string }).message
          : typeof body === 'string' && body
            ? body
            : undefined;
      return { status, text: `${what}: HTTP ${status}${message ? `: ${oneLine(message)}` : ''}` };
    }
    const cause = (error as { cause?: unknown }).cause;
    return { status: 0, text: `${what}: cannot reach ${cluster.server}: ${oneLine(cause ?? error)}` };
  };
  const results = await Promise.all(
    LISTS.map(async (spec) => {
      try {
        return { spec, list: await spec.call(apis, options.namespace, withDeadline()) };
      } catch (error) {
        return { spec, error };
      }
    }),
  );
  for (const { spec, list, error } of results) {
    if (error !== undefined) {
      const { status, text } = describe(`list ${spec.kind}`, error);
      if (!spec.optional || status === 0 || status === 401) throw new ClusterAccessError(text);
      if (status !== 404) notes.push(`${text} (skipped: rules that read ${spec.kind} objects see none)`);
      continue;
    }
    for (const item of list?.items ?? []) add(spec, item);
  }
  if (options.namespace !== undefined && options.namespace !== 'kube-system') {
    for (const name of SYSTEM_CONFIGMAPS) {
      try {
        add(
          { kind: 'ConfigMap', apiVersion: 'v1' },
          await apis.core.readNamespacedConfigMap({ name, namespace: 'kube-system' }, withDeadline() as never),
        );
      } catch (error) {
        const { status, text } = describe(`read ConfigMap kube-system/${name}`, error);
        if (status !== 404) notes.push(`${text} (skipped)`);
      }
    }
  }
  return { mode: 'live', objects, errors, notes };
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
