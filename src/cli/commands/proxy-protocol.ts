import type { Command } from 'commander';
import type { ProxyDecodeResult, ProxyTlv } from '../../core/proxy-protocol/types.ts';

/**
 * `sourceip proxy-protocol decode|encode` — a scripting contract (issue 4, docs/proxy-protocol.md):
 *
 *   decode --jsonl   stdin lines {"hex":"0d0a…"} → one JSON line each, in order
 *   decode <hex>     one header → one JSON line
 *   encode --version 1|2 --source IP[:PORT] --destination IP[:PORT] [--tlv type=hex]… [--crc32c]
 *          [--send host:port [--request text]]
 */
export function registerProxyProtocol(program: Command): void {
  // `encode --version 1|2` is part of the contract, and the root's `-v, --version` would take it:
  // with positional options the root's own options are read only before the subcommand name
  // (`sourceip --version` still prints the version).
  program.enablePositionalOptions();
  const pp = program
    .command('proxy-protocol')
    .description('Decode and encode PROXY protocol v1/v2 headers (HAProxy doc/proxy-protocol.txt).');

  pp.command('decode')
    .description('Decode the first bytes of a TCP stream given as hex; one JSON line per input.')
    .argument('[hex]', 'the bytes as hex (omit with --jsonl)')
    .option('--jsonl', 'read lines {"hex":"…"} from stdin, write one JSON line per line')
    .action(async (hexArg: string | undefined, opts: { jsonl?: boolean }) => {
      const { UsageError } = await import('../exit.ts');
      if (opts.jsonl) {
        if (hexArg !== undefined) throw new UsageError('decode: give either <hex> or --jsonl, not both');
        await decodeJsonl(process.stdin, (line) => process.stdout.write(`${line}\n`));
        return;
      }
      if (hexArg === undefined) throw new UsageError('decode: give <hex> or --jsonl');
      const { decodeProxyHeader } = await import('../../core/proxy-protocol/decode.ts');
      const bytes = parseHex(hexArg);
      if (typeof bytes === 'string') throw new UsageError(`decode: ${bytes}`);
      process.stdout.write(`${JSON.stringify(decodeResultJson(decodeProxyHeader(bytes)))}\n`);
    });

  pp.command('encode')
    .description('Build a PROXY header and print it as hex, or send it (plus a request) to a loopback address.')
    .requiredOption('--version <n>', 'protocol version: 1 or 2')
    .option('--command <c>', 'v2 command: PROXY or LOCAL', 'PROXY')
    .option('--family <f>', 'TCP4, TCP6, UDP4, UDP6, UNIX, UNSPEC (v2) or UNKNOWN (v1); default from --source')
    .option('--source <ip[:port]>', 'client address, e.g. 203.0.113.7:51234 or [2001:db8::7]:51234')
    .option('--destination <ip[:port]>', 'address the client connected to')
    .option(
      '--tlv <type=hex>',
      'v2 TLV, repeatable (type decimal or 0x..)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--crc32c', 'v2: append a CRC32C TLV')
    .option('--send <host:port>', 'connect to this loopback address, send the header (and --request), print the reply')
    .option('--request <text>', 'bytes to send after the header (\\r\\n and \\n escapes understood)')
    .option('--timeout <ms>', 'with --send: stop reading after this many ms', '3000')
    .action(async (opts: EncodeFlags) => {
      const out = await encodeCommand(opts);
      process.stdout.write(out);
    });
}

interface EncodeFlags {
  version: string;
  command: string;
  family?: string;
  source?: string;
  destination?: string;
  tlv: string[];
  crc32c?: boolean;
  send?: string;
  request?: string;
  timeout: string;
}

/** Hex (either case) to bytes, or an error message. */
export function parseHex(text: string): Uint8Array | string {
  if (text.length % 2 !== 0) return 'hex has an odd number of digits';
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(text.charCodeAt(i * 2));
    const lo = hexDigit(text.charCodeAt(i * 2 + 1));
    if (hi < 0 || lo < 0) return `not a hex digit at offset ${hi < 0 ? i * 2 : i * 2 + 1}`;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const toHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const tlvJson = (t: ProxyTlv) => ({ type: t.type, hex: toHex(t.value) });

/** The JSON object of the CLI contract for one decode result (field order fixed). */
export function decodeResultJson(r: ProxyDecodeResult): Record<string, unknown> {
  if (r.status === 'incomplete' || r.status === 'absent') return { status: r.status };
  if (r.status === 'invalid') return { status: 'invalid', reason: r.reason };
  const h = r.header;
  const out: Record<string, unknown> = { status: 'ok', version: h.version, command: h.command, family: h.family };
  if (h.source !== undefined) out.source = h.source;
  if (h.sourcePort !== undefined) out.sourcePort = h.sourcePort;
  if (h.destination !== undefined) out.destination = h.destination;
  if (h.destinationPort !== undefined) out.destinationPort = h.destinationPort;
  out.headerLength = h.headerLength;
  out.tlvs = h.tlvs.map(tlvJson);
  if (h.ssl !== undefined)
    out.ssl = { client: h.ssl.client, verify: h.ssl.verify, subtlvs: h.ssl.subtlvs.map(tlvJson) };
  return out;
}

/** Longest input line taken (a v2 header is at most 65 551 bytes = 131 102 hex digits, plus JSON). */
const MAX_LINE = 1 << 20;

/** One `--jsonl` input line to its output line (without the newline); blank lines give null. */
export async function decodeJsonlLine(line: string): Promise<string | null> {
  if (line.trim() === '') return null;
  if (line.length > MAX_LINE) return JSON.stringify({ error: `line longer than ${MAX_LINE} characters` });
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return JSON.stringify({ error: 'not valid JSON' });
  }
  const hex = value !== null && typeof value === 'object' ? (value as { hex?: unknown }).hex : undefined;
  if (typeof hex !== 'string') return JSON.stringify({ error: 'expected an object with a "hex" string' });
  const bytes = parseHex(hex);
  if (typeof bytes === 'string') return JSON.stringify({ error: bytes });
  const { decodeProxyHeader } = await import('../../core/proxy-protocol/decode.ts');
  return JSON.stringify(decodeResultJson(decodeProxyHeader(bytes)));
}

/** Reads lines from `input` and writes one output line per non-blank input line, in order. */
export async function decodeJsonl(input: NodeJS.ReadableStream, write: (line: string) => void): Promise<void> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    const out = await decodeJsonlLine(line);
    if (out !== null) write(out);
  }
}

/** Runs `encode`; returns what to print. */
export async function encodeCommand(opts: EncodeFlags): Promise<string> {
  const { UsageError } = await import('../exit.ts');
  const { formatIP, parseEndpoint, isLoopback } = await import('../../core/ip/address.ts');
  const { encodeProxyHeader } = await import('../../core/proxy-protocol/encode.ts');
  const version = opts.version === '1' ? 1 : opts.version === '2' ? 2 : 0;
  if (version === 0) throw new UsageError(`encode: --version must be 1 or 2, got ${JSON.stringify(opts.version)}`);
  const endpoint = (text: string | undefined, flag: string) => {
    if (text === undefined) return { address: undefined, port: undefined };
    if (opts.family === 'UNIX') return { address: text, port: undefined };
    const e = parseEndpoint(text);
    if (e === null)
      throw new UsageError(
        `encode: ${flag} is not an IP address with an optional port: ${JSON.stringify(text).slice(0, 80)}`,
      );
    return { address: formatIP(e.ip), port: Math.max(e.port, 0) };
  };
  const src = endpoint(opts.source, '--source');
  const dst = endpoint(opts.destination, '--destination');
  const tlvs: ProxyTlv[] = opts.tlv.map((spec) => {
    const eq = spec.indexOf('=');
    const typeText = eq < 0 ? spec : spec.slice(0, eq);
    const type = /^0x[0-9a-f]{1,2}$/i.test(typeText)
      ? Number.parseInt(typeText, 16)
      : /^\d{1,3}$/.test(typeText)
        ? Number(typeText)
        : -1;
    if (eq < 0 || type < 0 || type > 255)
      throw new UsageError(`encode: --tlv expects type=hex with type 0–255, got ${JSON.stringify(spec).slice(0, 80)}`);
    const value = parseHex(spec.slice(eq + 1));
    if (typeof value === 'string') throw new UsageError(`encode: --tlv ${typeText}: ${value}`);
    return { type, value };
  });
  const command = opts.command.toUpperCase();
  if (command !== 'PROXY' && command !== 'LOCAL') throw new UsageError('encode: --command must be PROXY or LOCAL');
  const family = opts.family?.toUpperCase();
  const families = ['TCP4', 'TCP6', 'UDP4', 'UDP6', 'UNIX', 'UNSPEC', 'UNKNOWN'];
  if (family !== undefined && !families.includes(family))
    throw new UsageError(`encode: --family must be one of ${families.join(', ')}`);
  const header = encodeProxyHeader({
    version,
    command,
    family: family as 'TCP4' | undefined,
    source: src.address,
    sourcePort: src.port,
    destination: dst.address,
    destinationPort: dst.port,
    tlvs,
    crc32c: opts.crc32c === true,
  });
  if (opts.send === undefined) return `${toHex(header)}\n`;

  const target = parseEndpoint(opts.send);
  if (target === null || target.port < 1)
    throw new UsageError('encode: --send expects host:port, e.g. 127.0.0.1:8080 or [::1]:8080');
  if (!isLoopback(target.ip))
    throw new UsageError('encode: --send only talks to loopback addresses (127.0.0.0/8, ::1)');
  const timeoutMs = Number(opts.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('encode: --timeout must be a positive number of ms');
  const request = opts.request === undefined ? '' : opts.request.replace(/\\r/g, '\r').replace(/\\n/g, '\n');
  const { connect } = await import('node:net');
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host: formatIP(target.ip), port: target.port });
    const parts: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('connect', () => socket.write(Buffer.concat([header, Buffer.from(request, 'latin1')])));
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(new UsageError(`encode: --send ${opts.send}: ${e.message}`));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
  });
  return reply.toString('latin1');
}
