/**
 * createResolver: validates options, compiles trust once into prefix sets, and hands a
 * TrustContext to the chosen strategy's factory. Throws at setup (InvalidCidrError,
 * InvalidOptionError); the returned `resolve` never throws.
 */
import { InvalidOptionError, quoteInput } from '../errors.ts';
import { PrefixSet } from '../ip/prefix-set.ts';
import { createExpressResolver } from './express.ts';
import { createForwardedResolver } from './forwarded.ts';
import { createHopsResolver } from './hops.ts';
import { createNginxResolver } from './nginx.ts';
import { createSingleResolver } from './single.ts';
import { createStrictResolver } from './strict.ts';
import type { Resolver, ResolverOptions, Semantics } from './types.ts';
import { MAX_ENTRIES, type TrustContext } from './walk.ts';

export const SEMANTICS: readonly Semantics[] = ['strict', 'nginx', 'express', 'hops', 'single', 'forwarded'];

const LIST_HEADERS = new Set(['x-forwarded-for', 'forwarded']);

/** RFC 9110 field-name = token. */
function isToken(name: string): boolean {
  if (name.length === 0 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      "!#$%&'*+-.^_`|~".includes(name[i]!);
    if (!ok) return false;
  }
  return true;
}

function defaultHeader(semantics: Semantics): string | undefined {
  if (semantics === 'forwarded') return 'Forwarded';
  if (semantics === 'single') return undefined;
  return 'X-Forwarded-For';
}

/**
 * Compile a resolver. Options are checked here, once; contradictions throw InvalidOptionError,
 * bad ranges InvalidCidrError.
 *
 * @example
 * const resolver = createResolver({ trusted: ['10.0.0.0/8', 'loopback'] }); // strict
 * resolver.resolve({ peer: '10.0.0.2', rawHeaders: ['X-Forwarded-For', '198.51.100.7, 10.0.0.9'] });
 * // { client: '198.51.100.7', port: null, reason: 'rightmost-untrusted', peer: '10.0.0.2', peerTrusted: true }
 */
export function createResolver(options: ResolverOptions = {}): Resolver {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError('options', 'must be an object');
  }
  const semantics = options.semantics ?? 'strict';
  if (!SEMANTICS.includes(semantics)) {
    throw new InvalidOptionError('semantics', `${quoteInput(String(semantics))} is not one of ${SEMANTICS.join(', ')}`);
  }

  if (options.trustAll !== undefined && typeof options.trustAll !== 'boolean') {
    throw new InvalidOptionError('trustAll', 'must be a boolean');
  }
  if (options.trustAll === true && semantics !== 'express') {
    throw new InvalidOptionError('trustAll', `only applies to express semantics (Express \`trust proxy = true\`)`);
  }
  if (options.hops !== undefined) {
    if (
      typeof options.hops !== 'number' ||
      !Number.isInteger(options.hops) ||
      options.hops < 0 ||
      options.hops > 1024
    ) {
      throw new InvalidOptionError('hops', 'must be an integer from 0 to 1024');
    }
    if (semantics !== 'express' && semantics !== 'hops') {
      throw new InvalidOptionError('hops', `only applies to express and hops semantics, not ${semantics}`);
    }
  }
  if (options.recursive !== undefined) {
    if (typeof options.recursive !== 'boolean') throw new InvalidOptionError('recursive', 'must be a boolean');
    if (semantics !== 'nginx') {
      throw new InvalidOptionError('recursive', `is nginx's real_ip_recursive; it does not apply to ${semantics}`);
    }
  }
  if (options.header !== undefined && (typeof options.header !== 'string' || !isToken(options.header))) {
    throw new InvalidOptionError('header', `${quoteInput(String(options.header))} is not a header name`);
  }
  // nginx and express compile their own trust lists: their range syntax and quirks are part of
  // the dialect (nginx accepts host bits and `unix:`, proxy-addr rejects /0, …).
  if (semantics === 'nginx') return createNginxResolver({ options });
  if (semantics === 'express') return createExpressResolver({ options });

  const trustedInput = options.trusted ?? [];
  if (!Array.isArray(trustedInput) || trustedInput.some((t) => typeof t !== 'string')) {
    throw new InvalidOptionError('trusted', 'must be an array of strings (IPs, CIDRs, named ranges)');
  }
  let trustUnix = false;
  const ranges: string[] = [];
  for (const entry of trustedInput) {
    const t = entry.trim();
    if (t === 'unix:' || t === 'unix') trustUnix = true;
    else ranges.push(t);
  }
  const trusted = PrefixSet.compile(ranges);

  const trustAll = false;
  if (semantics === 'hops') {
    if (options.hops === undefined || options.hops < 1) {
      throw new InvalidOptionError('hops', 'the hops strategy needs hops ≥ 1 (1 = the rightmost entry)');
    }
    if (ranges.length === 0 && !trustUnix) {
      throw new InvalidOptionError(
        'trusted',
        'the hops strategy is peer-gated: list the proxies that may send the header',
      );
    }
  }

  const header = options.header ?? defaultHeader(semantics);
  if (header === undefined) {
    throw new InvalidOptionError('header', 'the single strategy needs the header name (e.g. CF-Connecting-IP)');
  }
  if (semantics === 'single' && LIST_HEADERS.has(header.toLowerCase())) {
    throw new InvalidOptionError('header', `${header} is a list header; use strict or forwarded semantics`);
  }

  const ctx: TrustContext = {
    options,
    semantics,
    trusted,
    trustUnix,
    trustAll,
    trustsEverything: trustAll || trusted.trustsEverything,
    header,
    maxEntries: MAX_ENTRIES,
  };
  switch (semantics) {
    case 'hops':
      return createHopsResolver(ctx);
    case 'single':
      return createSingleResolver(ctx);
    case 'forwarded':
      return createForwardedResolver(ctx);
    default:
      return createStrictResolver(ctx);
  }
}
