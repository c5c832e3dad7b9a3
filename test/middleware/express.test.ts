import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sourceip } from '../../src/middleware/express.ts';
import type { SourceIpOptions } from '../../src/middleware/shared.ts';
import { middlewareSuite } from './suite.ts';

middlewareSuite(
  'express',
  async (options: SourceIpOptions, setup) => {
    const app = express();
    app.use(sourceip(options));
    app.get('/trace', (req, res) => {
      res.json({ trace: req.sourceip.trace });
    });
    app.get('/', (req, res) => {
      res.json({ ...JSON.parse(JSON.stringify(req.sourceip)), clientIp: req.clientIp });
    });
    const server: Server = createServer(app);
    setup?.(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  },
  (json) => assert.equal(json.clientIp, json.client ?? undefined),
);
