/**
 * What whoami knows about one request, as one plain object: the JSON format prints it as is
 * (shape documented in docs/whoami.md, stable), the text and HTML formats render it.
 */
import { formatIP, parseIP, unmapIPv4 } from '../core/ip/address.ts';
import type { ProxyHeader, ProxyProtocolMode } from '../core/proxy-protocol/types.ts';
import type { Resolution, Resolver, Semantics, TraceStep } from '../core/trust/types.ts';
import { toHex } from './escape.ts';
import { type SpoofAttempt, spoofAttempts } from './spoof.ts';

export interface WhoamiReport {
  /** The TCP peer of this connection (with PROXY protocol: the load balancer). */
  readonly peer: { readonly ip: string | null; readonly port: number | null };
  /** The PROXY header the listener decoded for this connection, or null. */
  readonly proxyProtocol: ProxyReport | null;
  readonly request: { readonly method: string; readonly url: string; readonly httpVersion: string };
  /** Every header line in wire order, duplicates kept, names as sent. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly client: {
    readonly ip: string | null;
    readonly port: number | null;
    readonly reason: string;
    readonly trace: readonly TraceStep[];
  };
  readonly trust: TrustReport;
  /** Forwarding headers sent by an untrusted peer, in wire order. */
  readonly spoofAttempts: readonly SpoofAttempt[];
  /** This server's host name (which pod answered). */
  readonly host: string;
}

export interface ProxyReport {
  readonly version: 1 | 2;
  readonly command: 'PROXY' | 'LOCAL';
  readonly family: string;
  readonly source?: string;
  readonly sourcePort?: number;
  readonly destination?: string;
  readonly destinationPort?: number;
  readonly headerLength: number;
  readonly tlvs: readonly TlvReport[];
  readonly ssl?: {
    readonly client: number;
    readonly verify: number;
    readonly subtlvs: readonly TlvReport[];
  };
}

/** One TLV: `type`, `name` when known, the value as `hex`, and as `text` for the text-valued types. */
export interface TlvReport {
  readonly type: number;
  readonly name?: string;
  readonly hex: string;
  /** UTF-8 text of ALPN, AUTHORITY, UNIQUE_ID, NETNS and the SSL version/CN/cipher/algorithm sub-TLVs. */
  readonly text?: string;
}

export interface TrustReport {
  readonly semantics: Semantics;
  readonly trusted: readonly string[];
  readonly trustAll: boolean;
  readonly hops: number | null;
  readonly header: string;
  readonly recursive: boolean;
  /** True when any client can choose the answer (0.0.0.0/0, ::/0, trustAll): spoofable by design. */
  readonly trustsEverything: boolean;
  readonly proxyProtocol: { readonly mode: ProxyProtocolMode; readonly trusted: readonly string[] };
}

/** The trust part, computed once at startup. */
export function trustReport(
  resolver: Resolver,
  options: {
    readonly trusted?: readonly string[];
    readonly trustAll?: boolean;
    readonly hops?: number;
    readonly recursive?: boolean;
    readonly proxyProtocol?: ProxyProtocolMode;
    readonly proxyProtocolTrusted?: readonly string[];
  },
): TrustReport {
  return {
    semantics: resolver.semantics,
    trusted: [...(options.trusted ?? [])],
    trustAll: options.trustAll === true,
    hops: options.hops ?? null,
    header: resolver.header,
    recursive: options.recursive === true,
    trustsEverything: resolver.trustsEverything,
    proxyProtocol: { mode: options.proxyProtocol ?? 'off', trusted: [...(options.proxyProtocolTrusted ?? [])] },
  };
}

export interface ReportInput {
  readonly socketAddress: string | undefined;
  readonly socketPort: number | undefined;
  readonly proxy: ProxyHeader | undefined;
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly rawHeaders: readonly string[];
  readonly resolution: Resolution;
  readonly trust: TrustReport;
  readonly host: string;
}

export function buildReport(input: ReportInput): WhoamiReport {
  const headers: Array<readonly [string, string]> = [];
  const raw = input.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!]);
  const { resolution } = input;
  return {
    peer: { ip: canonicalSocketAddress(input.socketAddress), port: input.socketPort ?? null },
    proxyProtocol: input.proxy === undefined ? null : proxyReport(input.proxy),
    request: { method: input.method, url: input.url, httpVersion: input.httpVersion },
    headers,
    client: {
      ip: resolution.client,
      port: resolution.port,
      reason: resolution.reason,
      trace: resolution.trace ?? [],
    },
    trust: input.trust,
    spoofAttempts: spoofAttempts(raw, resolution.peerTrusted, input.trust.header),
    host: input.host,
  };
}

/** Node reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`; show the IPv4 address. */
export function canonicalSocketAddress(address: string | undefined): string | null {
  if (address === undefined || address === '') return null;
  const ip = parseIP(address);
  return ip === null ? address : formatIP(unmapIPv4(ip));
}

/** PROXY v2 TLV type names, doc/proxy-protocol.txt §2.2. */
export const TLV_NAMES: Readonly<Record<number, string>> = {
  1: 'ALPN',
  2: 'AUTHORITY',
  3: 'CRC32C',
  4: 'NOOP',
  5: 'UNIQUE_ID',
  32: 'SSL',
  33: 'SSL_VERSION',
  34: 'SSL_CN',
  35: 'SSL_CIPHER',
  36: 'SSL_SIG_ALG',
  37: 'SSL_KEY_ALG',
  48: 'NETNS',
  234: 'AWS',
  238: 'AZURE',
  224: 'GCP',
};

/** TLV types whose value is text (doc/proxy-protocol.txt §2.2.1–2.2.7). */
const TEXT_TLVS: ReadonlySet<number> = new Set([0x01, 0x02, 0x05, 0x21, 0x22, 0x23, 0x24, 0x25, 0x30]);
const utf8 = new TextDecoder('utf-8', { fatal: false });

function tlvEntry(tlv: { readonly type: number; readonly value: Uint8Array }): TlvReport {
  const name = TLV_NAMES[tlv.type];
  const hex = toHex(tlv.value);
  const text = TEXT_TLVS.has(tlv.type) ? utf8.decode(tlv.value) : undefined;
  return {
    type: tlv.type,
    ...(name === undefined ? {} : { name }),
    hex,
    ...(text === undefined ? {} : { text }),
  };
}

function proxyReport(header: ProxyHeader): ProxyReport {
  // Field order as `sourceip proxy-protocol decode` prints it.
  return {
    version: header.version,
    command: header.command,
    family: header.family,
    ...(header.source === undefined ? {} : { source: header.source }),
    ...(header.sourcePort === undefined ? {} : { sourcePort: header.sourcePort }),
    ...(header.destination === undefined ? {} : { destination: header.destination }),
    ...(header.destinationPort === undefined ? {} : { destinationPort: header.destinationPort }),
    headerLength: header.headerLength,
    tlvs: header.tlvs.map(tlvEntry),
    ...(header.ssl === undefined
      ? {}
      : { ssl: { client: header.ssl.client, verify: header.ssl.verify, subtlvs: header.ssl.subtlvs.map(tlvEntry) } }),
  };
}
