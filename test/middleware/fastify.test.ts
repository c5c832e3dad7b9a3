import Fastify from 'fastify';
import { sourceip } from '../../src/middleware/fastify.ts';
import type { SourceIpOptions } from '../../src/middleware/shared.ts';
import { middlewareSuite } from './suite.ts';

middlewareSuite('fastify', async (options: SourceIpOptions, setup) => {
  const app = Fastify();
  setup?.(app.server);
  await app.register(sourceip, options);
  // A route in an encapsulated child context still sees the decoration (skip-override).
  await app.register(async (child) => {
    child.get('/trace', async (request) => ({ trace: request.sourceip.trace }));
  });
  app.get('/', async (request) => JSON.parse(JSON.stringify(request.sourceip)));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${url}/`, close: () => app.close() };
});
