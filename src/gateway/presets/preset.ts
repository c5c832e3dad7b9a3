/**
 * CDN presets: trust profiles for a CDN in front of the gateway — which header carries the
 * client, and the CDN's published address ranges (the only peers whose header counts).
 *
 * The ranges ship as data (data/<preset>.json) with the date they were taken and where from.
 * Ranges change and a released range can be reassigned (reference pitfall 17), so a list older
 * than {@link STALE_AFTER_DAYS} days is reported. Some CDN headers can be set by the client and
 * are passed on unless the CDN is told to overwrite them (pitfall 16); those presets carry a
 * warning too. `sourceip presets refresh` rewrites the data from a file the operator downloaded;
 * `SOURCEIP_PRESETS_DIR` points the loader at refreshed copies kept outside the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import akamai from './data/akamai.json' with { type: 'json' };
import cloudflare from './data/cloudflare.json' with { type: 'json' };
import cloudfront from './data/cloudfront.json' with { type: 'json' };
import fastly from './data/fastly.json' with { type: 'json' };

export const PRESET_NAMES = ['cloudflare', 'cloudfront', 'fastly', 'akamai'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A shipped list older than this is reported at startup and by `sourceip presets list`. */
export const STALE_AFTER_DAYS = 90;

/** The data file's shape. */
export interface PresetData {
  readonly preset: string;
  /** `YYYY-MM-DD` the list was taken from the source, or null when nothing is shipped. */
  readonly takenAt: string | null;
  readonly source: readonly string[];
  /** How the snapshot was obtained. */
  readonly via: string;
  readonly ranges: readonly string[];
}

export interface CdnPreset {
  readonly name: PresetName;
  /** Header the CDN writes the client into. */
  readonly header: string;
  readonly semantics: 'single';
  /** Set when clients can send the header themselves and the CDN passes it on unless configured not to. */
  readonly clientSettable?: string;
  readonly data: PresetData;
}

const HEADERS: Readonly<Record<PresetName, { header: string; clientSettable?: string }>> = {
  // Cloudflare overwrites CF-Connecting-IP on every request it proxies.
  cloudflare: { header: 'CF-Connecting-IP' },
  // Added by CloudFront (ip:port, IPv6 unbracketed) when the origin request policy includes it.
  cloudfront: { header: 'CloudFront-Viewer-Address' },
  fastly: {
    header: 'Fastly-Client-IP',
    clientSettable:
      'Fastly-Client-IP is client-settable by default: Fastly passes a client-sent value on unless the service VCL sets it (set req.http.Fastly-Client-IP = client.ip)',
  },
  akamai: {
    header: 'True-Client-IP',
    clientSettable:
      'True-Client-IP is client-settable unless the property disables "Allow Clients To Set True Client IP Header"',
  },
};

const SHIPPED: Readonly<Record<PresetName, PresetData>> = { akamai, cloudflare, cloudfront, fastly };

/** True when `name` names a CDN preset. */
export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** Directory of the shipped data files. */
export function shippedDataDir(): string {
  return new URL('./data/', import.meta.url).pathname;
}

/**
 * The preset, its data read from `SOURCEIP_PRESETS_DIR/<name>.json` when that file exists,
 * else the shipped snapshot.
 * @example getPreset('cloudflare').header // 'CF-Connecting-IP'
 */
export function getPreset(name: PresetName, env: NodeJS.ProcessEnv = process.env): CdnPreset {
  const dir = env.SOURCEIP_PRESETS_DIR;
  let data = SHIPPED[name];
  if (dir) {
    const file = join(dir, `${name}.json`);
    if (existsSync(file)) data = JSON.parse(readFileSync(file, 'utf8')) as PresetData;
  }
  return { name, semantics: 'single', ...HEADERS[name], data };
}

/** Age of the preset's list in whole days, or null when it has no date. */
export function presetAgeDays(preset: CdnPreset, now: Date = new Date()): number | null {
  if (preset.data.takenAt === null) return null;
  const taken = Date.parse(`${preset.data.takenAt}T00:00:00Z`);
  if (Number.isNaN(taken)) return null;
  return Math.floor((now.getTime() - taken) / 86_400_000);
}

/**
 * Warnings for using a preset: an empty or stale list, a header clients can set.
 * `headerOverwritten: true` says the operator configured the CDN to overwrite the header.
 * @example presetWarnings(getPreset('fastly')) // ['preset fastly: … 90 days …', 'preset fastly: Fastly-Client-IP is client-settable …']
 */
export function presetWarnings(preset: CdnPreset, options: { now?: Date; headerOverwritten?: boolean } = {}): string[] {
  const out: string[] = [];
  const age = presetAgeDays(preset, options.now);
  if (preset.data.ranges.length === 0) {
    out.push(
      `preset ${preset.name}: no ranges shipped (${preset.name} publishes none for all accounts); run \`sourceip presets refresh --preset ${preset.name} FILE\` with your list — until then no peer is trusted`,
    );
  } else if (age !== null && age > STALE_AFTER_DAYS) {
    out.push(
      `preset ${preset.name}: its ranges were taken ${preset.data.takenAt} (${age} days ago, more than ${STALE_AFTER_DAYS}); ranges change and released ones get reassigned — refresh with \`sourceip presets refresh --preset ${preset.name} FILE\``,
    );
  }
  if (preset.clientSettable !== undefined && options.headerOverwritten !== true) {
    out.push(`preset ${preset.name}: ${preset.clientSettable}; set headerOverwritten: true once it is`);
  }
  return out;
}

/**
 * Replaces CDN preset names in a range list by their CIDRs (other entries untouched), for
 * PrefixSet.compile, which knows only core's named ranges.
 * @example expandPresetRanges(['10.0.0.0/8', 'cloudflare']).length > 2 // true
 */
export function expandPresetRanges(entries: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (isPresetName(entry)) out.push(...getPreset(entry, env).data.ranges);
    else out.push(entry);
  }
  return out;
}

/**
 * Config preprocessing for `trustProfiles`: a profile with `preset: <name>` gets the preset's
 * semantics (`single`), header and trusted ranges (the preset name, expanded when the resolver
 * is built) wherever it does not set them itself. Other values pass through untouched (the
 * schema reports them).
 * @example applyPresetDefaults([{ name: 'cdn', preset: 'cloudflare' }])
 * // [{ semantics: 'single', header: 'CF-Connecting-IP', trusted: ['cloudflare'], name: 'cdn', preset: 'cloudflare' }]
 */
export function applyPresetDefaults(profiles: unknown): unknown {
  if (!Array.isArray(profiles)) return profiles;
  return profiles.map((profile: unknown) => {
    if (profile === null || typeof profile !== 'object') return profile;
    const preset = (profile as { preset?: unknown }).preset;
    if (typeof preset !== 'string' || !isPresetName(preset)) return profile;
    return { semantics: 'single', header: HEADERS[preset].header, trusted: [preset], ...profile };
  });
}
