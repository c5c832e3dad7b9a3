/**
 * An IP address as the library passes it around: four big-endian 32-bit words of the
 * 128-bit address space, so that v4 and v6 membership tests are a few integer compares.
 *
 * - IPv4 `a.b.c.d`: `family: 4`, `w0 = w1 = w2 = 0`, `w3` = the address as an unsigned 32-bit integer.
 * - IPv6: `family: 6`, the 128 bits in `w0..w3` (each an unsigned 32-bit integer, `>>> 0`).
 *   IPv4-mapped `::ffff:a.b.c.d` stays `family: 6` (`w2 = 0xffff`); `unmapIPv4()` turns it into IPv4.
 * - `zone`: the RFC 4007 zone id without `%` (`'eth0'`), `''` when absent.
 */
export interface IPAddress {
  readonly family: 4 | 6;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly zone: string;
}

/** An address with an optional port, as found in `1.2.3.4:80` or `[2001:db8::1]:443`. */
export interface Endpoint {
  readonly ip: IPAddress;
  /** 0–65535, or -1 when the text had no port. */
  readonly port: number;
}

/** A network: address with host bits zero, and a prefix length (0–32 for v4, 0–128 for v6). */
export interface Cidr {
  readonly ip: IPAddress;
  readonly prefix: number;
  /** Canonical text, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  readonly text: string;
}
