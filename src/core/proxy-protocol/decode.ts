/**
 * The PROXY protocol decoder (HAProxy doc/proxy-protocol.txt): one pure function over the first
 * bytes of a connection. It keeps no state: the caller re-calls it with the growing prefix until
 * the answer is not `incomplete`, so bytes split anywhere decode the same.
 */
import { decodeV1, V1_MAX_LENGTH } from './decode-v1.ts';
import { decodeV2, V2_MAX_LENGTH, V2_SIGNATURE } from './decode-v2.ts';
import type { ProxyDecodeResult } from './types.ts';

export interface DecodeOptions {
  /**
   * Largest v2 header accepted, bytes including the 16-byte fixed part (default 65 551, all the
   * protocol allows). A bigger announced length answers `invalid` (`v2-too-long`) as soon as the
   * length field arrives, so a reader never buffers more than this.
   */
  readonly maxLength?: number;
}

const INCOMPLETE: ProxyDecodeResult = Object.freeze({ status: 'incomplete' });
const ABSENT: ProxyDecodeResult = Object.freeze({ status: 'absent' });
const PROXY_WORD = Uint8Array.of(0x50, 0x52, 0x4f, 0x58, 0x59);

/**
 * Decodes a PROXY protocol header (v1 text or v2 binary) from the first bytes of a stream.
 *
 * - `incomplete`: every byte so far fits a header; call again with more.
 * - `absent`: the bytes cannot start either signature ("PROXY" / the 12-byte v2 signature);
 *   decided at the first byte that differs (an HTTP request is `absent` after 1–4 bytes).
 * - `invalid`: a signature was seen and then a rule broken; `reason` is a stable kebab-case
 *   word (`v1-bad-address`, `v2-crc32c-mismatch`, … — docs/proxy-protocol.md lists them).
 * - `ok`: the header; application data starts at `header.headerLength`.
 *
 * Never throws, reads at most 107 bytes for v1 and `maxLength` for v2, keeps no reference to
 * `bytes` (TLV values are copies).
 *
 * @example
 * const r = decodeProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7 198.18.0.10 51234 443\r\nGET /'));
 * if (r.status === 'ok') r.header.source; // '203.0.113.7', application data at r.header.headerLength
 */
export function decodeProxyHeader(bytes: Uint8Array, options?: DecodeOptions): ProxyDecodeResult {
  const n = bytes.length;
  if (n === 0) return INCOMPLETE;
  const first = bytes[0];
  if (first === 0x0d) {
    const m = Math.min(n, 12);
    for (let i = 1; i < m; i++) if (bytes[i] !== V2_SIGNATURE[i]) return ABSENT;
    if (n < 12) return INCOMPLETE;
    return decodeV2(bytes, options?.maxLength ?? V2_MAX_LENGTH);
  }
  if (first === 0x50) {
    const m = Math.min(n, 5);
    for (let i = 1; i < m; i++) if (bytes[i] !== PROXY_WORD[i]) return ABSENT;
    if (n < 5) return INCOMPLETE;
    return decodeV1(n > V1_MAX_LENGTH ? bytes.subarray(0, V1_MAX_LENGTH) : bytes);
  }
  return ABSENT;
}

/** The most bytes a reader must hold to get a final answer (v1 107, v2 `maxLength`). */
export function maxHeaderBytes(options?: DecodeOptions): number {
  return Math.max(V1_MAX_LENGTH, options?.maxLength ?? V2_MAX_LENGTH);
}
