/**
 * The sourceip.yaml schema (zod 4). Parsing a file's value with `fileSchema` yields the
 * `GatewayConfig` shapes of types.ts with every default filled in; `docs/config.md` documents
 * each key. Cross-references (a listener's trust profile, a route's upstream) are checked
 * afterwards in load.ts, where the error can point at the referring key.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { applyPresetDefaults, PRESET_NAMES } from '../presets/preset.ts';
import { parseDuration, parseSize } from './units.ts';

/** Names of listeners, profiles, routes and upstreams: used in metrics labels, so kept short and plain. */
const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be 1-63 letters, digits, "-", "_" or "." (used as a metric label)');

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be an HTTP header name (RFC 9110 token)');

/** Milliseconds: a non-negative integer or a string with a unit (`250ms`, `5s`, `2m`). */
export const duration = z.unknown().transform((value, ctx) => {
  const parsed = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : null;
  if (parsed === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration: milliseconds or a number with ms/s/m/h' });
    return z.NEVER;
  }
  return parsed;
});

/** Bytes: a non-negative integer or a string with a unit (`8k`, `1m`). */
const size = z.unknown().transform((value, ctx) => {
  const parsed = typeof value === 'number' || typeof value === 'string' ? parseSize(value) : null;
  if (parsed === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a size: bytes or a number with k/m' });
    return z.NEVER;
  }
  return parsed;
});

/**
 * One trust-list entry: an IP, a CIDR, `unix:` or a named range / CDN preset (`loopback`,
 * `private`, `cloudflare`). Names are checked by the resolver when the runtime compiles.
 */
export const rangeEntry = z.string().superRefine((value, ctx) => {
  if (isRangeEntry(value)) return;
  ctx.addIssue({
    code: 'custom',
    message: `${JSON.stringify(value.slice(0, 64))} is not an IP, a CIDR or a range name`,
  });
});

export function isRangeEntry(value: string): boolean {
  if (value === 'unix:') return true;
  if (/^[a-z][a-z0-9-]{0,40}$/.test(value)) return true;
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const prefix = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** One entry or a list; a single string may also be comma-separated (`10.0.0.0/8, 192.168.0.0/16`). */
const rangeList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((entry) => entry.trim()) : value),
  z.array(rangeEntry),
);

const port = z.number().int().min(0).max(65535);

const proxyProtocolObject = z.strictObject({
  mode: z.enum(['off', 'required', 'optional']).default('off'),
  trusted: rangeList.default([]),
  timeoutMs: duration.default(5000),
});

/** `proxyProtocol: required` is short for `{ mode: required }`; `true`/`false` for required/off. */
const proxyProtocol = z.preprocess((value) => {
  if (typeof value === 'string') return { mode: value };
  if (typeof value === 'boolean') return { mode: value ? 'required' : 'off' };
  return value ?? { mode: 'off' };
}, proxyProtocolObject);

export const accessSchema = z.strictObject({
  allow: rangeList.optional(),
  deny: rangeList.optional(),
  peerAllow: rangeList.optional(),
  dryRun: z.boolean().optional(),
  /** Files of ranges (one per line, `#` comments), read again on every reload (issue 8). */
  allowFiles: z.array(z.string().min(1)).optional(),
  denyFiles: z.array(z.string().min(1)).optional(),
  peerAllowFiles: z.array(z.string().min(1)).optional(),
});

export const listenerSchema = z.strictObject({
  name,
  host: z
    .string()
    .refine(
      (host) => isIP(host) !== 0 || host === 'localhost',
      'must be an IP address to bind (0.0.0.0, ::, 127.0.0.1)',
    )
    .default('0.0.0.0'),
  port,
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  proxyProtocol,
  trust: name.optional(),
  access: accessSchema.optional(),
});

const semantics = z.enum(['strict', 'nginx', 'express', 'hops', 'single', 'forwarded']);

export const trustProfileSchema = z
  .strictObject({
    name,
    semantics: semantics.default('strict'),
    trusted: rangeList.default([]),
    header: headerName.optional(),
    /** nginx `real_ip_recursive`, only with `semantics: nginx`; default off, as in nginx. */
    recursive: z.boolean().optional(),
    hops: z.number().int().min(0).max(64).optional(),
    /** CDN preset (issue 8): fills semantics `single`, the CDN's header and its ranges where not set. */
    preset: z.enum(PRESET_NAMES).optional(),
    /** The CDN is configured to overwrite a client-settable header (Akamai, Fastly): silences the warning. */
    headerOverwritten: z.boolean().optional(),
  })
  .superRefine((profile, ctx) => {
    if (profile.recursive !== undefined && profile.semantics !== 'nginx') {
      ctx.addIssue({
        code: 'custom',
        path: ['recursive'],
        message: `is nginx's real_ip_recursive; it applies only to semantics nginx (${profile.semantics} always walks every trusted hop)`,
      });
    }
  })
  .transform((profile) => {
    const { recursive, ...rest } = profile;
    return {
      ...rest,
      header: profile.header ?? (profile.semantics === 'forwarded' ? 'Forwarded' : 'X-Forwarded-For'),
      ...(profile.semantics === 'nginx' ? { recursive: recursive ?? false } : {}),
    };
  });

/** Client-settable single-IP headers removed unless they came from a trusted peer. */
export const DEFAULT_STRIP_UNTRUSTED: readonly string[] = [
  'X-Real-IP',
  'X-Client-IP',
  'True-Client-IP',
  'CF-Connecting-IP',
  'Fastly-Client-IP',
  'X-Cluster-Client-IP',
  'X-Original-Forwarded-For',
];

export const forwardingSchema = z.strictObject({
  xForwardedFor: z.enum(['append', 'replace', 'off']).optional(),
  xRealIp: z.boolean().optional(),
  forwarded: z.boolean().optional(),
  xForwardedProtoHostPort: z.boolean().optional(),
  stripUntrusted: z.array(headerName).optional(),
  requestId: z.boolean().optional(),
  proxyProtocol: z.enum(['off', 'v1', 'v2']).optional(),
});
export type ForwardingInput = z.output<typeof forwardingSchema>;

export const DEFAULT_FORWARDING = {
  xForwardedFor: 'append',
  xRealIp: true,
  forwarded: false,
  xForwardedProtoHostPort: true,
  stripUntrusted: DEFAULT_STRIP_UNTRUSTED,
  requestId: true,
  proxyProtocol: 'off',
} as const;

const target = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'must be host:port or [v6]:port', abort: true })
  .refine((text) => Number(text.slice(text.lastIndexOf(':') + 1)) <= 65535, 'port must be 0-65535');

export const upstreamSchema = z.strictObject({
  name,
  targets: z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(target).min(1)),
  connectTimeoutMs: duration.default(5000),
  responseTimeoutMs: duration.default(60_000),
  keepAlive: z.number().int().min(0).max(10_000).default(64),
});

const rateLimitSchema = z.strictObject({
  name: name.optional(),
  requests: z.number().int().positive(),
  periodMs: duration,
  burst: z.number().int().positive().optional(),
  ipv6Prefix: z.number().int().min(1).max(128).default(64),
  store: z.enum(['memory', 'redis']).default('memory'),
  dryRun: z.boolean().optional(),
  /** Header whose value is added to the client key (issue 8: e.g. an API key). */
  keyHeader: headerName.optional(),
});

export const routeSchema = z.strictObject({
  name,
  host: z
    .string()
    .regex(/^(\*\.)?[A-Za-z0-9.-]+$/, 'must be a host name or *.domain (no port)')
    .optional(),
  pathPrefix: z.string().startsWith('/', 'must start with "/"').default('/'),
  upstream: name,
  forwarding: forwardingSchema.optional(),
  access: accessSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
});

export const limitsSchema = z.strictObject({
  maxHeaderBytes: size.default(16 * 1024),
  maxHeaderCount: z.number().int().min(1).max(10_000).default(100),
  maxBodyBytes: size.default(10 * 1024 * 1024),
  headerTimeoutMs: duration.default(10_000),
  idleTimeoutMs: duration.default(60_000),
  requestTimeoutMs: duration.default(300_000),
});

const adminSchema = z.strictObject({
  host: z
    .string()
    .refine((host) => isIP(host) !== 0 || host === 'localhost', 'must be an IP address to bind')
    .default('127.0.0.1'),
  port,
});

const redisSchema = z.strictObject({
  url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  timeoutMs: duration.default(50),
  failMode: z.enum(['open', 'closed']).default('open'),
  maxMemoryKeys: z.number().int().positive().default(100_000),
  /** Sentinel mode (ioredis): sentinels and the master group name; `url` then supplies credentials/TLS. */
  sentinels: z
    .array(z.strictObject({ host: z.string().min(1), port }))
    .min(1)
    .optional(),
  sentinelName: z.string().min(1).optional(),
  /** Cluster mode (ioredis): seed nodes `host:port`; `url` then supplies credentials/TLS. */
  cluster: z.array(target).min(1).optional(),
});

/** `compat:` — the seeds' own vocabularies, translated by import-ingress-nginx.ts / import-kong.ts. */
const compatSchema = z.strictObject({
  'ingress-nginx': z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  kong: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

/** The whole file, after env overrides and `compat:` translation. */
export const fileSchema = z.strictObject({
  listeners: z.array(listenerSchema).min(1, 'at least one listener is required'),
  trustProfiles: z.preprocess(applyPresetDefaults, z.array(trustProfileSchema).default([])),
  upstreams: z.array(upstreamSchema).min(1, 'at least one upstream is required'),
  routes: z.array(routeSchema).min(1, 'at least one route is required'),
  /** Defaults for every route's `forwarding` (a route's own keys win). */
  forwarding: forwardingSchema.optional(),
  /** `false` (or absent) = no admin listener. */
  admin: z.preprocess((value) => (value === false ? undefined : value), adminSchema.optional()),
  limits: limitsSchema.prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      access: z.boolean().default(true),
    })
    .prefault({}),
  drainTimeoutMs: duration.default(30_000),
  shutdownDelayMs: duration.default(0),
  redis: redisSchema.optional(),
  compat: compatSchema.optional(),
});
export type FileConfig = z.output<typeof fileSchema>;

/** Top-level keys, for env overrides (`SOURCEIP_<KEY>__…`). */
export const TOP_LEVEL_KEYS: readonly string[] = Object.keys(fileSchema.shape);
