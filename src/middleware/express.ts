/**
 * Express adapter: sets `req.sourceip` (the Resolution) and `req.clientIp` (the client, or
 * undefined when the strategy refuses).
 * Independent of Express's own `trust proxy` / `req.ip`.
 *
 * @example
 * import express from 'express';
 * import { sourceip } from 'sourceip/express';
 * const app = express();
 * app.use(sourceip({ trusted: ['10.0.0.0/8'] }));
 * app.get('/', (req, res) => res.send(req.clientIp ?? 'unknown'));
 */
import type { RequestHandler } from 'express';
import type { Resolution } from '../core/trust/types.ts';
import { createSourceIp, type SourceIpOptions } from './shared.ts';

export type { SourceIpOptions } from './shared.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by sourceip's middleware: the resolved client, reason, peer and (on demand) trace. */
      sourceip: Resolution;
      /**
       * Set by sourceip's middleware: `sourceip.client`, or undefined when the strategy refuses
       * (`client: null`). Declared exactly as @types/request-ip declares it, so both type-check together.
       */
      clientIp?: string | undefined;
    }
  }
}

/** Compiles `options` once; the returned middleware only looks up. */
export function sourceip(options: SourceIpOptions = {}): RequestHandler {
  const core = createSourceIp(options);
  return (req, _res, next) => {
    const resolution = core.resolve(req);
    req.sourceip = resolution;
    req.clientIp = resolution.client ?? undefined;
    next();
  };
}
