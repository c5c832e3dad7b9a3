/**
 * Helm chart values files are not Kubernetes objects, but guides (and repositories) carry them
 * instead of rendered manifests. For the charts whose values decide the client IP — Kong
 * (`env.*` becomes `KONG_*`, `proxy.*` the proxy Service), ingress-nginx (`controller.config`
 * becomes the controller ConfigMap, `controller.service` its Service) and Traefik (`ports.<ep>.*`
 * become entry point arguments) — this builds the objects the chart would render, with a path map
 * back to the values file so findings point at the right line.
 */
import type { ObjectPath } from '../types.ts';

export interface VirtualObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly raw: Record<string, unknown>;
  /** Maps a path in `raw` to a path in the values document. */
  mapPath(path: ObjectPath): ObjectPath;
}

function rec(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function helmValuesObjects(values: Record<string, unknown>, file: string): VirtualObject[] {
  const env = rec(values.env);
  const proxy = rec(values.proxy);
  if (env && (proxy || rec(values.ingressController))) return kongValues(values, env, proxy ?? {}, file);
  const controller = rec(values.controller);
  if (controller && (rec(controller.config) || rec(controller.service))) return nginxValues(controller, file);
  const ports = rec(values.ports);
  const image = rec(values.image);
  const traefikish =
    rec(values.providers) || rec(values.ingressRoute) || String(image?.repository ?? '').includes('traefik');
  if (ports && traefikish) return traefikValues(values, ports, file);
  return [];
}

/**
 * Traefik chart (traefik/traefik-helm-chart): `ports.<ep>.forwardedHeaders|proxyProtocol.{trustedIPs,insecure}`
 * become `--entryPoints.<ep>.…` arguments (only when set), plus `additionalArguments`; `service.spec`
 * is merged into the Service spec; `deployment.kind` picks Deployment or DaemonSet.
 */
function traefikValues(values: Record<string, unknown>, ports: Record<string, unknown>, file: string): VirtualObject[] {
  const args: string[] = [];
  const argPaths: ObjectPath[] = [];
  for (const [ep, conf] of Object.entries(ports)) {
    const port = rec(conf);
    if (!port) continue;
    for (const section of ['forwardedHeaders', 'proxyProtocol'] as const) {
      const settings = rec(port[section]);
      if (!settings) continue;
      const trusted = Array.isArray(settings.trustedIPs) ? settings.trustedIPs.map(String) : [];
      if (trusted.length > 0) {
        args.push(`--entryPoints.${ep}.${section}.trustedIPs=${trusted.join(',')}`);
        argPaths.push(['ports', ep, section, 'trustedIPs']);
      }
      if (settings.insecure === true) {
        args.push(`--entryPoints.${ep}.${section}.insecure`);
        argPaths.push(['ports', ep, section, 'insecure']);
      }
    }
  }
  if (Array.isArray(values.additionalArguments)) {
    values.additionalArguments.forEach((arg, index) => {
      args.push(String(arg));
      argPaths.push(['additionalArguments', index]);
    });
  }
  const deployment = rec(values.deployment) ?? {};
  const kind = deployment.kind === 'DaemonSet' ? 'DaemonSet' : 'Deployment';
  const labels = { 'app.kubernetes.io/name': 'traefik' };
  const workload: VirtualObject = {
    kind,
    apiVersion: 'apps/v1',
    name: 'traefik',
    raw: {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name: 'traefik', labels: { 'helm.sh/values': file } },
      spec: {
        ...(kind === 'Deployment'
          ? { replicas: typeof deployment.replicas === 'number' ? deployment.replicas : 1 }
          : {}),
        template: {
          metadata: { labels },
          spec: {
            ...(values.hostNetwork === true ? { hostNetwork: true } : {}),
            containers: [
              {
                name: 'traefik',
                image: 'traefik',
                args,
                ...(rec(deployment.lifecycle) ? { lifecycle: deployment.lifecycle } : {}),
              },
            ],
          },
        },
      },
    },
    mapPath: (path) => {
      const i = path.indexOf('args');
      if (i >= 0 && typeof path[i + 1] === 'number') return argPaths[path[i + 1] as number] ?? ['ports'];
      if (path.includes('replicas')) return ['deployment', 'replicas'];
      return ['deployment'];
    },
  };
  const service = rec(values.service) ?? {};
  if (service.enabled === false) return [workload];
  const extra = rec(service.spec) ?? {};
  const spec: Record<string, unknown> = {
    type: typeof service.type === 'string' ? service.type : 'LoadBalancer',
    selector: labels,
    ports: [{ name: 'web', port: 80 }],
    ...extra,
  };
  for (const key of ['loadBalancerSourceRanges', 'externalIPs']) {
    if (Array.isArray(service[key]) && (service[key] as unknown[]).length > 0) spec[key] = service[key];
  }
  const svc: VirtualObject = {
    kind: 'Service',
    apiVersion: 'v1',
    name: 'traefik',
    raw: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'traefik', annotations: rec(service.annotations) ?? {}, labels: { 'helm.sh/values': file } },
      spec,
    },
    mapPath: (path) => {
      if (path[0] === 'metadata' && path[1] === 'annotations') return ['service', 'annotations', ...path.slice(2)];
      if (path[0] === 'spec' && typeof path[1] === 'string' && path[1] in extra)
        return ['service', 'spec', ...path.slice(1)];
      if (path[0] === 'spec' && typeof path[1] === 'string' && path[1] in service) return ['service', ...path.slice(1)];
      return ['service'];
    },
  };
  return [workload, svc];
}

function serviceFrom(
  name: string,
  selectorName: string,
  service: Record<string, unknown>,
  base: ObjectPath,
  file: string,
): VirtualObject {
  const spec: Record<string, unknown> = {
    type: typeof service.type === 'string' ? service.type : 'LoadBalancer',
    selector: { 'app.kubernetes.io/name': selectorName },
    ports: [{ name: 'http', port: 80 }],
  };
  for (const key of ['externalTrafficPolicy', 'loadBalancerSourceRanges', 'internalTrafficPolicy', 'externalIPs']) {
    if (service[key] !== undefined) spec[key] = service[key];
  }
  return {
    kind: 'Service',
    apiVersion: 'v1',
    name,
    raw: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, annotations: rec(service.annotations) ?? {}, labels: { 'helm.sh/values': file } },
      spec,
    },
    mapPath: (path) => {
      if (path[0] === 'metadata' && path[1] === 'annotations') return [...base, 'annotations', ...path.slice(2)];
      if (path[0] === 'spec' && typeof path[1] === 'string' && path[1] in service) return [...base, ...path.slice(1)];
      return base;
    },
  };
}

function kongValues(
  values: Record<string, unknown>,
  env: Record<string, unknown>,
  proxy: Record<string, unknown>,
  file: string,
): VirtualObject[] {
  const envList: { name: string; value: string }[] = [];
  const envPath: ObjectPath[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    envList.push({ name: `KONG_${key.toUpperCase()}`, value: String(value) });
    envPath.push(['env', key]);
  }
  // The chart builds proxy_listen from proxy.http / proxy.tls `parameters` (e.g. [proxy_protocol]).
  const listen: string[] = [];
  for (const listener of ['http', 'tls'] as const) {
    const conf = rec(proxy[listener]);
    if (!conf || conf.enabled === false) continue;
    const params = Array.isArray(conf.parameters) ? conf.parameters.map(String) : [];
    const port = listener === 'http' ? 8000 : 8443;
    listen.push(`0.0.0.0:${port}${listener === 'tls' ? ' ssl' : ''}${params.length ? ` ${params.join(' ')}` : ''}`);
  }
  if (listen.length > 0 && !envList.some((e) => e.name === 'KONG_PROXY_LISTEN')) {
    envList.push({ name: 'KONG_PROXY_LISTEN', value: listen.join(', ') });
    envPath.push(['proxy']);
  }
  const image = rec(values.image);
  const imageText = `${typeof image?.repository === 'string' ? image.repository : 'kong'}:${image?.tag ?? 'latest'}`;
  const deployment: VirtualObject = {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    name: 'kong',
    raw: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'kong', labels: { 'helm.sh/values': file } },
      spec: {
        replicas: typeof values.replicaCount === 'number' ? values.replicaCount : 1,
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'kong' } },
          spec: { containers: [{ name: 'proxy', image: imageText, env: envList }] },
        },
      },
    },
    mapPath: (path) => {
      const i = path.indexOf('env');
      if (i >= 0 && typeof path[i + 1] === 'number') return envPath[path[i + 1] as number] ?? ['env'];
      if (path.includes('replicas')) return ['replicaCount'];
      return ['env'];
    },
  };
  // `proxy.enabled: false` (hybrid control planes) renders no proxy Service.
  if (proxy.enabled === false) return [deployment];
  return [deployment, serviceFrom('kong-proxy', 'kong', proxy, ['proxy'], file)];
}

function nginxValues(controller: Record<string, unknown>, file: string): VirtualObject[] {
  const config = rec(controller.config) ?? {};
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) data[key] = String(value);
  const kind = controller.kind === 'DaemonSet' ? 'DaemonSet' : 'Deployment';
  const image = rec(controller.image);
  const objects: VirtualObject[] = [
    {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      name: 'ingress-nginx-controller',
      raw: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ingress-nginx-controller', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
        data,
      },
      mapPath: (path) => (path[0] === 'data' ? ['controller', 'config', ...path.slice(1)] : ['controller', 'config']),
    },
    {
      kind,
      apiVersion: 'apps/v1',
      name: 'ingress-nginx-controller',
      raw: {
        apiVersion: 'apps/v1',
        kind,
        metadata: { name: 'ingress-nginx-controller', labels: { 'helm.sh/values': file } },
        spec: {
          ...(kind === 'Deployment'
            ? { replicas: typeof controller.replicaCount === 'number' ? controller.replicaCount : 1 }
            : {}),
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
            spec: {
              containers: [
                {
                  name: 'controller',
                  image: `${typeof image?.image === 'string' ? image.image : 'ingress-nginx/controller'}:${image?.tag ?? 'v1'}`,
                  args: ['/nginx-ingress-controller', '--configmap=$(POD_NAMESPACE)/ingress-nginx-controller'],
                },
              ],
            },
          },
        },
      },
      mapPath: (path) => (path.includes('replicas') ? ['controller', 'replicaCount'] : ['controller']),
    },
  ];
  const service = rec(controller.service) ?? {};
  objects.push(serviceFrom('ingress-nginx-controller', 'ingress-nginx', service, ['controller', 'service'], file));
  return objects;
}
