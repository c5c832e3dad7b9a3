/**
 * PROXY protocol v1/v2 (HAProxy doc/proxy-protocol.txt) shapes shared by the decoder,
 * the encoder, the listener, whoami and the gateway.
 */

export type ProxyFamily = 'TCP4' | 'TCP6' | 'UDP4' | 'UDP6' | 'UNIX' | 'UNSPEC' | 'UNKNOWN';

export interface ProxyTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** The SSL TLV (0x20), spec §2.2.5. */
export interface ProxySslInfo {
  readonly client: number;
  readonly verify: number;
  readonly subtlvs: readonly ProxyTlv[];
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: 'PROXY' | 'LOCAL';
  readonly family: ProxyFamily;
  /** Canonical text (RFC 5952 for v6); for UNIX the path without trailing NULs. Absent when the family has none. */
  readonly source?: string;
  readonly sourcePort?: number;
  readonly destination?: string;
  readonly destinationPort?: number;
  /** Every TLV in wire order (v2 only; empty for v1). */
  readonly tlvs: readonly ProxyTlv[];
  /** Present when a 0x20 TLV was sent. */
  readonly ssl?: ProxySslInfo;
  /** Bytes the header used, including signature; the application data starts here. */
  readonly headerLength: number;
}

export type ProxyDecodeResult =
  | { readonly status: 'ok'; readonly header: ProxyHeader }
  | { readonly status: 'incomplete' }
  | { readonly status: 'absent' }
  | { readonly status: 'invalid'; readonly reason: string };

/** Per listener: `required` (every connection starts with a header) or `optional` (only from trusted sources). */
export type ProxyProtocolMode = 'off' | 'required' | 'optional';
