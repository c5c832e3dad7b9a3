/**
 * ingress-nginx ConfigMap → sourceip. Reproduces what the controller's nginx.tmpl does with
 * the client-IP keys (ingress-nginx `internal/ingress/controller/config/config.go`, template
 * `rootfs/etc/nginx/template/nginx.tmpl`):
 *
 * - realip is on iff `use-forwarded-headers` || `use-proxy-protocol` || `enable-real-ip`; then
 *   `real_ip_recursive on` and `set_real_ip_from` = `proxy-real-ip-cidr` (default `0.0.0.0/0`).
 * - `real_ip_header`: `proxy_protocol` with PROXY only; with PROXY and forwarded headers the
 *   PROXY source is walked into the forwarded-for header when it is trusted; otherwise
 *   `forwarded-for-header` (default `X-Forwarded-For`).
 * - upstream X-Forwarded-For: `$remote_addr` (replace) unless `use-forwarded-headers` &&
 *   `compute-full-forwarded-for` ⇒ incoming XFF + `$realip_remote_addr` / `$proxy_protocol_addr`.
 * - there is no `real-ip-header` key: ingress-nginx ignores it (we say so).
 */
import { parseAllDocuments } from 'yaml';
import { ConfigError } from '../../core/errors.ts';
import {
  COMMON_RECOMMENDATION,
  type ImportOptions,
  parseSeedBool,
  splitList,
  type Translation,
  trustsEverything,
} from './import-common.ts';
import { parseDuration } from './units.ts';

/** The ConfigMap keys this importer reads (everything else is not about the client IP). */
export const INGRESS_NGINX_KEYS: readonly string[] = [
  'use-forwarded-headers',
  'enable-real-ip',
  'forwarded-for-header',
  'compute-full-forwarded-for',
  'proxy-real-ip-cidr',
  'use-proxy-protocol',
  'proxy-protocol-header-timeout',
  'real-ip-header',
  'generate-request-id',
];

export const INGRESS_NGINX_PROFILE = 'ingress-nginx';

/**
 * Translates ConfigMap `data` (string values, as Kubernetes stores them).
 * @example translateIngressNginx({ 'use-forwarded-headers': 'true', 'proxy-real-ip-cidr': '10.0.0.0/8' })
 * @throws ConfigError naming the key when a value cannot be read.
 */
export function translateIngressNginx(
  data: Readonly<Record<string, string>>,
  options: ImportOptions = {},
): Translation {
  const mappings: string[] = [];
  const warnings: string[] = [];
  const useForwardedHeaders = parseSeedBool('use-forwarded-headers', data['use-forwarded-headers'], false);
  const enableRealIp = parseSeedBool('enable-real-ip', data['enable-real-ip'], false);
  const useProxyProtocol = parseSeedBool('use-proxy-protocol', data['use-proxy-protocol'], false);
  const computeFull = parseSeedBool('compute-full-forwarded-for', data['compute-full-forwarded-for'], false);
  const generateRequestId = parseSeedBool('generate-request-id', data['generate-request-id'], true);
  const forwardedForHeader = (data['forwarded-for-header'] ?? 'X-Forwarded-For').trim() || 'X-Forwarded-For';
  const explicitCidrs = data['proxy-real-ip-cidr'] !== undefined;
  const cidrs = explicitCidrs ? splitList(data['proxy-real-ip-cidr']!) : ['0.0.0.0/0'];
  const timeoutText = data['proxy-protocol-header-timeout'] ?? '5s';
  const timeoutMs = parseDuration(timeoutText.trim());
  if (timeoutMs === null) {
    throw new ConfigError('expected a duration such as 5s', { key: 'proxy-protocol-header-timeout' });
  }
  const realIp = useForwardedHeaders || useProxyProtocol || enableRealIp;
  const headerIsProxyProtocol = forwardedForHeader === 'proxy_protocol';
  // Which header nginx's realip reads: `proxy_protocol` (PROXY only) trusts no header at all.
  const readsHeader = realIp && !headerIsProxyProtocol && (!useProxyProtocol || useForwardedHeaders);
  const header = headerIsProxyProtocol ? 'X-Forwarded-For' : forwardedForHeader;

  const show = (key: string): string => `${key}: ${data[key] === undefined ? '(unset)' : JSON.stringify(data[key])}`;
  mappings.push(
    `${show('use-forwarded-headers')}, ${show('enable-real-ip')}, ${show('use-proxy-protocol')} → realip ${realIp ? 'on' : 'off'}; ` +
      `trust profile "${INGRESS_NGINX_PROFILE}" (semantics nginx, recursive on as the controller always sets)`,
  );
  mappings.push(
    `${show('proxy-real-ip-cidr')} → ${readsHeader ? `trustProfiles[${INGRESS_NGINX_PROFILE}].trusted` : 'not used for headers'}` +
      `${useProxyProtocol ? ' and listeners[http].proxyProtocol.trusted' : ''}: ${cidrs.join(', ')}`,
  );
  mappings.push(
    `${show('forwarded-for-header')} → ${
      headerIsProxyProtocol
        ? 'real_ip_header proxy_protocol: no header is evidence; the client is the PROXY source'
        : `trustProfiles[${INGRESS_NGINX_PROFILE}].header: ${header}${readsHeader ? '' : ' (not read: realip reads no header here)'}`
    }`,
  );
  mappings.push(
    `${show('compute-full-forwarded-for')} → forwarding.xForwardedFor: ${useForwardedHeaders && computeFull ? 'append' : 'replace'}` +
      (computeFull && !useForwardedHeaders ? ' (compute-full-forwarded-for needs use-forwarded-headers)' : ''),
  );
  mappings.push(
    `${show('use-proxy-protocol')} → listeners[http].proxyProtocol.mode: ${useProxyProtocol ? 'required' : 'off'}`,
  );
  mappings.push(`${show('proxy-protocol-header-timeout')} → listeners[http].proxyProtocol.timeoutMs: ${timeoutMs}`);
  if (data['generate-request-id'] !== undefined) {
    mappings.push(`${show('generate-request-id')} → forwarding.requestId: ${generateRequestId}`);
  }
  if (data['real-ip-header'] !== undefined) {
    mappings.push(`${show('real-ip-header')} → ignored (ingress-nginx has no such key; it uses forwarded-for-header)`);
    warnings.push(
      `real-ip-header is not an ingress-nginx ConfigMap key: the controller ignores it, and so does this import; ` +
        `the header is chosen by forwarded-for-header (${JSON.stringify(forwardedForHeader)}).`,
    );
  }

  if (realIp && trustsEverything(cidrs)) {
    const how = explicitCidrs
      ? `proxy-real-ip-cidr lists ${cidrs.filter((c) => trustsEverything([c])).join(', ')}`
      : 'proxy-real-ip-cidr is unset, so ingress-nginx trusts the implicit 0.0.0.0/0';
    warnings.push(
      readsHeader
        ? `${how}: every IPv4 peer is trusted, so any client chooses its own IP by sending ${header} (SIP-401). Set proxy-real-ip-cidr to your load balancer ranges.`
        : `${how}: any IPv4 peer that can reach the listener may send a PROXY header naming any client (SIP-401). Set proxy-real-ip-cidr to your load balancer ranges.`,
    );
  }
  if (useForwardedHeaders) {
    warnings.push(
      'use-forwarded-headers: ingress-nginx passes X-Forwarded-Host/Proto/Port on from ANY peer (ingress-nginx #9163); ' +
        'sourceip passes them on only from trusted peers and computes them otherwise.',
    );
  }
  if (readsHeader && !(useForwardedHeaders && computeFull)) {
    warnings.push(
      'X-Forwarded-For is replaced: ingress-nginx sends the resolved client ($remote_addr) and drops the proxy chain and the real peer; ' +
        'sourceip\u2019s "replace" sends the real peer, and the client in X-Real-IP.',
    );
  }

  const listen = options.listen ?? { host: '0.0.0.0', port: 8080 };
  return {
    seed: 'ingress-nginx',
    config: {
      trustProfiles: [
        {
          name: INGRESS_NGINX_PROFILE,
          semantics: 'nginx',
          trusted: readsHeader ? cidrs : [],
          header,
          recursive: true,
        },
      ],
      listeners: [
        {
          name: 'http',
          host: listen.host,
          port: listen.port,
          proxyProtocol: {
            mode: useProxyProtocol ? 'required' : 'off',
            trusted: useProxyProtocol ? cidrs : [],
            timeoutMs,
          },
          trust: INGRESS_NGINX_PROFILE,
        },
      ],
      forwarding: {
        xForwardedFor: useForwardedHeaders && computeFull ? 'append' : 'replace',
        xRealIp: true,
        xForwardedProtoHostPort: true,
        requestId: generateRequestId,
      },
    },
    mappings,
    warnings,
    recommendation: [...COMMON_RECOMMENDATION],
  };
}

/**
 * Reads ingress-nginx settings from a file's text: a ConfigMap (`data:`; the first ConfigMap
 * with a client-IP key wins in a multi-document file), Helm values (`controller.config:`), or
 * a plain `key: value` map.
 * @throws ConfigError when no map can be found.
 */
export function readIngressNginxData(text: string, file: string): Record<string, string> {
  const documents = parseAllDocuments(text);
  const candidates: Record<string, unknown>[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new ConfigError(`not YAML: ${document.errors[0]!.message.split('\n')[0]}`, { file });
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw new ConfigError(`not YAML: ${(error as Error).message.split('\n')[0]}`, { file });
    }
    if (!isObject(value)) continue;
    if (value.kind === 'ConfigMap') {
      if (isObject(value.data)) candidates.unshift(value.data);
      continue;
    }
    if (isObject(value.controller) && isObject(value.controller.config)) {
      candidates.push(value.controller.config);
      continue;
    }
    if (value.kind === undefined) candidates.push(value);
  }
  const chosen = candidates.find((map) => INGRESS_NGINX_KEYS.some((key) => key in map)) ?? candidates[0];
  if (chosen === undefined) throw new ConfigError('no ConfigMap data or key: value map found', { file });
  return stringValues(chosen);
}

export function stringValues(map: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
