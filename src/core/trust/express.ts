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
 * Built on the one trust walk (walk.ts) with {@link ExpressCursor}. With an address list, a
 * non-IP entry is untrusted and returned verbatim (`onInvalid: 'verbatim'`). With `true` or a hop
 * count proxy-addr never looks at an entry's text, so the cursor reports every entry as usable
 * (a non-IP gets a placeholder address no hook reads) and the client text is always the entry
 * as received. Around the walk: `port` is always null (`req.ip` has no port), and a peer string
 * that is not an IP is still `req.ip` when it is the answer.
 */

import { formatIP, unmapIPv4 } from '../ip/address.ts';
import type { IPAddress } from '../ip/types.ts';
import {
  type CompiledExpressTrust,
  compileExpressTrust,
  type ExpressTrustSetting,
  ipaddrParse,
  matchSubnetIP,
} from './express-address.ts';
import type { Resolution, Resolver, ResolverOptions } from './types.ts';
import {
  createWalk,
  ENTRY_NOT_IP,
  ENTRY_OK,
  type EntryCursor,
  HEADER_ABSENT,
  HEADER_PRESENT,
  type Walk,
} from './walk.ts';

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

/** Stands in for a non-IP entry in `true` / hop-count modes, where no hook reads the address. */
const PLACEHOLDER: IPAddress = { family: 4, w0: 0, w1: 0, w2: 0, w3: 0, zone: '' };

const XFF = 'x-forwarded-for';

function isXff(name: unknown): boolean {
  if (typeof name !== 'string' || name.length !== XFF.length) return false;
  for (let k = 0; k < XFF.length; k++) {
    let c = name.charCodeAt(k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== XFF.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * X-Forwarded-For entries as proxy-addr sees them, right to left, for the walk: Node's lines
 * (each trimmed of SP/HTAB, joined with `", "` — the same as reading the lines one after the
 * other, last first) cut by forwarded 0.2.0 (commas, spaces trimmed, empty entries skipped).
 */
export class ExpressCursor implements EntryCursor {
  readonly header = 'X-Forwarded-For';
  ip: IPAddress | null = null;
  port = -1;
  /** `true` / hop count: every entry is usable, whatever its text. */
  readonly #anyEntry: boolean;
  #raw: readonly string[] = [];
  /** rawHeaders index of the current line's value, its text and trimmed start. */
  #at = -1;
  #value = '';
  #s = 0;
  /** Scan position: the part of the line left of it is not yet visited. */
  #end = 0;
  /** Current entry `[#p, #e)`. */
  #p = 0;
  #e = 0;

  constructor(anyEntry: boolean) {
    this.#anyEntry = anyEntry;
  }

  reset(rawHeaders: readonly string[]): number {
    this.#raw = rawHeaders;
    this.ip = null;
    this.port = -1;
    this.#at = this.#previousLine((rawHeaders.length & ~1) + 1);
    if (this.#at === -1) return HEADER_ABSENT;
    this.#loadLine();
    return HEADER_PRESENT;
  }

  #previousLine(before: number): number {
    const raw = this.#raw;
    for (let i = before - 3; i >= 0; i -= 2) if (isXff(raw[i]) && typeof raw[i + 1] === 'string') return i + 1;
    return -1;
  }

  /** `[start, end)` of a line's value after llhttp drops leading and trailing SP/HTAB. */
  #bounds(value: string): [number, number] {
    let s = 0;
    let e = value.length;
    while (s < e && (value.charCodeAt(s) === 0x20 || value.charCodeAt(s) === 0x09)) s++;
    while (e > s && (value.charCodeAt(e - 1) === 0x20 || value.charCodeAt(e - 1) === 0x09)) e--;
    return [s, e];
  }

  #loadLine(): void {
    const value = this.#raw[this.#at] as string;
    const [s, e] = this.#bounds(value);
    this.#value = value;
    this.#s = s;
    this.#end = e;
  }

  next(): boolean {
    // Scan with locals; the cursor moves only when an entry is found (protocol: a false next()
    // leaves the cursor on its last entry).
    let at = this.#at;
    let text = this.#value;
    let s = this.#s;
    let end = this.#end;
    for (;;) {
      let i = end - 1;
      while (i >= s && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x2c)) i--;
      if (i >= s) {
        const e = i + 1;
        let start = i;
        for (; i >= s; i--) {
          const c = text.charCodeAt(i);
          if (c === 0x2c) break;
          if (c !== 0x20) start = i;
        }
        this.#at = at;
        this.#value = text;
        this.#s = s;
        this.#end = Math.max(i, s);
        this.#p = start;
        this.#e = e;
        return true;
      }
      at = this.#previousLine(at);
      if (at === -1) return false;
      text = this.#raw[at] as string;
      [s, end] = this.#bounds(text);
    }
  }

  parse(): number {
    const ip = ipaddrParse(this.#value.slice(this.#p, this.#e));
    if (ip === null && !this.#anyEntry) {
      this.ip = null;
      return ENTRY_NOT_IP;
    }
    this.ip = ip ?? PLACEHOLDER;
    return ENTRY_OK;
  }

  text(): string {
    return this.#value.slice(this.#p, this.#e);
  }

  address(): string {
    return this.text();
  }

  line(): number {
    let line = 0;
    for (let i = this.#at - 3; i >= 0; i -= 2) if (isXff(this.#raw[i])) line++;
    return line;
  }

  index(): number {
    let index = 0;
    let inEntry = false;
    for (let i = this.#s; i < this.#p; i++) {
      const c = this.#value.charCodeAt(i);
      if (c === 0x2c) inEntry = false;
      else if (c !== 0x20 && !inEntry) {
        inEntry = true;
        index++;
      }
    }
    return index;
  }
}

/** The walk configured as proxy-addr with a compiled `trust proxy`. */
export function createExpressWalk(compiled: CompiledExpressTrust, hopsSetting?: number): Walk {
  const kind = compiled.kind;
  const subnets = compiled.subnets;
  const hops = hopsSetting ?? 0;
  return createWalk(
    {
      parsePeer: (raw) => ipaddrParse(raw),
      canonical: (ip) => formatIP(unmapIPv4(ip)),
      isTrusted:
        kind === 'all'
          ? () => true
          : kind === 'hops'
            ? (_ip, index) => index < hops
            : (ip) => ip !== null && matchSubnetIP(ip, subnets) !== undefined,
      trustedRange:
        kind === 'all'
          ? () => 'trust-all'
          : kind === 'hops'
            ? () => 'hop-count'
            : (ip) => (ip === null ? undefined : matchSubnetIP(ip, subnets)?.text),
      formatClient: (_ip, raw) => raw,
      onInvalid: 'verbatim',
      onAllTrusted: 'leftmost',
      recursive: true,
      hops: 0,
      // proxy-addr has no entry limit.
      maxEntries: Number.MAX_SAFE_INTEGER,
      ...(kind === 'hops' ? { answerReason: 'hop-count' } : {}),
    },
    new ExpressCursor(kind !== 'subnets'),
  );
}

/** Reasons whose client is the socket address itself. */
const PEER_IS_CLIENT = new Set(['peer-not-ip', 'untrusted-peer', 'trusted-peer-no-header']);

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
  const setting = expressTrustSetting(options);
  const compiled = compileExpressTrust(setting);
  const walk = createExpressWalk(compiled, typeof setting === 'number' ? setting : undefined);
  return {
    semantics: 'express',
    trustsEverything: compiled.trustsEverything,
    header: 'X-Forwarded-For',
    resolve: (input, resolveOptions) => {
      const r: Resolution = walk(input, resolveOptions?.trace === true);
      if (r.client === null && PEER_IS_CLIENT.has(r.reason)) {
        // req.ip is the socket address as Node gives it, an IP or not (undefined → null).
        const socket =
          typeof input === 'object' && input !== null && typeof input.peer === 'string' ? input.peer : null;
        const reason = r.reason === 'peer-not-ip' && socket !== null ? 'untrusted-peer' : r.reason;
        return { ...r, client: socket, port: null, reason };
      }
      return r.port === null ? r : { ...r, port: null };
    },
  };
}
