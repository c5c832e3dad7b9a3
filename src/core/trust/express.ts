/** Placeholder: the `express` strategy is written by another helper (R2); this stub only keeps the dispatch compiling. */
import { InvalidOptionError } from '../errors.ts';
import type { Resolver } from './types.ts';
import type { TrustContext } from './walk.ts';

export function createExpressResolver(_ctx: TrustContext): Resolver {
  throw new InvalidOptionError('semantics', 'express semantics are not available yet');
}
