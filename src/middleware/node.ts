/**
 * node:http adapter: `sourceip(options)` compiles the trust once and returns a function that
 * resolves a request and stores the result on `req.sourceip`.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { withClientIp } from 'sourceip/node';
 * createServer(withClientIp((req, res) => res.end(`${req.sourceip.client}\n`), { trusted: ['10.0.0.0/8'] }));
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Resolution, Resolver } from '../core/trust/types.ts';
import { createSourceIp, type SourceIpOptions } from './shared.ts';

export type { SourceIpOptions } from './shared.ts';

/** A request after the adapter ran. */
export type SourceIpRequest = IncomingMessage & { sourceip: Resolution };

export interface NodeSourceIp {
  /** Resolves `req` (never throws for any request content), sets `req.sourceip` and returns it. */
  (req: IncomingMessage, res?: ServerResponse): Resolution;
  /** The compiled resolver (semantics, header, trustsEverything). */
  readonly resolver: Resolver;
}

/**
 * Compiles `options` once (throws `SourceIpError` for a bad trust list).
 * `resolution.trace` is computed on first read unless `trace: true` (see shared.ts).
 */
export function sourceip(options: SourceIpOptions = {}): NodeSourceIp {
  const core = createSourceIp(options);
  const resolve = (req: IncomingMessage): Resolution => {
    const resolution = core.resolve(req);
    (req as SourceIpRequest).sourceip = resolution;
    return resolution;
  };
  return Object.assign(resolve, { resolver: core.resolver });
}

/**
 * Wraps a request listener so that `req.sourceip` is set before it runs.
 *
 * @example createServer(withClientIp((req, res) => res.end(String(req.sourceip.client))));
 */
export function withClientIp(
  handler: (req: SourceIpRequest, res: ServerResponse) => void,
  options: SourceIpOptions = {},
): RequestListener {
  const resolve = sourceip(options);
  return (req, res) => {
    resolve(req);
    handler(req as SourceIpRequest, res);
  };
}
