/**
 * CRC32C (Castagnoli, RFC 4960 Appendix B / RFC 3720 B.4): reflected polynomial 0x82F63B78,
 * initial value and final XOR 0xFFFFFFFF. Used by the PROXY v2 PP2_TYPE_CRC32C TLV
 * (doc/proxy-protocol.txt §2.2.3). Slicing-by-8: eight 256-entry tables built once at load,
 * eight bytes per step in the hot loop; a byte-wise tail.
 */

const POLY = 0x82f63b78;
const TABLES = buildTables();

function buildTables(): Uint32Array {
  // Table k holds the CRC of a byte followed by k zero bytes; all eight in one array (k * 256 + byte).
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/**
 * CRC32C of `bytes[start, end)`, continuing from `previous` (the result of an earlier call over
 * the preceding bytes; 0 to start). Returns an unsigned 32-bit integer.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  const t = TABLES;
  let crc = ~previous >>> 0;
  let i = start;
  const stop8 = end - 8;
  while (i <= stop8) {
    const lo =
      (crc ^
        ((bytes[i] as number) |
          ((bytes[i + 1] as number) << 8) |
          ((bytes[i + 2] as number) << 16) |
          ((bytes[i + 3] as number) << 24))) >>>
      0;
    crc =
      (t[1792 + (lo & 0xff)] as number) ^
      (t[1536 + ((lo >>> 8) & 0xff)] as number) ^
      (t[1280 + ((lo >>> 16) & 0xff)] as number) ^
      (t[1024 + (lo >>> 24)] as number) ^
      (t[768 + (bytes[i + 4] as number)] as number) ^
      (t[512 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number);
    i += 8;
  }
  while (i < end) {
    crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

/**
 * Continues `previous` over `count` zero bytes without needing a buffer of zeros (PP2 CRC32C:
 * the checksum field counts as zeros, §2.2.3).
 */
export function crc32cZeros(previous: number, count: number): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < count; i++) crc = (TABLES[crc & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** Byte-wise reference (one table lookup per byte), kept for the tests' cross-check. */
export function crc32cBytewise(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (TABLES[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}
