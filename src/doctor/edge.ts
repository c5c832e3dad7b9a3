/**
 * What an edge proxy does with PROXY protocol and forwarding headers, read from wherever each
 * proxy keeps it: the ingress-nginx controller ConfigMap, Kong's `KONG_*` environment, Traefik's
 * arguments or static config file, Envoy Gateway's ClientTrafficPolicy, sourceip's own config.
 */
import {
  annotations,
  argsOf,
  type DoctorContext,
  type EdgeKind,
  edgeKindOf,
  envOf,
  get,
  isL7LoadBalancer,
  isProxyingProvider,
  isTrue,
  lbProxyProtocol,
  providerOf,
  str,
  stringMap,
  trafficPolicy,
} from './context.ts';
import { isRecord } from './loader/manifests.ts';
import { analyzeTrust, type TrustAnalysis } from './ranges.ts';
import { gatewayConfigs, listeners, trustProfiles } from './sourceip-config.ts';
import type { K8sObject, ObjectPath } from './types.ts';

/** A setting and where it is, so a finding can point at its line. */
export interface Setting {
  readonly object: K8sObject;
  readonly path: ObjectPath;
  readonly value: string;
}

/** ingress-nginx ConfigMap defaults (docs/user-guide/nginx-configuration/configmap.md). */
export const NGINX_DEFAULT_REAL_IP_CIDR = '0.0.0.0/0';

/** Every ConfigMap that configures an ingress-nginx controller in the input. */
export function nginxConfigMaps(ctx: DoctorContext): K8sObject[] {
  return ctx.memo('nginx-configmaps', () => findNginxConfigMaps(ctx));
}

function findNginxConfigMaps(ctx: DoctorContext): K8sObject[] {
  const found = new Set<K8sObject>();
  for (const workload of ctx.workloads) {
    if (edgeKindOf(workload) !== 'ingress-nginx') continue;
    const cm = ctx.nginxConfigMap(workload);
    if (cm) found.add(cm);
  }
  for (const cm of ctx.kind('ConfigMap')) {
    const data = stringMap(get(cm.raw, ['data']));
    const labelName = stringMap(get(cm.raw, ['metadata', 'labels']))['app.kubernetes.io/name'];
    const nginxKeys = [
      'use-forwarded-headers',
      'proxy-real-ip-cidr',
      'use-proxy-protocol',
      'compute-full-forwarded-for',
      'enable-real-ip',
    ];
    if (
      labelName === 'ingress-nginx' ||
      /ingress-nginx-controller$/.test(cm.name) ||
      nginxKeys.some((k) => k in data)
    ) {
      found.add(cm);
    }
  }
  return [...found];
}

export function nginxData(cm: K8sObject): Record<string, string> {
  return stringMap(get(cm.raw, ['data']));
}

/** The ConfigMap for an ingress-nginx workload, or undefined (defaults apply). */
export function nginxConfigFor(ctx: DoctorContext, workload: K8sObject): K8sObject | undefined {
  return ctx.nginxConfigMap(workload);
}

/** Traefik static settings from args (`--entryPoints.web.forwardedHeaders.insecure`) and traefik.y(a)ml in ConfigMaps. */
export function traefikSettings(ctx: DoctorContext, workload?: K8sObject): { key: string; setting: Setting }[] {
  const out: { key: string; setting: Setting }[] = [];
  const workloads = workload ? [workload] : ctx.workloads.filter((w) => edgeKindOf(w) === 'traefik');
  for (const w of workloads) {
    for (const { arg, path } of argsOf(w)) {
      const match = /^--(entrypoints\.[^.=]+\.(?:forwardedheaders|proxyprotocol)\.[a-z]+)(?:=(.*))?$/i.exec(arg);
      if (match) out.push({ key: match[1]!.toLowerCase(), setting: { object: w, path, value: match[2] ?? 'true' } });
    }
  }
  for (const cm of ctx.kind('ConfigMap')) {
    const data = get(cm.raw, ['data']);
    if (!isRecord(data)) continue;
    for (const [file, text] of Object.entries(data)) {
      if (!/^traefik\.ya?ml$/.test(file) || typeof text !== 'string') continue;
      for (const [key, value] of traefikYamlSettings(text)) {
        out.push({ key, setting: { object: cm, path: ['data', file], value } });
      }
    }
  }
  return out;
}

function traefikYamlSettings(text: string): [string, string][] {
  // Small, indentation-free reading: entryPoints.<ep>.(forwardedHeaders|proxyProtocol).(insecure|trustedIPs).
  const out: [string, string][] = [];
  let ep = '';
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '');
    const indent = line.length - line.trimStart().length;
    const m = /^\s*([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (!m) {
      const item = /^\s*-\s*"?([^"\s]+)"?/.exec(line);
      if (item && section && ep) out.push([`entrypoints.${ep}.${section}.trustedips`, item[1]!]);
      continue;
    }
    const [, key, value] = m as unknown as [string, string, string];
    if (indent === 2 || indent === 4) {
      if (indent === 2) {
        ep = key;
        section = '';
      }
    }
    if (/^(forwardedHeaders|proxyProtocol)$/.test(key)) section = key.toLowerCase();
    else if (section && /^(insecure|trustedIPs)$/.test(key) && value.trim()) {
      out.push([`entrypoints.${ep}.${section}.${key.toLowerCase()}`, value.trim().replace(/^\[|\]$/g, '')]);
    }
  }
  return out;
}

export interface EdgeBehaviour {
  /** Parses PROXY protocol on its listeners; undefined = unknown. */
  readonly parsesProxy: boolean | undefined;
  /**
   * Refuses connections without a PROXY header (nginx `listen … proxy_protocol`, sourceip `required`).
   * Traefik (go-proxyproto policy USE for trusted peers) and `optional` modes accept both.
   */
  readonly requiresProxy?: boolean;
  readonly proxySetting?: Setting;
  /** Trusts a forwarding header (XFF/X-Real-IP) from some peers. */
  readonly trustsHeaders: boolean;
  readonly headerSetting?: Setting;
  /** Who is trusted to send PROXY or headers (undefined when the proxy has no list). */
  readonly trust?: TrustAnalysis;
  readonly trustSetting?: Setting;
}

/** How one edge workload treats PROXY protocol and forwarding headers. */
export function edgeBehaviour(ctx: DoctorContext, workload: K8sObject, edge: EdgeKind): EdgeBehaviour {
  switch (edge) {
    case 'ingress-nginx': {
      const cm = nginxConfigFor(ctx, workload);
      const data = cm ? nginxData(cm) : {};
      const at = (key: string): Setting | undefined =>
        cm && key in data ? { object: cm, path: ['data', key], value: data[key]! } : undefined;
      const parsesProxy = isTrue(data['use-proxy-protocol']);
      const trustsHeaders = isTrue(data['use-forwarded-headers']) || isTrue(data['enable-real-ip']);
      return {
        parsesProxy,
        proxySetting: at('use-proxy-protocol') ?? (cm ? { object: cm, path: ['data'], value: '' } : undefined),
        trustsHeaders,
        headerSetting: at('use-forwarded-headers') ?? at('enable-real-ip'),
        trust: analyzeTrust(data['proxy-real-ip-cidr'] ?? NGINX_DEFAULT_REAL_IP_CIDR),
        trustSetting: at('proxy-real-ip-cidr') ?? (cm ? { object: cm, path: ['data'], value: '' } : undefined),
      };
    }
    case 'kong': {
      const env = envOf(workload);
      const at = (name: string): Setting | undefined => {
        const v = env.get(name);
        return v ? { object: workload, path: v.path, value: v.value } : undefined;
      };
      const listen = env.get('KONG_PROXY_LISTEN')?.value ?? '';
      const header = (env.get('KONG_REAL_IP_HEADER')?.value ?? 'X-Real-IP').toLowerCase();
      const trusted = env.get('KONG_TRUSTED_IPS');
      return {
        parsesProxy: /\bproxy_protocol\b/.test(listen),
        proxySetting: at('KONG_PROXY_LISTEN'),
        trustsHeaders: trusted !== undefined && header !== 'proxy_protocol',
        headerSetting: at('KONG_REAL_IP_HEADER') ?? at('KONG_TRUSTED_IPS'),
        trust: trusted ? analyzeTrust(trusted.value) : undefined,
        trustSetting: at('KONG_TRUSTED_IPS'),
      };
    }
    case 'traefik': {
      const settings = traefikSettings(ctx, workload);
      const proxy = settings.find((s) => s.key.includes('.proxyprotocol.'));
      const headers = settings.find((s) => s.key.includes('.forwardedheaders.'));
      const insecure = settings.find((s) => s.key.endsWith('.insecure') && isTrue(s.setting.value));
      const trustedIps = settings.filter((s) => s.key.endsWith('.trustedips'));
      return {
        parsesProxy: proxy !== undefined,
        // Traefik's proxyproto listener uses the header when a trusted peer sends one (policy USE), never requires it.
        requiresProxy: false,
        proxySetting: proxy?.setting,
        trustsHeaders: headers !== undefined,
        headerSetting: headers?.setting,
        trust: insecure
          ? analyzeTrust('0.0.0.0/0')
          : trustedIps.length
            ? analyzeTrust(trustedIps.map((s) => s.setting.value))
            : undefined,
        trustSetting: insecure?.setting ?? trustedIps[0]?.setting,
      };
    }
    case 'sourceip': {
      const views = gatewayConfigs(ctx.kind('ConfigMap').filter((c) => ctx.sameNamespace(c, workload)));
      const view = views[0];
      if (!view) return { parsesProxy: undefined, trustsHeaders: false };
      const ls = listeners(view.config);
      const pp = ls.find((l) => l.proxyMode === 'required' || l.proxyMode === 'optional');
      const profiles = trustProfiles(view.config);
      const trusting = profiles.find((p) => p.trustAll || analyzeTrust(p.trusted).entries.length > 0);
      return {
        parsesProxy: pp !== undefined,
        requiresProxy: pp?.proxyMode === 'required',
        proxySetting: {
          object: view.object,
          path: view.pathInObject(pp?.path ?? ['listeners']),
          value: pp?.proxyMode ?? 'off',
        },
        trustsHeaders: trusting !== undefined,
        trust: pp
          ? analyzeTrust(pp.proxyTrusted)
          : trusting
            ? analyzeTrust(trusting.trustAll ? 'any' : trusting.trusted)
            : undefined,
      };
    }
    case 'contour': {
      const flag = argsOf(workload).find((a) => /^--use-proxy-protocol(=true)?$/.test(a.arg));
      return {
        parsesProxy: flag !== undefined,
        proxySetting: flag ? { object: workload, path: flag.path, value: flag.arg } : undefined,
        trustsHeaders: false,
      };
    }
    case 'envoy': {
      const policies = ctx.kind('ClientTrafficPolicy');
      const withProxy = policies.find(
        (p) => isRecord(get(p.raw, ['spec', 'proxyProtocol'])) || get(p.raw, ['spec', 'enableProxyProtocol']) === true,
      );
      return {
        parsesProxy: policies.length === 0 ? false : withProxy !== undefined,
        requiresProxy: withProxy !== undefined && get(withProxy.raw, ['spec', 'proxyProtocol', 'optional']) !== true,
        proxySetting: withProxy ? { object: withProxy, path: ['spec'], value: 'proxyProtocol' } : undefined,
        trustsHeaders: policies.some((p) => get(p.raw, ['spec', 'clientIPDetection']) !== undefined),
      };
    }
    default:
      return { parsesProxy: undefined, trustsHeaders: false };
  }
}

/** Dataplane known to keep the client IP for Cluster traffic (Cilium DSR/hybrid, Calico eBPF). */
export function dataplanePreserves(ctx: DoctorContext, service?: K8sObject): boolean {
  if (service && /^dsr$/i.test(annotations(service)['service.cilium.io/forwarding-mode'] ?? '')) return true;
  return ctx.memo('dataplane-preserves', () => {
    const cilium = ctx.kind('ConfigMap').find((c) => c.name === 'cilium-config');
    if (cilium) {
      const data = nginxData(cilium);
      const dsr = /^(dsr|hybrid)$/.test(data['bpf-lb-mode'] ?? '');
      if (dsr && /^(true|strict)$/.test(data['kube-proxy-replacement'] ?? '')) return true;
    }
    return ctx.kind('FelixConfiguration').some((f) => get(f.raw, ['spec', 'bpfEnabled']) === true);
  });
}

/** Why the client IP does not reach this Service's pods, or undefined when it (probably) does. */
export function clientIpLoss(ctx: DoctorContext, service: K8sObject): string | undefined {
  if (lbProxyProtocol(service) || isL7LoadBalancer(service)) return undefined;
  const provider = providerOf(service, ctx.hasMetalLB);
  if (provider === 'aws-nlb-ip') {
    const attrs = annotations(service)['service.beta.kubernetes.io/aws-load-balancer-target-group-attributes'] ?? '';
    return /preserve_client_ip\.enabled\s*=\s*true/.test(attrs)
      ? undefined
      : 'the NLB with IP targets shows its own private IP';
  }
  if (isProxyingProvider(provider)) return `the ${provider} load balancer terminates TCP and shows its own IP`;
  if (trafficPolicy(service) === 'Cluster' && !dataplanePreserves(ctx, service)) {
    return 'externalTrafficPolicy Cluster SNATs traffic forwarded between nodes to the node IP';
  }
  return undefined;
}

export function settingText(value: string | undefined): string {
  return str(value) ?? '';
}
