/**
 * `SOURCEIP_*` environment overrides (STYLE.md: defaults < YAML < env < flags).
 *
 * - `__` nests, a single `_` separates words of one key: `SOURCEIP_LIMITS__MAX_BODY_BYTES=1m`
 *   sets `limits.maxBodyBytes`.
 * - In a list, a segment is an index (`SOURCEIP_LISTENERS__0__PORT`) or the element's `name`
 *   (`SOURCEIP_LISTENERS__PUBLIC__PORT`, `-` and `.` written as `_`).
 * - Values are read as YAML scalars/flow collections: `8080` is a number, `true` a boolean,
 *   `[10.0.0.0/8, 192.168.0.0/16]` a list; anything else stays a string.
 * - `SOURCEIP_LOG_LEVEL` is `log.level`; `SOURCEIP_CONFIG` names the file. Variables whose first
 *   segment is not a config key (`SOURCEIP_FUZZ_RUNS`) belong to other tools and are ignored.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError, quoteInput } from '../../core/errors.ts';
import { TOP_LEVEL_KEYS } from './schema.ts';

const PREFIX = 'SOURCEIP_';
const ALIASES: Readonly<Record<string, readonly string[]>> = { LOG_LEVEL: ['log', 'level'] };
const IGNORED = new Set(['CONFIG']);

export interface EnvOverrides {
  /** The config value with overrides applied (a copy; the input is not changed). */
  readonly value: Record<string, unknown>;
  /** Dotted path (`listeners.0.port`) → the variable that set it, for error messages. */
  readonly sources: ReadonlyMap<string, string>;
}

/** `MAX_BODY_BYTES` → `maxBodyBytes`. */
export function envSegmentToKey(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Applies every `SOURCEIP_*` variable of `env` to `value`.
 * @example applyEnvOverrides({ admin: { port: 9480 } }, { SOURCEIP_ADMIN__PORT: '9500' }).value.admin // { port: 9500 }
 * @throws ConfigError naming the variable when its path does not fit the config.
 */
export function applyEnvOverrides(value: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvOverrides {
  const root = structuredClone(value);
  const sources = new Map<string, string>();
  const names = Object.keys(env)
    .filter((variable) => variable.startsWith(PREFIX))
    .sort();
  for (const variable of names) {
    const rest = variable.slice(PREFIX.length);
    if (IGNORED.has(rest)) continue;
    // Own keys only: `SOURCEIP_valueOf` must not find Object.prototype.valueOf.
    const alias = Object.hasOwn(ALIASES, rest) ? ALIASES[rest] : undefined;
    const segments = alias ?? rest.split('__');
    if (segments.some((segment) => segment === '')) {
      throw new ConfigError('empty path segment (use "__" between keys)', { key: variable, file: 'environment' });
    }
    const first = alias ? segments[0]! : envSegmentToKey(segments[0]!);
    if (!TOP_LEVEL_KEYS.includes(first)) continue;
    const path = setPath(root, [first, ...segments.slice(1)], alias !== undefined, readValue(env[variable]!), variable);
    sources.set(path.join('.'), variable);
  }
  return { value: root, sources };
}

function readValue(text: string): unknown {
  try {
    const parsed: unknown = parseYaml(text);
    return parsed === null || parsed === undefined ? text : parsed;
  } catch {
    return text;
  }
}

function setPath(
  root: Record<string, unknown>,
  segments: readonly string[],
  literal: boolean,
  leaf: unknown,
  variable: string,
): Array<string | number> {
  const path: Array<string | number> = [];
  let container: unknown = root;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i]!;
    const isLast = i === segments.length - 1;
    if (Array.isArray(container)) {
      const index = findIndex(container, segment);
      if (index === -1) {
        throw new ConfigError(
          `no element ${quoteInput(segment)} in ${path.join('.') || 'the list'} (use an index or a name)`,
          {
            key: variable,
            file: 'environment',
          },
        );
      }
      path.push(index);
      if (isLast) container[index] = leaf;
      else {
        if (container[index] === undefined) container[index] = {};
        container = container[index];
      }
      continue;
    }
    if (container === null || typeof container !== 'object') {
      throw new ConfigError(`${path.join('.')} is not a section`, { key: variable, file: 'environment' });
    }
    const key = literal || i === 0 ? segment : keyFor(path, segment);
    const object = container as Record<string, unknown>;
    path.push(key);
    if (isLast) object[key] = leaf;
    else {
      if (object[key] === undefined || object[key] === null || object[key] === false) {
        object[key] = /^\d+$/.test(segments[i + 1]!) ? [] : {};
      }
      container = object[key];
    }
  }
  return path;
}

/** Keys under `compat:` keep the seeds' spelling: `INGRESS_NGINX__USE_FORWARDED_HEADERS`, `KONG__KONG_TRUSTED_IPS`. */
function keyFor(path: ReadonlyArray<string | number>, segment: string): string {
  if (path[0] === 'compat') {
    if (path.length === 1) return segment.toLowerCase().replace(/_/g, '-');
    if (path[1] === 'ingress-nginx') return segment.toLowerCase().replace(/_/g, '-');
    if (path[1] === 'kong') return segment.toUpperCase();
  }
  return envSegmentToKey(segment);
}

/** An index (`0`) or an element whose `name` matches (`PUBLIC` ≙ `public`, `EDGE_LB` ≙ `edge-lb`). */
function findIndex(list: unknown[], segment: string): number {
  if (/^\d+$/.test(segment)) {
    const index = Number(segment);
    return index <= list.length ? index : -1;
  }
  return list.findIndex((element) => {
    if (element === null || typeof element !== 'object') return false;
    const elementName = (element as { name?: unknown }).name;
    return typeof elementName === 'string' && elementName.toUpperCase().replace(/[-.]/g, '_') === segment;
  });
}
