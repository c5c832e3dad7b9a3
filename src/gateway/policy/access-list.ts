/**
 * Allow/deny lists, compiled once per configuration generation into prefix sets (lookups are a
 * binary search, no allocation).
 *
 * Order of evaluation, first failure wins:
 * 1. `peerAllow` — on the direct peer (the TCP peer, or the PROXY-protocol source): "only the
 *    CDN may connect". A peer outside it is refused whatever its headers say.
 * 2. `deny` — on the resolved client.
 * 3. `allow` — on the resolved client; when present, anything not in it is refused.
 *
 * The resolved client is what the trust walk accepted, never a header from an untrusted peer.
 * When the resolver named no client (`client: null`), an allow list refuses (an unknown client
 * is not an allowed one: `client-unknown`) and a deny list cannot match. IPv4-mapped addresses
 * match IPv4 entries; zones are ignored. Entries are IPs, CIDRs, core's named ranges
 * (`private`, `loopback`, …), CDN preset names (`cloudflare`, …) and, from `…Files`, lines of
 * files read when the configuration is (re)loaded — `#` starts a comment.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, SourceIpError } from '../../core/errors.ts';
import { PrefixSet } from '../../core/ip/prefix-set.ts';
import type { AccessListConfig } from '../config/types.ts';
import { expandPresetRanges } from '../presets/preset.ts';
import type { PolicyRequest } from './types.ts';

/** Why a request was refused (stable words, logged and documented in docs/policies.md). */
export type AccessReason = 'peer-not-allowed' | 'denied' | 'not-allowed' | 'client-unknown';

/** Optional file lists beside the inline ones (see {@link AccessListConfig}). */
export interface AccessListFiles {
  readonly allowFiles?: readonly string[];
  readonly denyFiles?: readonly string[];
  readonly peerAllowFiles?: readonly string[];
}

export interface CompiledAccessList {
  readonly dryRun: boolean;
  /** `null` when the request passes, else why it is refused. */
  check(request: PolicyRequest): AccessReason | null;
}

/**
 * Reads a file of ranges: one entry per line, blank lines and `#` comments skipped.
 * Throws ConfigError naming the file and line of a bad entry.
 */
export function readRangeFile(file: string, key: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read range file ${JSON.stringify(file)} (${code})`, { key });
  }
  const out: string[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') continue;
    try {
      PrefixSet.compile(expandPresetRanges([line]));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ConfigError(why, { key, file, line: i + 1 });
    }
    out.push(line);
  }
  return out;
}

function compileSet(inline: readonly string[] | undefined, files: readonly string[] | undefined, key: string) {
  const entries = [...(inline ?? [])];
  for (const file of files ?? []) entries.push(...readRangeFile(file, `${key}Files`));
  if (entries.length === 0) return null;
  try {
    return PrefixSet.compile(expandPresetRanges(entries));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const message = error instanceof SourceIpError || error instanceof Error ? error.message : String(error);
    throw new ConfigError(message, { key });
  }
}

/**
 * @param key config path for errors (`routes[2].access`)
 * @example
 * const acl = compileAccessList({ allow: ['10.0.0.0/8'], peerAllow: ['cloudflare'] }, 'routes[0].access');
 * acl.check(request); // null | 'peer-not-allowed' | 'denied' | 'not-allowed' | 'client-unknown'
 */
export function compileAccessList(config: AccessListConfig & AccessListFiles, key: string): CompiledAccessList {
  const peerAllow = compileSet(config.peerAllow, config.peerAllowFiles, `${key}.peerAllow`);
  const deny = compileSet(config.deny, config.denyFiles, `${key}.deny`);
  const allow = compileSet(config.allow, config.allowFiles, `${key}.allow`);
  return {
    dryRun: config.dryRun === true,
    check(request: PolicyRequest): AccessReason | null {
      if (peerAllow !== null && (request.peer === null || !peerAllow.has(request.peer))) return 'peer-not-allowed';
      const client = request.client;
      if (client === null) return allow !== null ? 'client-unknown' : null;
      if (deny?.has(client)) return 'denied';
      if (allow !== null && !allow.has(client)) return 'not-allowed';
      return null;
    },
  };
}
