import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sourceip, withClientIp } from '../../src/middleware/node.ts';
import type { SourceIpOptions } from '../../src/middleware/shared.ts';
import { middlewareSuite, type RunningApp } from './suite.ts';
import { getJson } from './support.ts';

async function serve(server: Server, setup?: (server: Server) => void): Promise<RunningApp> {
  setup?.(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

middlewareSuite('node:http withClientIp', async (options: SourceIpOptions, setup) => {
  const handler = withClientIp((req, res) => {
    const body = req.url === '/trace' ? { trace: req.sourceip.trace } : req.sourceip;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  }, options);
  return serve(createServer(handler), setup);
});

test('node:http sourceip(): returns the resolution and stores it on req', async () => {
  const resolve = sourceip({ trusted: ['127.0.0.1'] });
  assert.equal(resolve.resolver.semantics, 'strict');
  const app = await serve(
    createServer((req, res) => {
      const returned = resolve(req, res);
      const stored = (req as typeof req & { sourceip: unknown }).sourceip;
      res.end(JSON.stringify({ same: returned === stored, client: returned.client }));
    }),
  );
  try {
    const { json } = await getJson(app.url, { localAddress: '127.0.0.1', headers: [['X-Forwarded-For', '192.0.2.1']] });
    assert.deepEqual(json, { same: true, client: '192.0.2.1' });
  } finally {
    await app.close();
  }
});
