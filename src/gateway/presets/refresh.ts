/**
 * `sourceip presets refresh`: new range data for a preset from files the operator downloaded.
 * Nothing is fetched here — the operator chooses the source and when.
 *
 * Accepted file formats (detected from the content):
 * - a text list: one IP or CIDR per line, `#` comments and blank lines skipped
 *   (Cloudflare's https://www.cloudflare.com/ips-v4 and ips-v6, Akamai Origin IP ACL lists);
 * - AWS ip-ranges.json: `prefixes[].ip_prefix` / `ipv6_prefixes[].ipv6_prefix` whose `service`
 *   is `CLOUDFRONT` (for the cloudfront preset; other services are ignored);
 * - Fastly public-ip-list: `{ "addresses": [...], "ipv6_addresses": [...] }`;
 * - the Cloudflare API (`/client/v4/ips`): `{ "result": { "ipv4_cidrs": [...], "ipv6_cidrs": [...] } }`.
 *
 * Every entry is validated with core's strict CIDR parser (host bits, prefix range, no netmask
 * or legacy IPv4 forms); one bad entry rejects the whole refresh, naming the file and the entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, quoteInput } from '../../core/errors.ts';
import { parseCidr } from '../../core/ip/cidr.ts';
import type { PresetData, PresetName } from './preset.ts';

export type RangeFileFormat = 'text' | 'aws-ip-ranges' | 'fastly-public-ip-list' | 'cloudflare-api';

export interface ParsedRangeFile {
  readonly format: RangeFileFormat;
  /** Canonical CIDR text, in file order, without duplicates. */
  readonly ranges: string[];
}

/** Most entries accepted from one file (AWS ip-ranges.json has ~10 000; CloudFront uses a few hundred). */
const MAX_ENTRIES = 100_000;

/**
 * Parses one downloaded file. Throws ConfigError (file, entry) on anything that is not a valid list.
 * @example parseRangeFile('173.245.48.0/20\n2400:cb00::/32\n', 'ips.txt').ranges // ['173.245.48.0/20', '2400:cb00::/32']
 */
export function parseRangeFile(text: string, file: string, preset?: PresetName): ParsedRangeFile {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJson(text, file, preset);
  const raw: Array<{ entry: string; line: number }> = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const hash = line.indexOf('#');
    const entry = (hash === -1 ? line : line.slice(0, hash)).trim();
    if (entry !== '') raw.push({ entry, line: i + 1 });
  }
  return { format: 'text', ranges: validate(raw, file) };
}

function parseJson(text: string, file: string, preset: PresetName | undefined): ParsedRangeFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`not valid JSON (${error instanceof Error ? error.message : String(error)})`, { file });
  }
  const obj = (doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : {}) as Record<string, unknown>;
  const strings = (value: unknown, what: string): Array<{ entry: string; line: number }> => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ConfigError(`${what} is not a list`, { file });
    return value.map((entry) => {
      if (typeof entry !== 'string') throw new ConfigError(`${what} holds a non-string entry`, { file });
      return { entry, line: 0 };
    });
  };
  const only = (owner: PresetName, what: string): void => {
    if (preset !== undefined && preset !== owner)
      throw new ConfigError(`${what} holds ${owner}'s ranges, not ${preset}'s`, { file });
  };
  if (Array.isArray(obj.prefixes) || Array.isArray(obj.ipv6_prefixes)) {
    only('cloudfront', 'AWS ip-ranges.json (CLOUDFRONT)');
    const pick = (list: unknown, key: string) =>
      (Array.isArray(list) ? list : [])
        .filter((p): p is Record<string, unknown> => p !== null && typeof p === 'object')
        .filter((p) => p.service === 'CLOUDFRONT')
        .map((p) => p[key]);
    const raw = [
      ...strings(pick(obj.prefixes, 'ip_prefix'), 'prefixes[].ip_prefix'),
      ...strings(pick(obj.ipv6_prefixes, 'ipv6_prefix'), 'ipv6_prefixes[].ipv6_prefix'),
    ];
    if (raw.length === 0) throw new ConfigError('no CLOUDFRONT entries in this ip-ranges.json', { file });
    return { format: 'aws-ip-ranges', ranges: validate(raw, file) };
  }
  if (Array.isArray(obj.addresses) || Array.isArray(obj.ipv6_addresses)) {
    only('fastly', 'a Fastly public-ip-list');
    const raw = [...strings(obj.addresses, 'addresses'), ...strings(obj.ipv6_addresses, 'ipv6_addresses')];
    return { format: 'fastly-public-ip-list', ranges: validate(raw, file) };
  }
  const result = obj.result as Record<string, unknown> | undefined;
  if (
    result !== null &&
    typeof result === 'object' &&
    (Array.isArray(result.ipv4_cidrs) || Array.isArray(result.ipv6_cidrs))
  ) {
    only('cloudflare', 'a Cloudflare ips API answer');
    const raw = [
      ...strings(result.ipv4_cidrs, 'result.ipv4_cidrs'),
      ...strings(result.ipv6_cidrs, 'result.ipv6_cidrs'),
    ];
    return { format: 'cloudflare-api', ranges: validate(raw, file) };
  }
  throw new ConfigError(
    'unknown JSON format: expected AWS ip-ranges.json, Fastly public-ip-list or the Cloudflare ips API',
    { file },
  );
}

function validate(raw: ReadonlyArray<{ entry: string; line: number }>, file: string): string[] {
  if (raw.length > MAX_ENTRIES) throw new ConfigError(`more than ${MAX_ENTRIES} entries`, { file });
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { entry, line } of raw) {
    let text: string;
    try {
      text = parseCidr(entry).text;
    } catch (error) {
      // InvalidCidrError quotes the entry (escaped, cut short) and says what is wrong with it.
      const why = error instanceof Error ? error.message : `bad range ${quoteInput(entry)}`;
      throw new ConfigError(why, line > 0 ? { file, line } : { file });
    }
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out;
}

export interface RefreshOptions {
  readonly preset: PresetName;
  readonly files: readonly string[];
  /** Directory the data file is written to. */
  readonly dataDir: string;
  /** `YYYY-MM-DD` the files were downloaded (default: today, UTC). */
  readonly takenAt?: string;
  /** Where the files came from (URLs), recorded in the data file. */
  readonly source?: readonly string[];
}

/**
 * Reads, validates and merges the files, then writes `<dataDir>/<preset>.json`.
 * @returns the data written
 */
export function refreshPreset(options: RefreshOptions): PresetData & { readonly file: string } {
  if (options.files.length === 0) throw new ConfigError('no input file given');
  const takenAt = options.takenAt ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(takenAt) || Number.isNaN(Date.parse(`${takenAt}T00:00:00Z`))) {
    throw new ConfigError(`--date must be YYYY-MM-DD, got ${quoteInput(takenAt)}`);
  }
  const ranges: string[] = [];
  const formats: string[] = [];
  for (const file of options.files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file });
    }
    const parsed = parseRangeFile(text, file, options.preset);
    formats.push(`${basename(file)} (${parsed.format}, ${parsed.ranges.length})`);
    for (const range of parsed.ranges) if (!ranges.includes(range)) ranges.push(range);
  }
  if (ranges.length === 0) throw new ConfigError('the files hold no ranges');
  const data: PresetData = {
    preset: options.preset,
    takenAt,
    source: options.source && options.source.length > 0 ? [...options.source] : options.files.map((f) => basename(f)),
    via: `sourceip presets refresh from ${formats.join(', ')}`,
    ranges,
  };
  const file = join(options.dataDir, `${options.preset}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return { ...data, file };
}
