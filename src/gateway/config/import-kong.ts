/**
 * Kong environment → sourceip. Reproduces Kong's client-IP settings (`kong.conf.default`,
 * `kong/templates/nginx_kong.lua`, `kong/runloop/handler.lua`):
 *
 * - `trusted_ips` → nginx `set_real_ip_from` (empty by default: no header is evidence);
 * - `real_ip_header` (default `X-Real-IP`; `proxy_protocol` = the PROXY source);
 * - `real_ip_recursive` (default off: the rightmost entry of the header);
 * - `proxy_listen` (default `0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport
 *   backlog=16384`), flag `proxy_protocol` per address.
 * - upstream: X-Forwarded-For = incoming XFF + the real peer; X-Real-IP = resolved client;
 *   X-Forwarded-Proto/Host/Port honoured only from trusted peers.
 */
import { parseAllDocuments } from 'yaml';
import { ConfigError, quoteInput } from '../../core/errors.ts';
import {
  COMMON_RECOMMENDATION,
  type ImportOptions,
  parseSeedBool,
  splitList,
  type Translation,
  trustsEverything,
} from './import-common.ts';

export const KONG_VARIABLES: readonly string[] = [
  'KONG_TRUSTED_IPS',
  'KONG_REAL_IP_HEADER',
  'KONG_REAL_IP_RECURSIVE',
  'KONG_PROXY_LISTEN',
  'KONG_SSL_CERT',
  'KONG_SSL_CERT_KEY',
];

export const KONG_PROFILE = 'kong';
const DEFAULT_PROXY_LISTEN = '0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384';

interface KongListen {
  readonly host: string;
  readonly port: number;
  readonly flags: readonly string[];
}

/** `0.0.0.0:8000 reuseport backlog=16384, [::]:8443 http2 ssl proxy_protocol` → addresses and flags. */
export function parseProxyListen(value: string): KongListen[] {
  if (value.trim() === 'off') return [];
  return splitList(value).map((entry) => {
    const [address = '', ...flags] = entry.split(/\s+/);
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(address) ?? /^()()(\d{1,5})$/.exec(address);
    if (!match || Number(match[3]) > 65535) {
      throw new ConfigError(`expected address:port, got ${quoteInput(address)}`, { key: 'KONG_PROXY_LISTEN' });
    }
    const host = match[1] || (match[2] === '*' || !match[2] ? '0.0.0.0' : match[2]);
    return { host, port: Number(match[3]), flags };
  });
}

/**
 * Translates Kong settings (env names `KONG_*`; kong.conf names are accepted and upper-cased).
 * @example translateKong({ KONG_TRUSTED_IPS: '10.0.0.0/8', KONG_REAL_IP_HEADER: 'X-Forwarded-For' })
 */
export function translateKong(input: Readonly<Record<string, string>>, _options: ImportOptions = {}): Translation {
  const vars = normaliseKongNames(input);
  const mappings: string[] = [];
  const warnings: string[] = [];
  const show = (key: string): string => `${key}=${vars[key] === undefined ? '(unset)' : vars[key]}`;
  const trusted = vars.KONG_TRUSTED_IPS === undefined ? [] : splitList(vars.KONG_TRUSTED_IPS);
  const header = (vars.KONG_REAL_IP_HEADER ?? 'X-Real-IP').trim() || 'X-Real-IP';
  const recursive = parseSeedBool('KONG_REAL_IP_RECURSIVE', vars.KONG_REAL_IP_RECURSIVE, false);
  const headerIsProxyProtocol = header === 'proxy_protocol';
  const listens = parseProxyListen(vars.KONG_PROXY_LISTEN ?? DEFAULT_PROXY_LISTEN);

  mappings.push(
    `${show('KONG_TRUSTED_IPS')} → trustProfiles[${KONG_PROFILE}].trusted: [${headerIsProxyProtocol ? '' : trusted.join(', ')}]` +
      (listens.some((l) => l.flags.includes('proxy_protocol'))
        ? `; PROXY listeners accept headers from: ${trusted.join(', ') || '(nobody)'}`
        : ''),
  );
  mappings.push(
    `${show('KONG_REAL_IP_HEADER')} → ${
      headerIsProxyProtocol
        ? 'the client is the PROXY source on proxy_protocol listeners (no header is evidence)'
        : `trustProfiles[${KONG_PROFILE}].header: ${header} (semantics nginx: Kong runs nginx's realip module)`
    }`,
  );
  mappings.push(`${show('KONG_REAL_IP_RECURSIVE')} → trustProfiles[${KONG_PROFILE}].recursive: ${recursive}`);

  const listeners: Array<Record<string, unknown>> = [];
  for (const listen of listens) {
    const ssl = listen.flags.includes('ssl');
    const proxyProtocol = listen.flags.includes('proxy_protocol');
    const name = `proxy-${listen.port}`;
    const ignored = listen.flags.filter((flag) => !['ssl', 'proxy_protocol', 'http2'].includes(flag));
    if (ssl && (vars.KONG_SSL_CERT === undefined || vars.KONG_SSL_CERT_KEY === undefined)) {
      mappings.push(
        `KONG_PROXY_LISTEN ${listen.host}:${listen.port} ssl → skipped (no KONG_SSL_CERT / KONG_SSL_CERT_KEY)`,
      );
      warnings.push(
        `${listen.host}:${listen.port} is an ssl listener but KONG_SSL_CERT / KONG_SSL_CERT_KEY are not set (Kong would use its ` +
          'self-signed default certificate): it was left out; add it with tls: { certFile, keyFile }.',
      );
      continue;
    }
    if (listen.flags.includes('http2')) {
      warnings.push(
        `${name}: http2 is not translated; sourceip listeners speak HTTP/1.1 (clients negotiate it via ALPN).`,
      );
    }
    mappings.push(
      `KONG_PROXY_LISTEN ${listen.host}:${listen.port}${listen.flags.length ? ` ${listen.flags.join(' ')}` : ''} → listeners[${name}]` +
        `${ssl ? ' tls' : ''}${proxyProtocol ? ' proxyProtocol: required' : ''}${ignored.length ? ` (ignored: ${ignored.join(' ')})` : ''}`,
    );
    if (proxyProtocol && trusted.length === 0) {
      warnings.push(
        `${name}: proxy_protocol with no KONG_TRUSTED_IPS: Kong requires the PROXY header but never uses its address; ` +
          'sourceip accepts the header from any peer and uses it. Set trusted to your load balancer ranges.',
      );
    }
    listeners.push({
      name,
      host: listen.host,
      port: listen.port,
      ...(ssl
        ? { tls: { certFile: splitList(vars.KONG_SSL_CERT!)[0], keyFile: splitList(vars.KONG_SSL_CERT_KEY!)[0] } }
        : {}),
      proxyProtocol: proxyProtocol ? { mode: 'required', trusted } : { mode: 'off' },
      trust: KONG_PROFILE,
    });
  }
  if (listeners.length === 0) {
    throw new ConfigError('no listener left to translate (KONG_PROXY_LISTEN is off or only ssl without certificates)', {
      key: 'KONG_PROXY_LISTEN',
    });
  }

  if (trustsEverything(trusted)) {
    warnings.push(
      `KONG_TRUSTED_IPS=${vars.KONG_TRUSTED_IPS} trusts every peer: any client chooses its own IP by sending ` +
        `${headerIsProxyProtocol ? 'a PROXY header' : header} (SIP-404, Kong #3946). List only your load balancer ranges.`,
    );
  }
  if (!recursive && trusted.length > 0 && !headerIsProxyProtocol) {
    warnings.push(
      `KONG_REAL_IP_RECURSIVE is off: only the rightmost ${header} entry is used; behind a multi-hop chain ` +
        '(CDN → load balancer → Kong) that entry is a proxy, not the client. Turn it on when more than one proxy appends.',
    );
  }
  if (trusted.length === 0 && vars.KONG_REAL_IP_HEADER !== undefined && !headerIsProxyProtocol) {
    warnings.push(`KONG_REAL_IP_HEADER=${header} has no effect without KONG_TRUSTED_IPS: the client is the TCP peer.`);
  }
  warnings.push(
    'Kong appends the real peer to an incoming X-Forwarded-For even from untrusted peers; sourceip keeps the incoming ' +
      'chain only from trusted peers (otherwise it starts the list with the real peer).',
  );

  return {
    seed: 'kong',
    config: {
      trustProfiles: [
        {
          name: KONG_PROFILE,
          semantics: 'nginx',
          trusted: headerIsProxyProtocol ? [] : trusted,
          header: headerIsProxyProtocol ? 'X-Real-IP' : header,
          recursive,
        },
      ],
      listeners,
      forwarding: { xForwardedFor: 'append', xRealIp: true, xForwardedProtoHostPort: true },
    },
    mappings,
    warnings,
    recommendation: [...COMMON_RECOMMENDATION],
  };
}

/** `trusted_ips` / `KONG_TRUSTED_IPS` / `kong_trusted_ips` → `KONG_TRUSTED_IPS`. */
export function normaliseKongNames(input: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    const upper = key.trim().toUpperCase().replace(/-/g, '_');
    out[upper.startsWith('KONG_') ? upper : `KONG_${upper}`] = value;
  }
  return out;
}

/**
 * Reads Kong settings from a file's text: an env file (`KEY=VALUE`, `export`, quotes, `#`
 * comments), kong.conf (`key = value`), a Kubernetes Deployment/StatefulSet/DaemonSet/Pod
 * (the `proxy` container, else the first one with `KONG_*` env), Helm values (`env:` map or
 * list) or a plain YAML map.
 */
export function readKongVariables(text: string, file: string): Record<string, string> {
  const fromYaml = readYamlShapes(text);
  if (fromYaml !== null) return fromYaml;
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new ConfigError(`expected KEY=VALUE, got ${quoteInput(line)}`, { file, line: index + 1 });
    let value = match[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    } else {
      const comment = value.indexOf(' #');
      if (comment !== -1) value = value.slice(0, comment).trim();
    }
    out[match[1]!] = value;
  }
  return out;
}

function readYamlShapes(text: string): Record<string, string> | null {
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(text);
  } catch {
    return null;
  }
  if (documents.some((document) => document.errors.length > 0)) return null;
  const maps: Record<string, string>[] = [];
  for (const document of documents) {
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch {
      return null; // not YAML after all (an alias without anchor): read it as an env file
    }
    if (!isObject(value)) continue;
    const podSpec = findPodSpec(value);
    if (podSpec) {
      const containers = Array.isArray(podSpec.containers) ? podSpec.containers.filter(isObject) : [];
      const envs = containers.map((container) => ({ name: container.name, env: envList(container.env) }));
      const chosen =
        envs.find((c) => c.name === 'proxy') ?? envs.find((c) => Object.keys(c.env).some((k) => k.startsWith('KONG_')));
      if (chosen) maps.push(chosen.env);
      continue;
    }
    if ('env' in value && (Array.isArray(value.env) || isObject(value.env))) {
      maps.push(Array.isArray(value.env) ? envList(value.env) : scalarMap(value.env as Record<string, unknown>));
      continue;
    }
    if (value.kind === undefined) maps.push(scalarMap(value));
  }
  return (
    maps.find((map) => Object.keys(normaliseKongNames(map)).some((key) => KONG_VARIABLES.includes(key))) ??
    maps[0] ??
    null
  );
}

function findPodSpec(value: Record<string, unknown>): Record<string, unknown> | null {
  if (value.kind === 'Pod' && isObject(value.spec)) return value.spec;
  if (typeof value.kind === 'string' && isObject(value.spec)) {
    const template = value.spec.template;
    if (isObject(template) && isObject(template.spec)) return template.spec;
  }
  return null;
}

function envList(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(value)) return out;
  for (const item of value) {
    if (isObject(item) && typeof item.name === 'string' && item.value !== undefined && item.value !== null) {
      out[item.name] = String(item.value);
    }
  }
  return out;
}

function scalarMap(value: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') out[key] = String(item);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
