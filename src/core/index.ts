/**
 * sourceip core: the public, zero-dependency library API. Re-exports only.
 */
export * from './errors.ts';
export * from './headers/forwarded.ts';
export { ListHeaderCursor, MAX_ENTRY_LENGTH, MAX_LINE_LENGTH } from './headers/forwarded-for.ts';
export { countHeaderLines, headerLines, isHeaderName } from './headers/header-lines.ts';
export { LIST_HEADERS, parseViewerAddress, SINGLE_IP_HEADERS } from './headers/single-ip.ts';
export * from './ip/address.ts';
export * from './ip/cidr.ts';
export * from './ip/prefix-set.ts';
export * from './ip/ranges.ts';
export type * from './ip/types.ts';
export * from './proxy-protocol/counters.ts';
export * from './proxy-protocol/crc32c.ts';
export { type DecodeOptions, decodeProxyHeader, maxHeaderBytes } from './proxy-protocol/decode.ts';
export { type EncodeProxyHeaderOptions, encodeProxyHeader, sslTlv } from './proxy-protocol/encode.ts';
export * from './proxy-protocol/listener.ts';
export * from './proxy-protocol/tlv.ts';
export type * from './proxy-protocol/types.ts';
export * from './trust/reasons.ts';
export { createResolver, SEMANTICS } from './trust/resolver.ts';
export type * from './trust/types.ts';
