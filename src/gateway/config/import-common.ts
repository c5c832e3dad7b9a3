/**
 * Shared shapes of the two importers (ingress-nginx ConfigMap, Kong environment) and the
 * renderer that prints an imported config as commented sourceip YAML.
 */
import { stringify } from 'yaml';
import { ConfigError, quoteInput } from '../../core/errors.ts';

/** A piece of sourceip.yaml (the file's raw shape, before defaults) produced by a translation. */
export interface TranslatedConfig {
  readonly trustProfiles: Array<Record<string, unknown>>;
  readonly listeners: Array<Record<string, unknown>>;
  readonly forwarding: Record<string, unknown>;
}

export interface Translation {
  readonly seed: 'ingress-nginx' | 'kong';
  readonly config: TranslatedConfig;
  /** One line per seed key: `use-forwarded-headers: "true" → trustProfiles[ingress-nginx].trusted …`. */
  readonly mappings: string[];
  /** Settings that let clients choose their IP, or behaviour sourceip does not reproduce. */
  readonly warnings: string[];
  /** Comment lines: what sourceip recommends instead. */
  readonly recommendation: string[];
}

export interface ImportOptions {
  /** Where the imported listener binds when the seed does not say (ingress-nginx): default 0.0.0.0:8080. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Upstream targets for the generated route: default 127.0.0.1:8081 (whoami in the demo). */
  readonly upstreams?: readonly string[];
}

/** Go strconv.ParseBool (ingress-nginx) and Kong's on/off. */
export function parseSeedBool(key: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const text = value.trim();
  if (['1', 't', 'T', 'true', 'TRUE', 'True', 'on', 'ON', 'On', 'yes'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', 'off', 'OFF', 'Off', 'no'].includes(text)) return false;
  throw new ConfigError(`expected a boolean (true/false, on/off), got ${quoteInput(text)}`, { key });
}

/** `10.0.0.0/8, 192.168.0.0/16` → entries. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

export function trustsEverything(ranges: readonly string[]): boolean {
  return ranges.some((range) => range === '0.0.0.0/0' || range === '::/0' || range === '::0/0');
}

/**
 * The full sourceip.yaml text for a translation: header comments (source, table, warnings),
 * the config, and the recommendation block.
 */
export function renderImported(translation: Translation, source: string, options: ImportOptions = {}): string {
  const { config } = translation;
  const document = {
    listeners: config.listeners,
    trustProfiles: config.trustProfiles,
    upstreams: [{ name: 'app', targets: [...(options.upstreams ?? ['127.0.0.1:8081'])] }],
    routes: [{ name: 'default', pathPrefix: '/', upstream: 'app' }],
    forwarding: config.forwarding,
  };
  const lines: string[] = [
    `# sourceip configuration imported from ${translation.seed} (${source}) by \`sourceip config import\`.`,
    '# It reproduces the seed\u2019s client-IP behaviour; read the warnings, then the recommendation at the end.',
    '# The upstream below is a placeholder: point it at your backend.',
    '#',
    '# Translation:',
    ...translation.mappings.map((line) => `#   ${line}`),
  ];
  if (translation.warnings.length > 0) {
    lines.push('#', '# Warnings:', ...translation.warnings.map((line) => `#   WARNING: ${line}`));
  }
  lines.push('', stringify(document, { lineWidth: 0 }).trimEnd(), '');
  lines.push('# What sourceip recommends instead:', ...translation.recommendation.map((line) => `#   ${line}`), '');
  return lines.join('\n');
}

export const COMMON_RECOMMENDATION: readonly string[] = [
  'trustProfiles:',
  '  - name: edge',
  '    semantics: strict        # rightmost-untrusted; refuses where the answer could be client-chosen',
  '    trusted: [10.0.0.0/8]    # ONLY your load balancer / proxy ranges, never 0.0.0.0/0 or ::/0',
  'listeners:',
  '  - name: public',
  '    port: 8080',
  '    trust: edge',
  '    # behind an L4 load balancer, prefer PROXY protocol from the LB over headers:',
  '    # proxyProtocol: { mode: required, trusted: [10.0.0.0/8] }',
  'forwarding:',
  '  xForwardedFor: append      # incoming chain (from trusted peers only) + the real peer',
  'Check it with `sourceip config check` and `sourceip doctor`.',
];
