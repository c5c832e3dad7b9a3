/**
 * PROXY protocol encoder, v1 text and v2 binary (HAProxy doc/proxy-protocol.txt §2.1, §2.2),
 * for the gateway's upstream connections, tests and `probe`. Throws on bad input (setup-time
 * API); never produces a header the decoder would refuse.
 */
import { InvalidAddressError, ProxyHeaderError } from '../errors.ts';
import { formatIP, ipToBytes, parseIP } from '../ip/address.ts';
import type { IPAddress } from '../ip/types.ts';
import { crc32c } from './crc32c.ts';
import { V1_MAX_LENGTH } from './decode-v1.ts';
import { V2_SIGNATURE } from './decode-v2.ts';
import { PP2_TYPE_CRC32C, PP2_TYPE_SSL, PP2_TYPE_UNIQUE_ID, UNIQUE_ID_MAX } from './tlv.ts';
import type { ProxyFamily, ProxySslInfo, ProxyTlv } from './types.ts';

export interface EncodeProxyHeaderOptions {
  readonly version: 1 | 2;
  /** v2 only; default `PROXY`. A LOCAL header carries no addresses (family UNSPEC, §2.2). */
  readonly command?: 'PROXY' | 'LOCAL';
  /**
   * Default: TCP4 / TCP6 from the source address. v1 takes TCP4, TCP6, UNKNOWN; v2 takes
   * TCP4, TCP6, UDP4, UDP6, UNIX, UNSPEC.
   */
  readonly family?: ProxyFamily;
  /** IP text (TCP/UDP) or a path of at most 108 bytes (UNIX). */
  readonly source?: string;
  readonly sourcePort?: number;
  readonly destination?: string;
  readonly destinationPort?: number;
  /** v2 TLVs, written in this order. A CRC32C TLV here is written as given (no checksum computed). */
  readonly tlvs?: readonly ProxyTlv[];
  /** v2: an SSL TLV (0x20) built from these fields, written after `tlvs` unless `tlvs` has one. */
  readonly ssl?: ProxySslInfo;
  /** v2: append a PP2_TYPE_CRC32C TLV holding the checksum of the whole header (§2.2.3). */
  readonly crc32c?: boolean;
}

/**
 * Builds a PROXY header.
 *
 * @example
 * encodeProxyHeader({ version: 1, source: '203.0.113.7', sourcePort: 51234, destination: '198.18.0.10', destinationPort: 443 });
 * // bytes of "PROXY TCP4 203.0.113.7 198.18.0.10 51234 443\r\n"
 * encodeProxyHeader({ version: 2, source: '2001:db8::7', sourcePort: 1, destination: '2001:db8::1', destinationPort: 443,
 *   tlvs: [{ type: 0x02, value: new TextEncoder().encode('example.com') }], crc32c: true });
 */
export function encodeProxyHeader(options: EncodeProxyHeaderOptions): Uint8Array {
  if (options.version === 1) return encodeV1(options);
  if (options.version === 2) return encodeV2(options);
  throw new ProxyHeaderError(`unsupported PROXY protocol version ${JSON.stringify(options.version)}`);
}

function address(text: string | undefined, which: string): IPAddress {
  if (typeof text !== 'string') throw new ProxyHeaderError(`missing ${which} address`);
  const ip = parseIP(text);
  if (ip === null) throw new InvalidAddressError(text, `not an IP address (${which})`);
  return ip;
}

function port(value: number | undefined, which: string): number {
  const p = value ?? 0;
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new ProxyHeaderError(`${which} port out of range: ${p}`);
  return p;
}

function inferFamily(source: string | undefined, fallback: ProxyFamily): ProxyFamily {
  if (source === undefined) return fallback;
  return address(source, 'source').family === 4 ? 'TCP4' : 'TCP6';
}

function encodeV1(o: EncodeProxyHeaderOptions): Uint8Array {
  if (o.command === 'LOCAL') throw new ProxyHeaderError('v1 has no LOCAL command (use family UNKNOWN)');
  if ((o.tlvs?.length ?? 0) > 0 || o.ssl !== undefined || o.crc32c) {
    throw new ProxyHeaderError('v1 carries no TLVs');
  }
  const family = o.family ?? inferFamily(o.source, 'UNKNOWN');
  let line: string;
  if (family === 'UNKNOWN') {
    line = 'PROXY UNKNOWN\r\n';
  } else if (family === 'TCP4' || family === 'TCP6') {
    const want = family === 'TCP4' ? 4 : 6;
    const src = address(o.source, 'source');
    const dst = address(o.destination, 'destination');
    if (src.family !== want || dst.family !== want) {
      throw new ProxyHeaderError(`${family} needs IPv${want} source and destination`);
    }
    if (src.zone !== '' || dst.zone !== '') throw new ProxyHeaderError('v1 addresses carry no zone');
    line = `PROXY ${family} ${formatIP(src)} ${formatIP(dst)} ${port(o.sourcePort, 'source')} ${port(o.destinationPort, 'destination')}\r\n`;
  } else {
    throw new ProxyHeaderError(`v1 has no family ${family}`);
  }
  if (line.length > V1_MAX_LENGTH) throw new ProxyHeaderError('v1 line longer than 107 bytes');
  const out = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) out[i] = line.charCodeAt(i);
  return out;
}

const FAMILY_BYTE: Record<string, number> = {
  TCP4: 0x11,
  UDP4: 0x12,
  TCP6: 0x21,
  UDP6: 0x22,
  UNIX: 0x31,
  UNSPEC: 0x00,
};

function encodeV2(o: EncodeProxyHeaderOptions): Uint8Array {
  const local = o.command === 'LOCAL';
  if (o.command !== undefined && o.command !== 'PROXY' && !local) {
    throw new ProxyHeaderError(`unknown command ${JSON.stringify(o.command)}`);
  }
  const family = local ? (o.family ?? 'UNSPEC') : (o.family ?? inferFamily(o.source, 'UNSPEC'));
  const fam = FAMILY_BYTE[family];
  if (fam === undefined) throw new ProxyHeaderError(`v2 has no family ${family}`);
  let addr: Uint8Array = new Uint8Array(0);
  if (!local && fam !== 0) {
    if (family === 'UNIX') {
      addr = new Uint8Array(216);
      addr.set(unixPath(o.source, 'source'), 0);
      addr.set(unixPath(o.destination, 'destination'), 108);
    } else {
      const want = fam >> 4 === 1 ? 4 : 6;
      const src = address(o.source, 'source');
      const dst = address(o.destination, 'destination');
      if (src.family !== want || dst.family !== want) {
        throw new ProxyHeaderError(`${family} needs IPv${want} source and destination`);
      }
      const size = want === 4 ? 4 : 16;
      addr = new Uint8Array(size * 2 + 4);
      addr.set(ipToBytes(src), 0);
      addr.set(ipToBytes(dst), size);
      const sp = port(o.sourcePort, 'source');
      const dp = port(o.destinationPort, 'destination');
      addr[size * 2] = sp >> 8;
      addr[size * 2 + 1] = sp & 0xff;
      addr[size * 2 + 2] = dp >> 8;
      addr[size * 2 + 3] = dp & 0xff;
    }
  }
  const tlvs: ProxyTlv[] = [...(o.tlvs ?? [])];
  if (o.ssl !== undefined && !tlvs.some((t) => t.type === PP2_TYPE_SSL)) tlvs.push(sslTlv(o.ssl));
  let tlvBytes = 0;
  for (const t of tlvs) {
    checkTlv(t);
    tlvBytes += 3 + t.value.length;
  }
  if (o.crc32c) tlvBytes += 7;
  const len = addr.length + tlvBytes;
  if (len > 0xffff) throw new ProxyHeaderError(`v2 header body too long (${len} bytes, at most 65535)`);
  const out = new Uint8Array(16 + len);
  out.set(V2_SIGNATURE, 0);
  out[12] = 0x20 | (local ? 0 : 1);
  out[13] = fam;
  out[14] = len >> 8;
  out[15] = len & 0xff;
  out.set(addr, 16);
  let pos = 16 + addr.length;
  for (const t of tlvs) pos = putTlv(out, pos, t.type, t.value);
  if (o.crc32c) {
    // §2.2.3: compute over the whole header with the checksum field zeroed, then fill it in.
    pos = putTlv(out, pos, PP2_TYPE_CRC32C, new Uint8Array(4));
    const sum = crc32c(out);
    out[pos - 4] = sum >>> 24;
    out[pos - 3] = (sum >>> 16) & 0xff;
    out[pos - 2] = (sum >>> 8) & 0xff;
    out[pos - 1] = sum & 0xff;
  }
  return out;
}

function checkTlv(t: ProxyTlv): void {
  if (!Number.isInteger(t.type) || t.type < 0 || t.type > 0xff)
    throw new ProxyHeaderError(`TLV type out of range: ${t.type}`);
  if (!(t.value instanceof Uint8Array)) throw new ProxyHeaderError(`TLV 0x${t.type.toString(16)} value is not bytes`);
  if (t.value.length > 0xffff) throw new ProxyHeaderError(`TLV 0x${t.type.toString(16)} value longer than 65535 bytes`);
  if (t.type === PP2_TYPE_UNIQUE_ID && t.value.length > UNIQUE_ID_MAX) {
    throw new ProxyHeaderError(`UNIQUE_ID longer than ${UNIQUE_ID_MAX} bytes`);
  }
  if (t.type === PP2_TYPE_CRC32C && t.value.length !== 4) throw new ProxyHeaderError('CRC32C TLV must be 4 bytes');
}

function putTlv(out: Uint8Array, pos: number, type: number, value: Uint8Array): number {
  out[pos] = type;
  out[pos + 1] = value.length >> 8;
  out[pos + 2] = value.length & 0xff;
  out.set(value, pos + 3);
  return pos + 3 + value.length;
}

/** The SSL TLV value (§2.2.6): client (1 byte), verify (uint32 BE), then the sub-TLVs. */
export function sslTlv(ssl: ProxySslInfo): ProxyTlv {
  let size = 5;
  for (const s of ssl.subtlvs) {
    checkTlv(s);
    size += 3 + s.value.length;
  }
  if (size > 0xffff) throw new ProxyHeaderError('SSL TLV longer than 65535 bytes');
  const value = new Uint8Array(size);
  value[0] = ssl.client & 0xff;
  value[1] = ssl.verify >>> 24;
  value[2] = (ssl.verify >>> 16) & 0xff;
  value[3] = (ssl.verify >>> 8) & 0xff;
  value[4] = ssl.verify & 0xff;
  let pos = 5;
  for (const s of ssl.subtlvs) pos = putTlv(value, pos, s.type, s.value);
  return { type: PP2_TYPE_SSL, value };
}

function unixPath(path: string | undefined, which: string): Uint8Array {
  if (typeof path !== 'string') throw new ProxyHeaderError(`missing ${which} path`);
  const bytes = new TextEncoder().encode(path);
  if (bytes.length > 108) throw new ProxyHeaderError(`${which} path longer than 108 bytes`);
  return bytes;
}
