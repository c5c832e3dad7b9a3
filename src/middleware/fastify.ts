/**
 * Fastify plugin: `request.sourceip` (the Resolution), set in an `onRequest` hook. It is not
 * encapsulated (`Symbol.for('skip-override')`, what fastify-plugin sets), so it applies to every
 * route of the instance it is registered on. Independent of Fastify's own `trustProxy`.
 *
 * @example
 * import Fastify from 'fastify';
 * import { sourceip } from 'sourceip/fastify';
 * const app = Fastify();
 * await app.register(sourceip, { trusted: ['10.0.0.0/8'] });
 * app.get('/', (request) => request.sourceip.client);
 */
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import type { Resolution } from '../core/trust/types.ts';
import { createSourceIp, type SourceIpOptions } from './shared.ts';

export type { SourceIpOptions } from './shared.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by sourceip's plugin. */
    sourceip: Resolution;
  }
}

/** Fastify passes its own keys (`prefix`, …) with the options; only ours reach the resolver. */
function resolverOptions(options: SourceIpOptions & Record<string, unknown>): SourceIpOptions {
  const { semantics, trusted, trustAll, hops, header, recursive, trace } = options;
  return Object.fromEntries(
    Object.entries({ semantics, trusted, trustAll, hops, header, recursive, trace }).filter(([, v]) => v !== undefined),
  ) as SourceIpOptions;
}

const plugin: FastifyPluginCallback<SourceIpOptions> = (
  fastify: FastifyInstance,
  options: SourceIpOptions,
  done: (error?: Error) => void,
) => {
  let core: ReturnType<typeof createSourceIp>;
  try {
    core = createSourceIp(resolverOptions(options as SourceIpOptions & Record<string, unknown>));
  } catch (error) {
    done(error as Error);
    return;
  }
  fastify.decorateRequest('sourceip', null as unknown as Resolution);
  fastify.addHook('onRequest', (request, _reply, next) => {
    request.sourceip = core.resolve(request.raw);
    next();
  });
  done();
};

(plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'sourceip';

/** The plugin: `app.register(sourceip, options)`. */
export const sourceip: FastifyPluginCallback<SourceIpOptions> = plugin;
