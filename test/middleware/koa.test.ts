import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { type SourceIpState, sourceip } from '../../src/middleware/koa.ts';
import type { SourceIpOptions } from '../../src/middleware/shared.ts';
import { middlewareSuite } from './suite.ts';

middlewareSuite(
  'koa',
  async (options: SourceIpOptions, setup) => {
    const app = new Koa<SourceIpState>();
    app.use(sourceip(options));
    app.use((ctx) => {
      ctx.body =
        ctx.path === '/trace'
          ? { trace: ctx.state.sourceip.trace }
          : { ...JSON.parse(JSON.stringify(ctx.state.sourceip)), clientIp: ctx.state.clientIp };
    });
    const server = createServer(app.callback());
    setup?.(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  },
  (json) => assert.equal(json.clientIp, json.client),
);
