/**
 * sourceip gateway configurations as the doctor finds them: a `sourceip.yaml` file given on the
 * command line, or a ConfigMap whose data key ends in `sourceip.yaml`. The embedded YAML is parsed
 * here with its own line counter; lines are mapped back into the ConfigMap's file (a block scalar's
 * first line is the line after its key).
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { get, str } from './context.ts';
import { isRecord } from './loader/manifests.ts';
import type { K8sObject, ObjectPath } from './types.ts';

export interface GatewayConfigView {
  /** The object findings are attached to (the ConfigMap or the config file). */
  readonly object: K8sObject;
  readonly config: Record<string, unknown>;
  /** Path inside the object for a path inside the config (for `lineOf`). */
  readonly pathInObject: (path: ObjectPath) => ObjectPath;
  /** 1-based line of a config node in the object's file. */
  readonly lineOf: (path: ObjectPath) => number | undefined;
}

export function gatewayConfigs(objects: readonly K8sObject[]): GatewayConfigView[] {
  const out: GatewayConfigView[] = [];
  for (const object of objects) {
    if (object.kind === 'SourceipConfig') {
      out.push({
        object,
        config: object.raw as Record<string, unknown>,
        pathInObject: (p) => p,
        lineOf: (p) => object.lineOf(p),
      });
      continue;
    }
    if (object.kind !== 'ConfigMap') continue;
    const data = get(object.raw, ['data']);
    if (!isRecord(data)) continue;
    for (const [key, value] of Object.entries(data)) {
      if (!/(^|[-_.])sourceip\.ya?ml$/.test(key) || typeof value !== 'string') continue;
      const lineCounter = new LineCounter();
      const doc = parseDocument(value, { lineCounter });
      if (doc.errors.length > 0) continue;
      const config = doc.toJS();
      if (!isRecord(config)) continue;
      const keyLine = object.lineOf(['data', key]);
      const blockScalar = /\n/.test(value);
      out.push({
        object,
        config,
        pathInObject: () => ['data', key],
        lineOf: (path) => {
          for (let n = path.length; n >= 0; n--) {
            const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
            if (isNode(node) && node.range && keyLine !== undefined) {
              const inner = lineCounter.linePos(node.range[0]).line;
              return blockScalar ? keyLine + inner : keyLine;
            }
          }
          return keyLine;
        },
      });
    }
  }
  return out;
}

export interface TrustProfileView {
  readonly name: string;
  readonly semantics: string;
  readonly trusted: unknown;
  readonly trustAll: boolean;
  readonly path: ObjectPath;
}

/** Trust profiles as a list, whichever spelling the file uses (`trustProfiles` list or map, or `trust`). */
export function trustProfiles(config: Record<string, unknown>): TrustProfileView[] {
  const out: TrustProfileView[] = [];
  const add = (profile: unknown, name: string, path: ObjectPath) => {
    if (!isRecord(profile)) return;
    out.push({
      name: str(profile.name) ?? name,
      semantics: str(profile.semantics) ?? 'strict',
      trusted: profile.trusted ?? profile.trustedProxies ?? profile.trusted_proxies,
      trustAll: profile.trustAll === true || profile.trust_all === true,
      path,
    });
  };
  for (const key of ['trustProfiles', 'trust_profiles']) {
    const value = config[key];
    if (Array.isArray(value)) for (const [i, p] of value.entries()) add(p, `#${i}`, [key, i]);
    else if (isRecord(value)) for (const [name, p] of Object.entries(value)) add(p, name, [key, name]);
  }
  if (isRecord(config.trust)) add(config.trust, 'default', ['trust']);
  return out;
}

export interface ListenerView {
  readonly name: string;
  readonly proxyMode: string;
  readonly proxyTrusted: unknown;
  readonly path: ObjectPath;
}

export function listeners(config: Record<string, unknown>): ListenerView[] {
  const list = config.listeners;
  const out: ListenerView[] = [];
  const add = (listener: unknown, name: string, path: ObjectPath) => {
    if (!isRecord(listener)) return;
    const pp = listener.proxyProtocol ?? listener.proxy_protocol;
    const mode = isRecord(pp) ? (str(pp.mode) ?? 'off') : (str(pp) ?? 'off');
    out.push({
      name: str(listener.name) ?? name,
      proxyMode: mode === 'true' ? 'required' : mode === 'false' ? 'off' : mode,
      proxyTrusted: isRecord(pp) ? pp.trusted : undefined,
      path,
    });
  };
  if (Array.isArray(list)) for (const [i, l] of list.entries()) add(l, `#${i}`, ['listeners', i]);
  else if (isRecord(list)) for (const [name, l] of Object.entries(list)) add(l, name, ['listeners', name]);
  return out;
}
