/**
 * PROXY protocol version 2, the binary header (HAProxy doc/proxy-protocol.txt §2.2):
 *
 *   sig[12] = 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A · ver_cmd · fam · len (uint16 BE) · len bytes
 *
 * The fixed 16 bytes are checked as they arrive (version, command, family, the length against
 * the address block and the caller's limit), so a bad header is refused before its body; the
 * address block and TLVs are read only once all 16 + len bytes are in (§2.2: "must not start to
 * parse an address before the whole address block is received").
 */
import { formatIP, ipFromBytes } from '../ip/address.ts';
import { walkTlvs } from './tlv.ts';
import type { ProxyDecodeResult, ProxyFamily, ProxyHeader } from './types.ts';

export const V2_SIGNATURE: Uint8Array = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);
/** The fixed part: signature, ver_cmd, fam, len. */
export const V2_FIXED_LENGTH = 16;
/** 16 + the largest uint16 length. */
export const V2_MAX_LENGTH = 16 + 0xffff;

const INCOMPLETE: ProxyDecodeResult = Object.freeze({ status: 'incomplete' });
const utf8 = new TextDecoder('utf-8', { fatal: false });

function invalid(reason: string): ProxyDecodeResult {
  return { status: 'invalid', reason };
}

/**
 * Address block size for a family byte (§2.2 "In practice, the following protocol bytes are
 * expected"): 12 for TCP/UDP over IPv4, 36 over IPv6, 216 for UNIX; 0 when either nibble is
 * UNSPEC (the receiver ignores address information, so TLVs start right after the 16 bytes).
 */
export function v2AddressLength(fam: number): number {
  const af = fam >> 4;
  const proto = fam & 0x0f;
  if (af === 0 || proto === 0) return 0;
  return af === 1 ? 12 : af === 2 ? 36 : 216;
}

function familyName(fam: number): ProxyFamily {
  switch (fam) {
    case 0x11:
      return 'TCP4';
    case 0x12:
      return 'UDP4';
    case 0x21:
      return 'TCP6';
    case 0x22:
      return 'UDP6';
    case 0x31:
    case 0x32:
      return 'UNIX';
    default:
      return 'UNSPEC';
  }
}

/**
 * Decodes a v2 header from `bytes`, whose first min(12, length) bytes the caller matched
 * against the signature. `maxLength` caps 16 + len (default: the protocol's own 65 551).
 */
export function decodeV2(bytes: Uint8Array, maxLength = V2_MAX_LENGTH): ProxyDecodeResult {
  const n = bytes.length;
  if (n < 13) return INCOMPLETE;
  const verCmd = bytes[12];
  // §2.2: the version nibble "must always be sent as \x2 and the receiver must only accept this value".
  if (verCmd >> 4 !== 2) return invalid('v2-bad-version');
  // §2.2: commands other than LOCAL (0) and PROXY (1): "Receivers must drop connections".
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return invalid('v2-bad-command');
  if (n < 14) return INCOMPLETE;
  const fam = bytes[13];
  // §2.2: other families / transports "must be rejected as invalid by receivers".
  if (fam >> 4 > 3) return invalid('v2-bad-family');
  if ((fam & 0x0f) > 2) return invalid('v2-bad-transport');
  if (n < 16) return INCOMPLETE;
  const len = (bytes[14] << 8) | bytes[15];
  const total = V2_FIXED_LENGTH + len;
  if (total > maxLength) return invalid('v2-too-long');
  const addrLen = v2AddressLength(fam);
  const isLocal = cmd === 0;
  if (!isLocal && len < addrLen) return invalid('v2-address-too-short');
  if (n < total) return INCOMPLETE;

  // LOCAL (§2.2): "must use the real connection endpoints and discard the protocol block
  // including the family": no addresses. When the block is long enough to hold the family's
  // addresses, TLVs after them are still checked (a CRC32C is verified); a shorter block is
  // skipped as a whole.
  const family = familyName(fam);
  let tlvStart = V2_FIXED_LENGTH + addrLen;
  if (isLocal && len < addrLen) tlvStart = total;
  const walk = walkTlvs(bytes, tlvStart, total);
  if (walk.reason !== undefined) return invalid(walk.reason);

  const a = V2_FIXED_LENGTH;
  let header: ProxyHeader;
  if (isLocal || addrLen === 0) {
    header = { version: 2, command: isLocal ? 'LOCAL' : 'PROXY', family, tlvs: walk.tlvs, headerLength: total };
  } else if (addrLen === 12) {
    header = {
      version: 2,
      command: 'PROXY',
      family,
      source: dottedQuad(bytes, a),
      destination: dottedQuad(bytes, a + 4),
      sourcePort: (bytes[a + 8] << 8) | bytes[a + 9],
      destinationPort: (bytes[a + 10] << 8) | bytes[a + 11],
      tlvs: walk.tlvs,
      headerLength: total,
    };
  } else if (addrLen === 36) {
    header = {
      version: 2,
      command: 'PROXY',
      family,
      source: formatIP(ipFromBytes(bytes, a, 6)),
      destination: formatIP(ipFromBytes(bytes, a + 16, 6)),
      sourcePort: (bytes[a + 32] << 8) | bytes[a + 33],
      destinationPort: (bytes[a + 34] << 8) | bytes[a + 35],
      tlvs: walk.tlvs,
      headerLength: total,
    };
  } else {
    header = {
      version: 2,
      command: 'PROXY',
      family,
      source: unixPath(bytes, a),
      destination: unixPath(bytes, a + 108),
      tlvs: walk.tlvs,
      headerLength: total,
    };
  }
  if (walk.ssl !== undefined) header = { ...header, ssl: walk.ssl };
  return { status: 'ok', header };
}

/** IPv4 text straight from the 4 bytes (the dotted quad has one spelling; no parse/format round trip). */
function dottedQuad(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** A 108-byte sun_path without its trailing NULs (a leading NUL, Linux's abstract namespace, stays). */
function unixPath(bytes: Uint8Array, at: number): string {
  let end = at + 108;
  while (end > at && bytes[end - 1] === 0) end--;
  return utf8.decode(bytes.subarray(at, end));
}
