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
import { fileURLToPath } from 'node:url';

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

/**
 * Where the shipped data files are: `data/` beside this module (sources, and a build that copies
 * them), else the source tree's copy (a `dist/` built in a checkout). Read at run time rather
 * than imported, so that a build without the files degrades to "no ranges" (with a warning)
 * instead of failing every gateway start.
 */
const DATA_DIRS = [
  new URL('./data/', import.meta.url),
  new URL('../../../src/gateway/presets/data/', import.meta.url),
].map((url) => fileURLToPath(url));

function readData(file: string, name: PresetName): PresetData {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<PresetData>;
  return {
    preset: name,
    takenAt: typeof data.takenAt === 'string' ? data.takenAt : null,
    source: Array.isArray(data.source) ? data.source.map(String) : [],
    via: typeof data.via === 'string' ? data.via : '',
    ranges: Array.isArray(data.ranges) ? data.ranges.map(String) : [],
  };
}

/** True when `name` names a CDN preset. */
export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** Directory of the shipped data files (the first that exists). */
export function shippedDataDir(): string {
  return DATA_DIRS.find((dir) => existsSync(dir)) ?? DATA_DIRS[0]!;
}

/**
 * The preset, its data read from `SOURCEIP_PRESETS_DIR/<name>.json` when that file exists,
 * else the shipped snapshot.
 * @example getPreset('cloudflare').header // 'CF-Connecting-IP'
 */
export function getPreset(name: PresetName, env: NodeJS.ProcessEnv = process.env): CdnPreset {
  const dirs = env.SOURCEIP_PRESETS_DIR ? [env.SOURCEIP_PRESETS_DIR, ...DATA_DIRS] : DATA_DIRS;
  const file = dirs.map((dir) => join(dir, `${name}.json`)).find((path) => existsSync(path));
  const data: PresetData =
    file === undefined
      ? { preset: name, takenAt: null, source: [], via: 'data file missing from this installation', ranges: [] }
      : readData(file, name);
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
    const why =
      preset.name === 'akamai' ? 'akamai publishes none valid for all accounts' : preset.data.via || 'empty list';
    out.push(
      `preset ${preset.name}: no ranges (${why}); run \`sourceip presets refresh --preset ${preset.name} FILE\` with your list — until then no peer is trusted`,
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
