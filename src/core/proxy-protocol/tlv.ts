/**
 * PROXY v2 TLVs (doc/proxy-protocol.txt §2.2 and §2.2.1–2.2.8): type numbers, the checked walk
 * over a TLV block, and readers for the values callers use.
 */
import { crc32c, crc32cZeros } from './crc32c.ts';
import type { ProxyHeader, ProxySslInfo, ProxyTlv } from './types.ts';

export const PP2_TYPE_ALPN = 0x01;
export const PP2_TYPE_AUTHORITY = 0x02;
export const PP2_TYPE_CRC32C = 0x03;
export const PP2_TYPE_NOOP = 0x04;
export const PP2_TYPE_UNIQUE_ID = 0x05;
export const PP2_TYPE_SSL = 0x20;
export const PP2_SUBTYPE_SSL_VERSION = 0x21;
export const PP2_SUBTYPE_SSL_CN = 0x22;
export const PP2_SUBTYPE_SSL_CIPHER = 0x23;
export const PP2_SUBTYPE_SSL_SIG_ALG = 0x24;
export const PP2_SUBTYPE_SSL_KEY_ALG = 0x25;
export const PP2_SUBTYPE_SSL_GROUP = 0x26;
export const PP2_SUBTYPE_SSL_SIG_SCHEME = 0x27;
export const PP2_SUBTYPE_SSL_CLIENT_CERT = 0x28;
export const PP2_TYPE_NETNS = 0x30;
/** §2.2.8: application-specific range 0xE0–0xEF. AWS uses 0xEA (VPC endpoint id, subtype 0x01). */
export const PP2_TYPE_MIN_CUSTOM = 0xe0;
export const PP2_TYPE_MAX_CUSTOM = 0xef;
export const PP2_TYPE_AWS = 0xea;
export const PP2_SUBTYPE_AWS_VPCE_ID = 0x01;
/** Azure Private Link (0xEE, subtype 0x01: LinkID, uint32 little-endian). */
export const PP2_TYPE_AZURE = 0xee;
export const PP2_SUBTYPE_AZURE_PRIVATEENDPOINT_LINKID = 0x01;
/** GCP Private Service Connect (0xE0: 8-byte pscConnectionId, big-endian, no subtype). */
export const PP2_TYPE_GCP = 0xe0;

/** §2.2.5: "an opaque byte sequence of up to 128 bytes". */
export const UNIQUE_ID_MAX = 128;
/** §2.2.6: client (1 byte) + verify (4 bytes) before the sub-TLVs. */
const SSL_FIXED = 5;

/** The outcome of walking a TLV block: the TLVs, the SSL info, or the first rule broken. */
export interface TlvWalk {
  readonly tlvs: ProxyTlv[];
  readonly ssl: ProxySslInfo | undefined;
  readonly reason: string | undefined;
}

/**
 * Walks the TLVs of `header[start, end)` (`header` holds the whole v2 header from its first
 * byte, `end` is 16 + len). Checks every length: a TLV header or value running past `end`,
 * CRC32C not exactly 4 bytes or not matching (computed over the whole header with the checksum
 * field zeroed, §2.2.3), a second CRC32C, UNIQUE_ID over 128 bytes, an SSL TLV shorter than 5
 * bytes or whose sub-TLVs do not exactly fill it. Values are copied: the result does not hold
 * on to the caller's buffer.
 */
export function walkTlvs(header: Uint8Array, start: number, end: number): TlvWalk {
  const tlvs: ProxyTlv[] = [];
  let ssl: ProxySslInfo | undefined;
  let crcSeen = false;
  let pos = start;
  while (pos < end) {
    if (pos + 3 > end) return { tlvs, ssl, reason: 'v2-tlv-overrun' };
    const type = header[pos];
    const len = (header[pos + 1] << 8) | header[pos + 2];
    const v = pos + 3;
    if (v + len > end) return { tlvs, ssl, reason: 'v2-tlv-overrun' };
    if (type === PP2_TYPE_CRC32C) {
      if (len !== 4) return { tlvs, ssl, reason: 'v2-crc32c-length' };
      if (crcSeen) return { tlvs, ssl, reason: 'v2-crc32c-duplicate' };
      crcSeen = true;
      const sent = ((header[v] << 24) | (header[v + 1] << 16) | (header[v + 2] << 8) | header[v + 3]) >>> 0;
      let crc = crc32c(header, 0, v);
      crc = crc32cZeros(crc, 4);
      crc = crc32c(header, v + 4, end, crc);
      if (crc !== sent) return { tlvs, ssl, reason: 'v2-crc32c-mismatch' };
    } else if (type === PP2_TYPE_UNIQUE_ID) {
      if (len > UNIQUE_ID_MAX) return { tlvs, ssl, reason: 'v2-unique-id-too-long' };
    } else if (type === PP2_TYPE_SSL) {
      if (len < SSL_FIXED) return { tlvs, ssl, reason: 'v2-ssl-too-short' };
      const subtlvs: ProxyTlv[] = [];
      let sp = v + SSL_FIXED;
      const send = v + len;
      while (sp < send) {
        if (sp + 3 > send) return { tlvs, ssl, reason: 'v2-ssl-subtlv-overrun' };
        const slen = (header[sp + 1] << 8) | header[sp + 2];
        if (sp + 3 + slen > send) return { tlvs, ssl, reason: 'v2-ssl-subtlv-overrun' };
        subtlvs.push({ type: header[sp], value: copy(header, sp + 3, sp + 3 + slen) });
        sp += 3 + slen;
      }
      if (ssl === undefined) {
        const verify = ((header[v + 1] << 24) | (header[v + 2] << 16) | (header[v + 3] << 8) | header[v + 4]) >>> 0;
        ssl = { client: header[v], verify, subtlvs };
      }
    }
    tlvs.push({ type, value: copy(header, v, v + len) });
    pos = v + len;
  }
  return { tlvs, ssl, reason: undefined };
}

/** A plain Uint8Array copy (Buffer#slice would return a view into the caller's buffer). */
function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  // Short values (most TLVs) copy faster by hand than through a subarray view.
  if (end - start <= 64) for (let i = start; i < end; i++) out[i - start] = bytes[i];
  else out.set(bytes.subarray(start, end));
  return out;
}
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The first TLV of `type`, or undefined. */
export function findTlv(tlvs: readonly ProxyTlv[], type: number): ProxyTlv | undefined {
  for (const tlv of tlvs) if (tlv.type === type) return tlv;
  return undefined;
}

/** A TLV value as UTF-8 text (AUTHORITY, ALPN, NETNS, UNIQUE_ID when printable), or undefined. */
export function tlvText(header: Pick<ProxyHeader, 'tlvs'>, type: number): string | undefined {
  const tlv = findTlv(header.tlvs, type);
  return tlv === undefined ? undefined : utf8.decode(tlv.value);
}

/** An SSL sub-TLV (VERSION 0x21, CN 0x22, CIPHER 0x23, …) as text, or undefined. */
export function sslText(header: Pick<ProxyHeader, 'ssl'>, subtype: number): string | undefined {
  const tlv = header.ssl === undefined ? undefined : findTlv(header.ssl.subtlvs, subtype);
  return tlv === undefined ? undefined : utf8.decode(tlv.value);
}

/**
 * AWS VPC endpoint id (`vpce-…`) from TLV 0xEA subtype 0x01, as AWS NLB sends it behind
 * PrivateLink. Undefined when absent or another subtype.
 *
 * @example
 * awsVpceId(header); // 'vpce-08d2bf15fac5001c9'
 */
export function awsVpceId(header: Pick<ProxyHeader, 'tlvs'>): string | undefined {
  for (const tlv of header.tlvs) {
    if (tlv.type === PP2_TYPE_AWS && tlv.value.length > 1 && tlv.value[0] === PP2_SUBTYPE_AWS_VPCE_ID) {
      return utf8.decode(tlv.value.subarray(1));
    }
  }
  return undefined;
}

/** Display name of a TLV type for logs and whoami (`alpn`, `ssl`, `custom-0xea`, …). */
export function tlvName(type: number): string {
  switch (type) {
    case PP2_TYPE_ALPN:
      return 'alpn';
    case PP2_TYPE_AUTHORITY:
      return 'authority';
    case PP2_TYPE_CRC32C:
      return 'crc32c';
    case PP2_TYPE_NOOP:
      return 'noop';
    case PP2_TYPE_UNIQUE_ID:
      return 'unique-id';
    case PP2_TYPE_SSL:
      return 'ssl';
    case PP2_TYPE_NETNS:
      return 'netns';
    case PP2_TYPE_AWS:
      return 'aws';
    case PP2_TYPE_AZURE:
      return 'azure';
    default:
      if (type >= PP2_TYPE_MIN_CUSTOM && type <= PP2_TYPE_MAX_CUSTOM) return `custom-0x${type.toString(16)}`;
      if (type >= 0xf0 && type <= 0xf7) return `experiment-0x${type.toString(16)}`;
      return `0x${type.toString(16).padStart(2, '0')}`;
  }
}
