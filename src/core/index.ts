/**
 * sourceip core: the public, zero-dependency library API. Re-exports only.
 */
export * from './errors.ts';
