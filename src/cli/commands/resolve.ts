import type { Command } from 'commander';
import type { Resolution, Resolver, ResolverOptions, Semantics, TraceStep } from '../../core/trust/types.ts';

/**
 * `sourceip resolve` — which address is the client, given a peer, header lines and a trust list.
 *
 *   one-shot: sourceip resolve --peer 10.0.0.5 --header 'X-Forwarded-For: 1.2.3.4, 10.0.0.2'
 *             --trusted 10.0.0.0/8 [--semantics …] [--hops N] [--trust-all] [--real-ip-header NAME]
 *             [--recursive] [--explain] [--json]
 *             exit 0 when a client was named, 1 when the strategy refused (client null), 2 on usage errors.
 *   batch:    sourceip resolve --jsonl  — one JSON line out per line in (docs/resolve.md, contract of issue 3):
 *             in  {"peer":"127.0.0.5","headers":[["X-Forwarded-For","1.2.3.4"]],"semantics":"nginx",
 *                  "trusted":["10.0.0.0/8"],"hops":2,"trustAll":true,"header":"X-Forwarded-For","recursive":true}
 *             out {"client":"1.2.3.4","port":null,"reason":"…","trace":[…]} or {"error":"…"}
 *             A blank line answers {"error":"empty line"} (the output stays 1:1 with the input); CRLF
 *             line ends are accepted; a line over 1 MiB answers an error line; a last line without
 *             a newline is processed.
 */
export function registerResolve(program: Command): void {
  program
    .command('resolve')
    .description('Resolve the client address from a TCP peer, header lines and a trust list (one-shot or --jsonl).')
    .option('--peer <ip>', 'the TCP peer address (`unix:` for a Unix socket)')
    .option('--header <line>', "a header line 'Name: value', repeatable, in wire order", collect, [])
    .option('--trusted <range>', 'trusted proxy: IP, CIDR or named range; repeatable, or comma-separated', collect, [])
    .option('--semantics <name>', 'strict (default), nginx, express, hops, single or forwarded')
    .option('--hops <n>', 'hop count (hops strategy; Express numeric `trust proxy`)')
    .option('--trust-all', 'Express `trust proxy = true` (spoofable by design)')
    .option('--real-ip-header <name>', 'the header to read (default X-Forwarded-For; Forwarded for forwarded)')
    .option('--recursive', 'nginx real_ip_recursive on')
    .option('--explain', 'print the trust walk step by step')
    .option('--json', 'print one JSON object')
    .option('--jsonl', 'batch: read JSON requests from stdin, one JSON answer per line')
    .addHelpText(
      'after',
      '\nExit status: 0 a client was named, 1 the strategy refused (client null), 2 usage or configuration error.\n' +
        'The --jsonl request/answer contract and the reason words: docs/resolve.md, docs/errors.md.',
    )
    .action(async (flags: ResolveFlags) => {
      if (flags.jsonl) {
        await resolveJsonl(process.stdin, process.stdout);
        return;
      }
      process.exitCode = await resolveOnce(flags, (text) => process.stdout.write(text));
    });
}

function collect(value: string, all: string[]): string[] {
  return [...all, value];
}

interface ResolveFlags {
  peer?: string;
  header: string[];
  trusted: string[];
  semantics?: string;
  hops?: string;
  trustAll?: boolean;
  realIpHeader?: string;
  recursive?: boolean;
  explain?: boolean;
  json?: boolean;
  jsonl?: boolean;
}

type Core = typeof import('../../core/index.ts');
let core: Core | undefined;
async function loadCore(): Promise<Core> {
  core ??= await import('../../core/index.ts');
  return core;
}

/** Text an operator can read: plain when printable ASCII without spaces, else JSON-quoted and cut. */
export function shown(text: string, max = 80): string {
  let plain = text.length > 0 && text.length <= max;
  for (let i = 0; plain && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x22) plain = false;
  }
  if (plain) return text;
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Runs the one-shot form; returns the exit code. */
export async function resolveOnce(flags: ResolveFlags, write: (text: string) => void): Promise<number> {
  const { UsageError } = await import('../exit.ts');
  const c = await loadCore();
  if (flags.peer === undefined) throw new UsageError('resolve: --peer is required (or use --jsonl)');
  const rawHeaders: string[] = [];
  for (const line of flags.header) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`resolve: --header expects 'Name: value', got ${c.quoteInput(line)}`);
    let start = colon + 1;
    while (start < line.length && (line[start] === ' ' || line[start] === '\t')) start++;
    rawHeaders.push(line.slice(0, colon), line.slice(start));
  }
  const options: { -readonly [K in keyof ResolverOptions]: ResolverOptions[K] } = {
    trusted: flags.trusted
      .flatMap((t) => t.split(','))
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  };
  if (flags.semantics !== undefined) options.semantics = flags.semantics as Semantics;
  if (flags.hops !== undefined) {
    if (!/^\d{1,4}$/.test(flags.hops))
      throw new UsageError(`resolve: --hops expects a number, got ${c.quoteInput(flags.hops)}`);
    options.hops = Number(flags.hops);
  }
  if (flags.trustAll) options.trustAll = true;
  if (flags.realIpHeader !== undefined) options.header = flags.realIpHeader;
  if (flags.recursive) options.recursive = true;
  const resolver = c.createResolver(options);
  const peer = flags.peer === 'unix:' || flags.peer === 'unix' ? undefined : flags.peer;
  const result = resolver.resolve({ peer, rawHeaders }, { trace: flags.explain === true || flags.json === true });
  if (flags.json) write(`${JSON.stringify(resultJson(result, true, resolver))}\n`);
  else write(humanText(result, resolver, flags.explain === true, c.REASON_TEXT));
  return result.client === null ? 1 : 0;
}

function resultJson(r: Resolution, withTrace: boolean, resolver?: Resolver): Record<string, unknown> {
  const out: Record<string, unknown> = { client: r.client, port: r.port, reason: r.reason };
  if (resolver !== undefined) {
    out.peer = r.peer;
    out.peerTrusted = r.peerTrusted;
    out.semantics = resolver.semantics;
    out.trustsEverything = resolver.trustsEverything;
  }
  if (withTrace) out.trace = r.trace ?? [];
  return out;
}

function humanText(
  r: Resolution,
  resolver: Resolver,
  explain: boolean,
  texts: Readonly<Record<string, string>>,
): string {
  const lines = [
    `client  ${r.client === null ? '(refused)' : shown(r.client)}`,
    `port    ${r.port === null ? '-' : r.port}`,
    `reason  ${r.reason}${texts[r.reason] ? ` — ${texts[r.reason]}` : ''}`,
    `peer    ${r.peer === null ? '(no IP)' : shown(r.peer)} (${r.peerTrusted ? 'trusted' : 'not trusted'})`,
  ];
  if (resolver.trustsEverything)
    lines.push('warning the trust list trusts every address: any client can choose its IP');
  if (explain) {
    lines.push('', `walk (${resolver.semantics}, header ${resolver.header}), right to left:`);
    for (const step of r.trace ?? []) lines.push(`  ${stepText(step)}`);
    lines.push(`  ⇒ ${r.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function stepText(s: TraceStep): string {
  const where = s.source === 'peer' ? 'peer' : `${s.header ?? 'header'} line ${s.line ?? 0} entry ${s.index ?? 0}`;
  const extra = [s.range === undefined ? '' : `range ${s.range}`, s.why === undefined ? '' : `(${s.why})`]
    .filter((x) => x !== '')
    .join(' ');
  return `${where.padEnd(32)} ${shown(s.value, 60).padEnd(24)} ${s.verdict}${extra === '' ? '' : ` ${extra}`}`;
}

// ── Batch (--jsonl) ─────────────────────────────────────────────────────────────────────────

/** Longest input line (bytes of UTF-16 text) we accept. */
export const MAX_JSONL_LINE = 1 << 20;
const CACHE_SIZE = 256;

/** Compiled resolvers by their options, bounded (oldest dropped first); errors are cached too. */
export class ResolverCache {
  readonly #map = new Map<string, Resolver | string>();
  readonly #core: Core;
  constructor(c: Core) {
    this.#core = c;
  }
  get(options: ResolverOptions): Resolver | string {
    const key = JSON.stringify([
      options.semantics,
      options.trusted,
      options.hops,
      options.trustAll,
      options.header,
      options.recursive,
    ]);
    let hit = this.#map.get(key);
    if (hit === undefined) {
      try {
        hit = this.#core.createResolver(options);
      } catch (error) {
        hit = error instanceof Error ? error.message : String(error);
      }
      if (this.#map.size >= CACHE_SIZE) this.#map.delete(this.#map.keys().next().value as string);
      this.#map.set(key, hit);
    }
    return hit;
  }
}

const ALL_KEYS = ['semantics', 'trusted', 'hops', 'trustAll', 'header', 'recursive'] as const;
type OptionKey = (typeof ALL_KEYS)[number];

/** Which batch keys each dialect reads (nginx has no hop count; Express reads only X-Forwarded-For…). */
const APPLICABLE_KEYS: Readonly<Record<string, readonly OptionKey[]>> = {
  nginx: ['semantics', 'trusted', 'header', 'recursive'],
  express: ['semantics', 'trusted', 'hops', 'trustAll'],
  strict: ['semantics', 'trusted', 'header'],
  hops: ['semantics', 'trusted', 'hops', 'header'],
  single: ['semantics', 'trusted', 'header'],
  forwarded: ['semantics', 'trusted', 'header'],
};

const errorLine = (message: string) => JSON.stringify({ error: message });

/** One request line to its answer line (no newline). Never throws. */
export function resolveJsonlLine(line: string, cache: ResolverCache): string {
  try {
    if (line.trim() === '') return errorLine('empty line');
    if (line.length > MAX_JSONL_LINE) return errorLine(`line longer than ${MAX_JSONL_LINE} characters`);
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      return errorLine('not valid JSON');
    }
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      return errorLine('expected a JSON object');
    }
    const r = request as Record<string, unknown>;
    if (!('peer' in r)) return errorLine('missing "peer" (an IP address, or null for a Unix socket)');
    if (r.peer !== null && typeof r.peer !== 'string') return errorLine('"peer" must be a string or null');
    const rawHeaders: string[] = [];
    if (r.headers !== undefined) {
      if (!Array.isArray(r.headers)) return errorLine('"headers" must be an array of [name, value] pairs');
      for (const pair of r.headers) {
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
          return errorLine('"headers" must be an array of [name, value] string pairs');
        }
        rawHeaders.push(pair[0], pair[1]);
      }
    }
    const options: Record<string, unknown> = {};
    const semantics = typeof r.semantics === 'string' ? r.semantics : 'strict';
    // A batch line may carry every key (as the contract's example does); keys that the line's
    // dialect has no setting for are ignored here rather than refused, so one generator can
    // drive every dialect. The library API itself still refuses contradictory options.
    const applicable = APPLICABLE_KEYS[semantics] ?? ALL_KEYS;
    for (const key of ALL_KEYS) {
      if (r[key] !== undefined && r[key] !== null && applicable.includes(key)) options[key] = r[key];
    }
    if (options.trusted !== undefined && !Array.isArray(options.trusted)) {
      return errorLine('"trusted" must be an array of strings');
    }
    const resolver = cache.get(options as ResolverOptions);
    if (typeof resolver === 'string') return errorLine(resolver);
    if (r.peerPort !== undefined && r.peerPort !== null) {
      const p = r.peerPort;
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) {
        return errorLine('"peerPort" must be an integer from 0 to 65535');
      }
    }
    const peerPort = typeof r.peerPort === 'number' ? r.peerPort : undefined;
    const result = resolver.resolve(
      {
        peer: r.peer === null ? undefined : (r.peer as string),
        rawHeaders,
        ...(peerPort === undefined ? {} : { peerPort }),
      },
      { trace: true },
    );
    return JSON.stringify(resultJson(result, true));
  } catch (error) {
    return errorLine(`unexpected: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Streams `input` to `output`: exactly one answer line per input line, in order. Lines end at
 * `\n` (a `\r` before it is dropped); over-long lines are answered with an error without being
 * buffered whole.
 */
export async function resolveJsonl(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  const { StringDecoder } = await import('node:string_decoder');
  const cache = new ResolverCache(await loadCore());
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let skipping = false; // inside an over-long line: drop text until its newline
  const answer = (line: string, out: string[]) => {
    out.push(resolveJsonlLine(line.endsWith('\r') ? line.slice(0, -1) : line, cache));
  };
  const flush = async (out: string[]) => {
    if (out.length === 0) return;
    if (!output.write(`${out.join('\n')}\n`)) {
      await new Promise<void>((resolve) => output.once('drain', resolve));
    }
  };
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    const out: string[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (skipping) {
        skipping = false;
      } else if (pending.length + (nl - start) > MAX_JSONL_LINE + 1) {
        out.push(errorLine(`line longer than ${MAX_JSONL_LINE} characters`));
      } else {
        answer(pending + text.slice(start, nl), out);
      }
      pending = '';
      start = nl + 1;
    }
    if (!skipping) {
      pending += text.slice(start);
      if (pending.length > MAX_JSONL_LINE + 1) {
        out.push(errorLine(`line longer than ${MAX_JSONL_LINE} characters`));
        pending = '';
        skipping = true;
      }
    }
    await flush(out);
  }
  pending += decoder.end();
  if (!skipping && pending !== '') {
    const out: string[] = [];
    answer(pending, out);
    await flush(out);
  }
}
