/**
 * The strict strategy's fast path for a comma-list header (X-Forwarded-For) when no trace is
 * asked for: one monomorphic function that reads the header straight from rawHeaders with
 * charCodeAt, checks canonical dotted quads with PrefixSet.hasIPv4 and RFC 5952 IPv6 entries
 * with PrefixSet.hasIPv6Words, and allocates only the Resolution and the client's substring.
 *
 * Equivalent to `createWalk(strict config, new ListHeaderCursor(header))` (walk.ts, strict.ts)
 * for every input it answers; on anything else — a port, brackets, a non-canonical spelling, an
 * invalid entry, `0.0.0.0`, a second header line reached, every entry trusted, a line over the
 * cap, more than maxEntries entries, a peer that is not a string — it returns null and the
 * general walk answers. strict-xff.test.ts checks both agree on random inputs.
 */
import { lastQuadStart, MAX_LINE_LENGTH, scanCanonicalIPv6Left, scanQuadLeft } from '../headers/forwarded-for.ts';
import { isHeaderName } from '../headers/header-lines.ts';
import * as R from './reasons.ts';
import type { Resolution, ResolveInput } from './types.ts';
import { build, canonicalClient, prefixTrustHooks, type TrustContext } from './walk.ts';

const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;

/** A resolve without trace that may decline: null = ask the general walk. */
export type FastResolve = (input: ResolveInput) => Resolution | null;

/**
 * @example
 * const fast = createStrictListFastPath(ctx); // ctx from createResolver({ trusted: ['10.0.0.0/8'] })
 * fast({ peer: '10.0.0.2', rawHeaders: ['X-Forwarded-For', '198.51.100.7, 10.0.0.9'] })?.client // '198.51.100.7'
 */
export function createStrictListFastPath(ctx: TrustContext): FastResolve {
  const hooks = prefixTrustHooks(ctx);
  const set = ctx.trusted;
  const header = ctx.header;
  const lower = header.toLowerCase();
  const nameLength = lower.length;
  const maxEntries = ctx.maxEntries;
  const words = new Uint32Array(4);
  // The walk's one-entry peer cache (walk.ts createWalk), computed with the same hooks.
  let cachedRaw: string | undefined;
  let cachedText: string | null = null;
  let cachedTrusted = false;
  let cachedClient: string | null = null;

  return function strictListFast(input: ResolveInput): Resolution | null {
    const peerRaw = input.peer;
    if (typeof peerRaw !== 'string') return null;
    if (peerRaw !== cachedRaw) {
      const ip = hooks.parsePeer(peerRaw);
      cachedText = ip === null ? null : hooks.canonical(ip);
      cachedTrusted = hooks.isTrusted(ip, 0);
      cachedClient = ip === null ? null : canonicalClient(ip, peerRaw);
      cachedRaw = peerRaw;
    }
    const peerText = cachedText;
    const peerClient = cachedClient;
    const peerPort = typeof input.peerPort === 'number' ? input.peerPort : null;
    if (!cachedTrusted) {
      if (peerClient === null) return build(null, null, R.PEER_NOT_IP, peerText, false, null);
      return build(peerClient, peerPort, R.UNTRUSTED_PEER, peerText, false, null);
    }

    // The header's last line (ListHeaderCursor.reset: pairs from the end, name length first).
    const raw = input.rawHeaders;
    if (!Array.isArray(raw)) return null;
    let at = -1;
    for (let i = (raw.length - 2) & ~1; i >= 0; i -= 2) {
      const name = raw[i];
      if (typeof name !== 'string' || name.length !== nameLength) continue;
      if (name !== header && !isHeaderName(name, lower)) continue;
      if (typeof raw[i + 1] === 'string') {
        at = i + 1;
        break;
      }
    }
    if (at < 0) return build(peerClient, peerPort, R.TRUSTED_PEER_NO_HEADER, peerText, true, null);
    const value = raw[at] as string;
    if (value.length > MAX_LINE_LENGTH) return null;

    // Entries right to left, as ListHeaderCursor.next()/parse() and the walk's recursive branch.
    let pos = value.length;
    for (let index = 1; index <= maxEntries; index++) {
      let i = pos - 1;
      while (i >= 0) {
        const c = value.charCodeAt(i);
        if (c !== SPACE && c !== TAB) break;
        i--;
      }
      const end = i + 1;
      const quad = scanQuadLeft(value, end);
      let start: number;
      let comma: number;
      let trusted: boolean;
      if (quad >= 0) {
        start = lastQuadStart();
        comma = start - 1;
        while (comma >= 0) {
          const c = value.charCodeAt(comma);
          if (c !== SPACE && c !== TAB) break;
          comma--;
        }
        // Only spaces/TABs between the quad and the comma; 0.0.0.0 is refused by the general path.
        if ((comma >= 0 && value.charCodeAt(comma) !== COMMA) || quad === 0) return null;
        trusted = set.hasIPv4(quad);
      } else {
        // Not a dotted quad: only an RFC 5952 IPv6 entry stays on the fast path, read right to
        // left from the entry's end (the same text and words as parseCanonicalIPv6).
        start = scanCanonicalIPv6Left(value, end, words);
        if (start < 0) return null;
        comma = start - 1;
        while (comma >= 0) {
          const c = value.charCodeAt(comma);
          if (c !== SPACE && c !== TAB) break;
          comma--;
        }
        if (comma >= 0 && value.charCodeAt(comma) !== COMMA) return null;
        trusted = set.hasIPv6Words(words[0]!, words[1]!, words[2]!, words[3]!);
      }
      // Both spellings are their own canonical text (canonicalClient): the client is the substring.
      if (!trusted) return build(value.slice(start, end), null, R.RIGHTMOST_UNTRUSTED, peerText, true, null);
      if (comma < 0) return null; // start of the line: an earlier line, or every entry trusted
      pos = comma;
    }
    return null; // too-many-entries
  };
}
