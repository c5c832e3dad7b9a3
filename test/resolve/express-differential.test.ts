/**
 * Differential test: the `express` strategy against a real Express 5 app. One app per
 * `trust proxy` value answers `{ ip: req.ip ?? null, ra: req.socket.remoteAddress }`; each
 * listens on an IPv4 socket (127.0.0.1, peers `127.x.y.z`) and a dual-stack socket (`::`, peers
 * `::ffff:127.x.y.z` and `::1`). Thousands of generated requests go out raw and pipelined; our
 * `client` must equal `req.ip` for every one. Seeded; SOURCEIP_SEED replays a run.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { createExpressResolver } from '../../src/core/trust/express.ts';
import { EXPRESS_CONFIGS, type ExpressConfig } from './express-configs.ts';
import { pipeline, rawRequest } from './raw-http.ts';
import { pick, prng, randomHeaders, toRawHeaders } from './request-generator.ts';

const PEERS_V4 = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.1.2.3'];
const PER_CONFIG = Number(process.env.SOURCEIP_EXPRESS_REQUESTS ?? 400);
const SEED = Number(process.env.SOURCEIP_SEED ?? Date.now() % 1_000_000);

interface Listener {
  readonly config: ExpressConfig;
  readonly v4: Server;
  readonly dual: Server;
}

const listeners: Listener[] = [];

function listen(app: express.Express, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.keepAliveTimeout = 60_000;
  });
}

before(async () => {
  for (const config of EXPRESS_CONFIGS) {
    const app = express();
    app.set('trust proxy', config.setting);
    app.get('/', (req, res) => {
      res.type('application/json').send(JSON.stringify({ ip: req.ip ?? null, ra: req.socket.remoteAddress ?? null }));
    });
    listeners.push({ config, v4: await listen(app, '127.0.0.1'), dual: await listen(app, '::') });
  }
});

after(async () => {
  for (const l of listeners) {
    for (const server of [l.v4, l.dual]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
});

test('express: settings that Express rejects are rejected at setup', () => {
  const app = express();
  for (const bad of [
    ['0.0.0.0/0'],
    ['::/0'],
    ['private'],
    ['10.0.0.0/33'],
    ['10.0.0.1/255.0.255.0'],
    [''],
    ['1.2.3.4/'],
  ]) {
    assert.throws(() => app.set('trust proxy', bad), TypeError, `Express accepted ${JSON.stringify(bad)}`);
    assert.throws(() => createExpressResolver({ semantics: 'express', trusted: bad }), /invalid/i);
  }
});

test(`express strategy matches Express 5 req.ip on generated requests (seed ${SEED})`, async () => {
  const rand = prng(SEED);
  const mismatches: string[] = [];
  let total = 0;
  for (const listener of listeners) {
    const resolver = createExpressResolver(listener.config.options);
    const groups = new Map<string, { server: Server; host: string; local: string; headers: [string, string][][] }>();
    for (let i = 0; i < PER_CONFIG; i++) {
      const r = rand();
      const useDual = r < 0.5;
      const local = r < 0.35 ? '::1' : pick(rand, PEERS_V4);
      const server = useDual ? listener.dual : listener.v4;
      const host = local === '::1' ? '::1' : '127.0.0.1';
      const key = `${useDual || local === '::1' ? 'dual' : 'v4'}|${local}`;
      const group = groups.get(key) ?? { server: local === '::1' ? listener.dual : server, host, local, headers: [] };
      group.headers.push(randomHeaders(rand));
      groups.set(key, group);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const port = (group.server.address() as AddressInfo).port;
        const { responses } = await pipeline(
          group.host,
          port,
          group.local,
          group.headers.map((h) => rawRequest(h)),
        );
        responses.forEach((response, k) => {
          total++;
          assert.equal(response.status, 200, response.body);
          const body = JSON.parse(response.body) as { ip: string | null; ra: string | null };
          const headers = group.headers[k] as [string, string][];
          const got = resolver.resolve({ peer: body.ra ?? undefined, rawHeaders: toRawHeaders(headers) });
          if (got.client !== body.ip) {
            mismatches.push(
              `${listener.config.name} peer=${body.ra} headers=${JSON.stringify(headers)}\n` +
                `  express: ${JSON.stringify(body.ip)}\n  ours:    ${JSON.stringify(got.client)} (${got.reason})`,
            );
          }
        });
      }),
    );
  }
  assert.ok(total >= EXPRESS_CONFIGS.length * PER_CONFIG);
  assert.equal(
    mismatches.length,
    0,
    `${mismatches.length}/${total} mismatches (replay with SOURCEIP_SEED=${SEED}):\n${mismatches.slice(0, 8).join('\n')}`,
  );
});
