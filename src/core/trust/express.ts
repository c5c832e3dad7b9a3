/** Placeholder: the `express` strategy is written by another helper (R2); this stub only keeps the dispatch compiling. */
import { InvalidOptionError } from '../errors.ts';
import type { Resolver, ResolverOptions } from './types.ts';

export function createExpressResolver(_ctx: { readonly options: ResolverOptions }): Resolver {
  throw new InvalidOptionError('semantics', 'express semantics are not available yet');
}
