/**
 * Loading sourceip.yaml: find the file, parse it with line numbers, apply `SOURCEIP_*`
 * overrides, translate the `compat:` vocabularies, validate with the schema, check
 * cross-references, and return a `GatewayConfig`. Every error is a `ConfigError` naming the
 * key and `file:line` (or the environment variable that set it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { core as zcore } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { BUILTIN_DIRECT_PROFILE, EMBEDDED_DEFAULTS, EMBEDDED_SOURCE } from './defaults.ts';
import { applyEnvOverrides } from './env.ts';
import { translateIngressNginx } from './import-ingress-nginx.ts';
import { translateKong } from './import-kong.ts';
import { DEFAULT_FORWARDING, type FileConfig, fileSchema } from './schema.ts';
import type { GatewayConfig, ListenerConfig, RouteConfig, TrustProfileConfig } from './types.ts';

export type PathSegment = string | number;

export interface CheckResult {
  /** The validated configuration, or null when `errors` is not empty. */
  readonly config: GatewayConfig | null;
  readonly errors: readonly ConfigError[];
  /** Valid but risky settings (a profile trusting everything, imported seed behaviour). */
  readonly warnings: readonly string[];
  /** The file path, or `<embedded defaults>`. */
  readonly source: string;
  /** Where a key (`listeners[0].port`, as in ConfigError.key) was written, for errors raised later. */
  locate(key: string): { readonly file: string; readonly line?: number };
}

/**
 * The config file to use: `--config`, then `SOURCEIP_CONFIG`, then `./sourceip.yaml`, then
 * `/etc/sourceip/config.yaml`; null = the embedded defaults.
 */
export function findConfigFile(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string | null {
  if (flag) return resolvePath(cwd, flag);
  if (env.SOURCEIP_CONFIG) return resolvePath(cwd, env.SOURCEIP_CONFIG);
  for (const candidate of [resolvePath(cwd, 'sourceip.yaml'), '/etc/sourceip/config.yaml']) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Loads and validates a config file (or the embedded defaults when `file` is null).
 * @example const { config } = loadConfig(findConfigFile(undefined)); // throws ConfigError
 */
export function loadConfig(
  file: string | null,
  env: NodeJS.ProcessEnv = process.env,
): CheckResult & { config: GatewayConfig } {
  const result = checkConfigFile(file, env);
  if (result.config === null) throw result.errors[0]!;
  return result as CheckResult & { config: GatewayConfig };
}

/** Like loadConfig, but collects every error instead of throwing (for `sourceip config check`). */
export function checkConfigFile(file: string | null, env: NodeJS.ProcessEnv = process.env): CheckResult {
  if (file === null)
    return checkConfigValue(structuredClone(EMBEDDED_DEFAULTS) as Record<string, unknown>, EMBEDDED_SOURCE, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot read the file';
    return failed(file, [new ConfigError(why, { file })]);
  }
  return checkConfigText(text, file, env);
}

/** Validates YAML text; `file` names it in errors and anchors relative TLS paths. */
export function checkConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): CheckResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const errors = document.errors.map((error) => {
      const line = lineCounter.linePos(error.pos[0]).line;
      return new ConfigError(`not valid YAML: ${error.message.split('\n')[0]}`, { file, line });
    });
    return failed(file, errors);
  }
  let value: unknown;
  try {
    // Aliases are resolved here: an alias without its anchor, or too many of them (a "billion laughs"), fail.
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return failed(file, [new ConfigError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`, { file })]);
  }
  if (value === null || value === undefined) return failed(file, [new ConfigError('the file is empty', { file })]);
  if (typeof value !== 'object' || Array.isArray(value)) {
    return failed(file, [new ConfigError('expected a map of settings at the top level', { file, line: 1 })]);
  }
  const lineOf = (path: readonly PathSegment[]): number | undefined => yamlLine(document.contents, lineCounter, path);
  return checkConfigValue(value as Record<string, unknown>, file, env, lineOf);
}

/** Validates a config already in memory (the demo builds one from the embedded defaults). */
export function checkConfigObject(
  raw: Record<string, unknown>,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
): CheckResult {
  return checkConfigValue(structuredClone(raw), source, env);
}

function failed(source: string, errors: ConfigError[]): CheckResult {
  return { config: null, errors, warnings: [], source, locate: () => ({ file: source }) };
}

function checkConfigValue(
  raw: Record<string, unknown>,
  source: string,
  env: NodeJS.ProcessEnv,
  lineOf: (path: readonly PathSegment[]) => number | undefined = () => undefined,
): CheckResult {
  const warnings: string[] = [];
  /** Dotted path prefix → where it came from instead of the file (env variable or compat section). */
  const origins = new Map<string, { readonly key?: string; readonly path?: readonly PathSegment[] }>();

  const where = (path: readonly PathSegment[]): { key: string; file: string; line?: number } => {
    const key = formatKey(path);
    for (let length = path.length; length > 0; length -= 1) {
      const origin = origins.get(path.slice(0, length).join('.'));
      if (origin?.key) return { key: `${key} (${origin.key})`, file: 'environment' };
      if (origin?.path) return { key, file: source, line: lineOf(origin.path) };
    }
    return { key, file: source, line: lineOf(path) };
  };
  const locate = (key: string) => {
    const found = where(parseKey(key));
    return found.line === undefined ? { file: found.file } : { file: found.file, line: found.line };
  };
  const fail = (errors: ConfigError[]): CheckResult => ({ config: null, errors, warnings, source, locate });

  let value: Record<string, unknown>;
  try {
    const overridden = applyEnvOverrides(raw, env);
    value = overridden.value;
    for (const [path, variable] of overridden.sources) origins.set(path, { key: variable });
  } catch (error) {
    if (error instanceof ConfigError) return fail([error]);
    throw error;
  }

  let compatProfile: string | undefined;
  try {
    compatProfile = applyCompat(value, origins, warnings);
  } catch (error) {
    if (error instanceof ConfigError && error.key?.startsWith('compat.')) {
      const path = parseKey(error.key);
      return fail([new ConfigError(stripPrefix(error.message), where(path))]);
    }
    throw error;
  }

  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) {
    return fail(parsed.error.issues.flatMap((issue) => issueErrors(issue, value, where)));
  }
  const errors: ConfigError[] = [];
  const config = assemble(
    parsed.data,
    source,
    compatProfile,
    (message, path) => errors.push(new ConfigError(message, where(path))),
    warnings,
  );
  if (errors.length > 0) return fail(errors);
  return { config, errors: [], warnings, source, locate };
}

function stripPrefix(message: string): string {
  const colon = message.indexOf(': ');
  return colon === -1 ? message : message.slice(colon + 2);
}

function issueErrors(
  issue: zcore.$ZodIssue,
  value: unknown,
  where: (path: readonly PathSegment[]) => { key: string; file: string; line?: number },
): ConfigError[] {
  const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => new ConfigError('unknown key (see docs/config.md)', where([...path, key])));
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && valueAt(value, path) === undefined) message = 'is required';
  else if (issue.code === 'invalid_type') message = `must be ${article(issue.expected)}`;
  return [new ConfigError(message, where(path))];
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a map of keys';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** `compat:` → trust profiles, listeners (when the file has none) and default forwarding. */
function applyCompat(
  value: Record<string, unknown>,
  origins: Map<string, { readonly key?: string; readonly path?: readonly PathSegment[] }>,
  warnings: string[],
): string | undefined {
  const compat = value.compat;
  if (compat === null || typeof compat !== 'object' || Array.isArray(compat)) return undefined;
  let firstProfile: string | undefined;
  for (const seed of ['ingress-nginx', 'kong'] as const) {
    const data = (compat as Record<string, unknown>)[seed];
    if (data === null || typeof data !== 'object' || Array.isArray(data)) continue;
    const strings: Record<string, string> = {};
    for (const [key, item] of Object.entries(data)) strings[key] = String(item);
    let translation: ReturnType<typeof translateIngressNginx>;
    try {
      translation = seed === 'kong' ? translateKong(strings) : translateIngressNginx(strings);
    } catch (error) {
      if (error instanceof ConfigError && error.key) {
        const seedKey =
          seed === 'kong'
            ? (Object.keys(strings).find((k) => k.toUpperCase().endsWith(error.key!.replace(/^KONG_/, ''))) ??
              error.key)
            : error.key;
        throw new ConfigError(stripPrefix(error.message), { key: `compat.${seed}.${seedKey}` });
      }
      throw error;
    }
    for (const warning of translation.warnings) warnings.push(`compat.${seed}: ${warning}`);
    const profiles = Array.isArray(value.trustProfiles) ? (value.trustProfiles as unknown[]) : [];
    for (const profile of translation.config.trustProfiles) {
      if (!profiles.some((existing) => (existing as { name?: unknown })?.name === profile.name)) {
        origins.set(`trustProfiles.${profiles.length}`, { path: ['compat', seed] });
        profiles.push(profile);
      }
    }
    value.trustProfiles = profiles;
    if (value.listeners === undefined) {
      value.listeners = translation.config.listeners;
      origins.set('listeners', { path: ['compat', seed] });
    }
    const ownForwarding = value.forwarding && typeof value.forwarding === 'object' ? value.forwarding : {};
    value.forwarding = { ...translation.config.forwarding, ...ownForwarding };
    firstProfile ??= String(translation.config.trustProfiles[0]!.name);
  }
  return firstProfile;
}

function assemble(
  file: FileConfig,
  source: string,
  compatProfile: string | undefined,
  report: (message: string, path: readonly PathSegment[]) => void,
  warnings: string[],
): GatewayConfig {
  const baseDir = source.startsWith('<') ? process.cwd() : dirname(source);
  const trustProfiles: TrustProfileConfig[] = file.trustProfiles.map((profile) => ({
    name: profile.name,
    semantics: profile.semantics,
    trusted: profile.trusted,
    header: profile.header,
    ...(profile.recursive === undefined ? {} : { recursive: profile.recursive }),
    ...(profile.hops === undefined ? {} : { hops: profile.hops }),
    ...(profile.preset === undefined ? {} : { preset: profile.preset }),
    ...(profile.headerOverwritten === undefined ? {} : { headerOverwritten: profile.headerOverwritten }),
  }));
  checkUnique(trustProfiles, 'trustProfiles', report);
  if (!trustProfiles.some((profile) => profile.name === BUILTIN_DIRECT_PROFILE.name)) {
    trustProfiles.push({ ...BUILTIN_DIRECT_PROFILE, trusted: [] });
  }
  trustProfiles.forEach((profile, index) => {
    if (profile.trusted.some((range) => range === '0.0.0.0/0' || range === '::/0')) {
      warnings.push(`trustProfiles[${index}] (${profile.name}) trusts every address: any client can choose its IP`);
    }
    if (profile.semantics === 'hops' && profile.hops === undefined)
      report('semantics "hops" needs hops', ['trustProfiles', index]);
  });

  const listeners: ListenerConfig[] = file.listeners.map((listener, index) => {
    const trust = listener.trust ?? compatProfile ?? BUILTIN_DIRECT_PROFILE.name;
    if (!trustProfiles.some((profile) => profile.name === trust)) {
      report(`no trust profile named ${JSON.stringify(trust)}`, ['listeners', index, 'trust']);
    }
    let tls: ListenerConfig['tls'];
    if (listener.tls) {
      tls = {
        certFile: resolvePath(baseDir, listener.tls.certFile),
        keyFile: resolvePath(baseDir, listener.tls.keyFile),
      };
      for (const key of ['certFile', 'keyFile'] as const) {
        if (!existsSync(tls[key])) report(`file not found: ${tls[key]}`, ['listeners', index, 'tls', key]);
      }
    }
    if (listener.proxyProtocol.mode === 'required' && listener.proxyProtocol.trusted.length === 0) {
      warnings.push(
        `listeners[${index}] (${listener.name}) requires PROXY protocol from any peer: only safe when nothing but the load balancer can reach it`,
      );
    }
    return {
      name: listener.name,
      host: listener.host,
      port: listener.port,
      ...(tls ? { tls } : {}),
      proxyProtocol: listener.proxyProtocol,
      trust,
      ...(listener.access ? { access: listener.access } : {}),
    };
  });
  checkUnique(listeners, 'listeners', report);
  const bound = new Map<string, number>();
  listeners.forEach((listener, index) => {
    if (listener.port === 0) return;
    const address = `${listener.host}:${listener.port}`;
    const previous = bound.get(address);
    if (previous !== undefined)
      report(`same address as listeners[${previous}] (${address})`, ['listeners', index, 'port']);
    bound.set(address, index);
  });

  const upstreams = file.upstreams.map((upstream) => ({ ...upstream }));
  checkUnique(upstreams, 'upstreams', report);

  const routes: RouteConfig[] = file.routes.map((route, index) => {
    if (!upstreams.some((upstream) => upstream.name === route.upstream)) {
      report(`no upstream named ${JSON.stringify(route.upstream)}`, ['routes', index, 'upstream']);
    }
    if (route.rateLimit?.store === 'redis' && !file.redis) {
      report('store "redis" needs a top-level redis: section', ['routes', index, 'rateLimit', 'store']);
    }
    return {
      name: route.name,
      ...(route.host === undefined ? {} : { host: route.host.toLowerCase() }),
      pathPrefix: route.pathPrefix,
      upstream: route.upstream,
      forwarding: { ...DEFAULT_FORWARDING, ...stripUndefined(file.forwarding), ...stripUndefined(route.forwarding) },
      ...(route.access ? { access: route.access } : {}),
      ...(route.rateLimit
        ? {
            rateLimit: {
              ...route.rateLimit,
              name: route.rateLimit.name ?? route.name,
              burst: route.rateLimit.burst ?? route.rateLimit.requests,
            },
          }
        : {}),
    };
  });
  checkUnique(routes, 'routes', report);

  return {
    listeners,
    trustProfiles,
    routes,
    upstreams,
    ...(file.admin ? { admin: file.admin } : {}),
    limits: file.limits,
    log: file.log,
    drainTimeoutMs: file.drainTimeoutMs,
    ...(file.shutdownDelayMs > 0 ? { shutdownDelayMs: file.shutdownDelayMs } : {}),
    ...(file.redis ? { redis: file.redis } : {}),
  };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

function checkUnique(
  items: ReadonlyArray<{ readonly name: string }>,
  section: string,
  report: (message: string, path: readonly PathSegment[]) => void,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const previous = seen.get(item.name);
    if (previous !== undefined)
      report(`duplicate name ${JSON.stringify(item.name)} (also ${section}[${previous}])`, [section, index, 'name']);
    seen.set(item.name, index);
  });
}

/** `['listeners', 0, 'port']` → `listeners[0].port`. */
export function formatKey(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** `listeners[0].port` → `['listeners', 0, 'port']`. */
export function parseKey(key: string): PathSegment[] {
  const path: PathSegment[] = [];
  for (const part of key.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      path.push(part);
      continue;
    }
    if (match[1]) path.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

/** The 1-based line of the deepest node on `path` that exists in the document. */
function yamlLine(root: YamlNode | null, lineCounter: LineCounter, path: readonly PathSegment[]): number | undefined {
  let node: unknown = root;
  let line = root?.range ? lineCounter.linePos(root.range[0]).line : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const keyNode = pair.key as YamlNode;
      if (keyNode.range) line = lineCounter.linePos(keyNode.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as YamlNode | undefined;
      if (!item) break;
      if (item.range) line = lineCounter.linePos(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}
