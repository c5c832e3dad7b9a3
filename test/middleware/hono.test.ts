import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { type SourceIpEnv, sourceip } from '../../src/middleware/hono.ts';
import type { SourceIpOptions } from '../../src/middleware/shared.ts';
import { middlewareSuite } from './suite.ts';

middlewareSuite(
  'hono (@hono/node-server)',
  async (options: SourceIpOptions, setup) => {
    const app = new Hono<SourceIpEnv>();
    app.use(sourceip(options));
    app.get('/trace', (c) => c.json({ trace: c.var.sourceip.trace }));
    app.get('/', (c) => c.json({ ...JSON.parse(JSON.stringify(c.var.sourceip)), clientIp: c.var.clientIp }));
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
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

test('fail: without @hono/node-server (no c.env.incoming) the request errors instead of guessing', async () => {
  const app = new Hono<SourceIpEnv>();
  app.use(sourceip({ trusted: ['127.0.0.1'] }));
  app.get('/', (c) => c.text(String(c.var.clientIp)));
  let seen: unknown;
  app.onError((error, c) => {
    seen = error;
    return c.text('error', 500);
  });
  const response = await app.request('http://localhost/', { headers: { 'X-Forwarded-For': '1.2.3.4' } });
  assert.equal(response.status, 500);
  assert.match(String(seen), /c\.env\.incoming/);
});
