/**
 * Hono adapter for @hono/node-server: reads the Node request from `c.env.incoming` (the socket
 * peer, PROXY info and raw header lines, which the Fetch `Request` does not keep) and sets
 * `c.var.sourceip` (the Resolution) and `c.var.clientIp`.
 *
 * @example
 * import { serve } from '@hono/node-server';
 * import { Hono } from 'hono';
 * import { sourceip, type SourceIpEnv } from 'sourceip/hono';
 * const app = new Hono<SourceIpEnv>();
 * app.use(sourceip({ trusted: ['10.0.0.0/8'] }));
 * app.get('/', (c) => c.text(c.var.clientIp ?? 'unknown'));
 * serve({ fetch: app.fetch, port: 3000 });
 */
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { InvalidOptionError } from '../core/errors.ts';
import type { Resolution } from '../core/trust/types.ts';
import { createSourceIp, type SourceIpOptions } from './shared.ts';

export type { SourceIpOptions } from './shared.ts';

/** The Variables the middleware sets. */
export interface SourceIpVariables {
  sourceip: Resolution;
  clientIp: string | null;
}

/** The env shape: @hono/node-server's bindings (only `incoming` is read) and our Variables. */
export interface SourceIpEnv {
  Bindings: { incoming: IncomingMessage };
  Variables: SourceIpVariables;
}

/**
 * Compiles `options` once. Outside @hono/node-server (no `c.env.incoming`) the request fails
 * with `SIP_ERR_INVALID_OPTION`: without the socket no peer can be trusted, so nothing is guessed.
 */
export function sourceip(options: SourceIpOptions = {}): MiddlewareHandler<SourceIpEnv> {
  const core = createSourceIp(options);
  return async (c, next) => {
    const incoming = (c.env as Partial<SourceIpEnv['Bindings']> | undefined)?.incoming;
    if (incoming === undefined) {
      throw new InvalidOptionError('sourceip/hono', 'needs @hono/node-server: c.env.incoming is missing');
    }
    const resolution = core.resolve(incoming);
    c.set('sourceip', resolution);
    c.set('clientIp', resolution.client);
    await next();
  };
}
