/**
 * Koa adapter: `ctx.state.sourceip` (the Resolution) and `ctx.state.clientIp` (string or null).
 * Independent of Koa's own `app.proxy` / `ctx.ip`.
 *
 * @example
 * import Koa from 'koa';
 * import { sourceip } from 'sourceip/koa';
 * const app = new Koa();
 * app.use(sourceip({ trusted: ['10.0.0.0/8'] }));
 * app.use((ctx) => { ctx.body = ctx.state.clientIp ?? 'unknown'; });
 */
import type { Middleware } from 'koa';
import type { Resolution } from '../core/trust/types.ts';
import { createSourceIp, type SourceIpOptions } from './shared.ts';

export type { SourceIpOptions } from './shared.ts';

/** What the middleware adds to `ctx.state`. */
export interface SourceIpState {
  sourceip: Resolution;
  clientIp: string | null;
}

/** Compiles `options` once; the returned middleware only looks up. */
export function sourceip(options: SourceIpOptions = {}): Middleware<SourceIpState> {
  const core = createSourceIp(options);
  return (ctx, next) => {
    const resolution = core.resolve(ctx.req);
    ctx.state.sourceip = resolution;
    ctx.state.clientIp = resolution.client;
    return next();
  };
}
