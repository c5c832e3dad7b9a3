/**
 * The `express` strategy: exactly Express 5's `req.ip` — `proxyaddr(req, app.get('trust proxy fn'))`
 * (proxy-addr 2.0.x over forwarded 0.2.0 and ipaddr.js 1.9.1, see ./express-address.ts).
 *
 * - The list is `[socket.remoteAddress, …X-Forwarded-For entries right→left]`. The header is
 *   Node's `req.headers['x-forwarded-for']`: every line, each value trimmed of SP/HTAB by
 *   llhttp, joined with `", "` (other headers, X-Real-IP included, play no part).
 * - Entries: split at `,`, only spaces (0x20) trimmed — a TAB stays in the entry — empty
 *   entries skipped, no validation.
 * - Walk: for i = 0 … n-2, stop at the first address `trust(addr, i)` rejects; else the last
 *   (leftmost) entry, which is never checked. The answer is the entry's text verbatim (a non-IP
 *   such as `unknown` or `1.2.3.4:80` comes back as is), or `undefined` (→ null) for a socket
 *   without an address.
 *
 * Not expressed through walk.ts: Express's trust function takes the entry *string* and its
 * index (a number setting trusts `i < N`, `true` trusts non-addresses too), and its answer is
 * that string, not a parsed address; the walk here is the six lines of proxy-addr's `alladdrs`.
 */

import {
  type CompiledExpressTrust,
  compileExpressTrust,
  type ExpressTrustSetting,
  ipaddrParse,
  matchSubnetIP,
} from './express-address.ts';
import type { Resolution, ResolveInput, ResolveOptions, Resolver, ResolverOptions, TraceStep } from './types.ts';

/**
 * Which `trust proxy` value the resolver options stand for: `trustAll` > `hops` > `trusted` > false.
 * A one-item `trusted` list is read as Express's string form (`'loopback, 10.0.0.0/8'`: split at
 * commas, items trimmed): for one item the string and array forms differ only where the array
 * form throws (a comma or surrounding spaces), so this accepts a CSV setting passed as `[csv]`.
 */
export function expressTrustSetting(options: ResolverOptions): ExpressTrustSetting {
  if (options.trustAll === true) return true;
  if (typeof options.hops === 'number') return options.hops;
  const trusted = options.trusted;
  if (trusted !== undefined) return trusted.length === 1 && typeof trusted[0] === 'string' ? trusted[0] : trusted;
  return false;
}

/** Node's `req.headers['x-forwarded-for']` from raw lines, or undefined when there is none. */
export function nodeJoinedHeader(rawHeaders: readonly string[], lower: string): string | undefined {
  let joined: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const value = rawHeaders[i + 1];
    if (typeof name !== 'string' || typeof value !== 'string' || name.length !== lower.length) continue;
    let same = true;
    for (let k = 0; k < lower.length && same; k++) {
      let c = name.charCodeAt(k);
      if (c >= 65 && c <= 90) c += 32;
      same = c === lower.charCodeAt(k);
    }
    if (!same) continue;
    // llhttp drops leading and trailing SP/HTAB of a field value.
    let s = 0;
    let e = value.length;
    while (s < e && (value.charCodeAt(s) === 0x20 || value.charCodeAt(s) === 0x09)) s++;
    while (e > s && (value.charCodeAt(e - 1) === 0x20 || value.charCodeAt(e - 1) === 0x09)) e--;
    const v = s === 0 && e === value.length ? value : value.slice(s, e);
    joined = joined === undefined ? v : `${joined}, ${v}`;
  }
  return joined;
}

/** forwarded 0.2.0 `parse`: entries right→left, 0x20 trimmed, empty entries skipped. */
export function forwardedEntries(header: string): string[] {
  const list: string[] = [];
  let end = header.length;
  let start = header.length;
  for (let i = header.length - 1; i >= 0; i--) {
    const c = header.charCodeAt(i);
    if (c === 0x20) {
      if (start === end) start = end = i;
    } else if (c === 0x2c) {
      if (start !== end) list.push(header.substring(start, end));
      start = end = i;
    } else {
      start = i;
    }
  }
  if (start !== end) list.push(header.substring(start, end));
  return list;
}

interface ExpressPeer {
  readonly raw: string | undefined;
  readonly trusted: boolean;
  readonly text: string | null;
}

/** A compiled setting plus a one-entry peer cache (behind a proxy most requests share a peer). */
export interface ExpressContext {
  readonly compiled: CompiledExpressTrust;
  last: ExpressPeer | null;
}

function peerOf(ctx: ExpressContext, raw: string | undefined): ExpressPeer {
  const last = ctx.last;
  if (last !== null && last.raw === raw && raw !== undefined) return last;
  const ip = ipaddrParse(raw);
  const peer: ExpressPeer = { raw, trusted: ctx.compiled.trust(raw, 0), text: ip === null ? null : canonical(ip) };
  ctx.last = peer;
  return peer;
}

/**
 * Resolve as Express 5 `req.ip`. `port` is always null: `req.ip` carries no port.
 */
export function resolveExpress(ctx: ExpressContext, input: ResolveInput, options?: ResolveOptions): Resolution {
  const compiled = ctx.compiled;
  const trace: TraceStep[] | null = options?.trace === true ? [] : null;
  const socket = typeof input.peer === 'string' ? input.peer : undefined;
  const peer = peerOf(ctx, socket);
  const peerTrusted = peer.trusted;
  if (!peerTrusted && trace === null) {
    // addrs[0] untrusted: the socket, whatever the header says.
    return result(socket ?? null, socket === undefined ? 'peer-not-ip' : 'untrusted-peer', peer.text, false, null);
  }
  const header = nodeJoinedHeader(input.rawHeaders, 'x-forwarded-for');
  const entries = header === undefined || header === '' ? [] : forwardedEntries(header);
  const bySubnet = compiled.kind === 'subnets';
  // proxy-addr alladdrs: addrs[0] is the socket, addrs[i] the i-th entry from the right.
  const last = entries.length;
  let at = last;
  let notIP = false;
  for (let i = 0; i < last; i++) {
    let trusted: boolean;
    if (i === 0) trusted = peerTrusted;
    else if (bySubnet) {
      const ip = ipaddrParse(entries[i - 1]);
      notIP = ip === null;
      trusted = ip !== null && matchSubnetIP(ip, compiled.subnets) !== undefined;
    } else trusted = compiled.trust(entries[i - 1], i);
    if (trace) trace.push(stepFor(compiled, i === 0 ? socket : entries[i - 1], i, trusted ? 'trusted' : 'client'));
    if (!trusted) {
      at = i;
      break;
    }
  }
  const client = at === 0 ? socket : (entries[at - 1] as string);
  if (trace && at === last) trace.push(stepFor(compiled, client, at, 'client'));
  let reason: string;
  if (at === 0) {
    reason =
      socket === undefined && !peerTrusted ? 'peer-not-ip' : peerTrusted ? 'trusted-peer-no-header' : 'untrusted-peer';
  } else if (at === last) {
    // proxy-addr never checks the leftmost entry; the reason says whether it would pass.
    if (compiled.trust(client, at)) reason = 'all-trusted-leftmost';
    else if (compiled.kind === 'hops') reason = 'hop-count';
    else reason = ipaddrParse(client) === null ? 'invalid-entry-verbatim' : 'rightmost-untrusted';
  } else if (compiled.kind === 'hops') reason = 'hop-count';
  else reason = notIP ? 'invalid-entry-verbatim' : 'rightmost-untrusted';
  return result(client ?? null, reason, peer.text, peerTrusted, trace);
}

function result(
  client: string | null,
  reason: string,
  peer: string | null,
  peerTrusted: boolean,
  trace: TraceStep[] | null,
): Resolution {
  if (trace === null) return { client, port: null, reason, peer, peerTrusted };
  return { client, port: null, reason, peer, peerTrusted, trace };
}

function canonical(ip: { family: 4 | 6; w0: number; w1: number; w2: number; w3: number }): string {
  const v4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
  if (ip.family === 4 || (ip.w0 === 0 && ip.w1 === 0 && ip.w2 === 0xffff)) return v4(ip.w3);
  const g = [
    ip.w0 >>> 16,
    ip.w0 & 0xffff,
    ip.w1 >>> 16,
    ip.w1 & 0xffff,
    ip.w2 >>> 16,
    ip.w2 & 0xffff,
    ip.w3 >>> 16,
    ip.w3 & 0xffff,
  ];
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += (g[i] as number).toString(16);
  }
  return out;
}

function stepFor(
  compiled: CompiledExpressTrust,
  addr: string | undefined,
  index: number,
  verdict: 'trusted' | 'client',
): TraceStep {
  const range = verdict === 'trusted' ? compiled.matchOf(addr)?.text : undefined;
  return {
    source: index === 0 ? 'peer' : 'header',
    ...(index === 0 ? {} : { header: 'X-Forwarded-For', index }),
    value: addr ?? '',
    verdict,
    ...(range === undefined ? {} : { range }),
    ...(verdict === 'client' && ipaddrParse(addr) === null ? { why: 'not-an-ip' } : {}),
  };
}

/**
 * A {@link Resolver} with Express 5 `req.ip` semantics. Throws at setup where
 * `app.set('trust proxy', …)` throws (e.g. `0.0.0.0/0`: proxy-addr refuses prefix 0).
 *
 * @example
 * const r = createExpressResolver({ semantics: 'express', trusted: ['loopback'] });
 * r.resolve({ peer: '::ffff:127.0.0.1', rawHeaders: ['X-Forwarded-For', 'myrouter, 127.0.0.1, proxy'] }).client // 'proxy'
 */
export function createExpressResolver(given: ResolverOptions | { readonly options: ResolverOptions }): Resolver {
  // Called as createExpressResolver(options) or with createResolver's context object ({ options, … }).
  const options: ResolverOptions = 'options' in given ? given.options : given;
  const compiled = compileExpressTrust(expressTrustSetting(options));
  const ctx: ExpressContext = { compiled, last: null };
  return {
    semantics: 'express',
    trustsEverything: compiled.trustsEverything,
    header: 'X-Forwarded-For',
    resolve: (input, resolveOptions) => {
      try {
        return resolveExpress(ctx, input, resolveOptions);
      } catch {
        // Never throw on the request path (a non-array rawHeaders, a throwing getter).
        return { client: null, port: null, reason: 'unexpected-input', peer: null, peerTrusted: false };
      }
    },
  };
}
