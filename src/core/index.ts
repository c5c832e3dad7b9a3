/**
 * sourceip core: the public, zero-dependency library API. Re-exports only.
 */
export * from './errors.ts';
export * from './ip/address.ts';
export * from './ip/cidr.ts';
export * from './ip/prefix-set.ts';
export * from './ip/ranges.ts';
export type * from './ip/types.ts';
