/** Real Express 5 apps, one per `trust proxy` setting, on an IPv4 and a dual-stack listener. */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ExpressConfig } from './express-configs.ts';
import { pipeline, rawRequest } from './raw-http.ts';

export interface ExpressApps {
  readonly listeners: readonly { readonly config: ExpressConfig; readonly v4: Server; readonly dual: Server }[];
  close(): Promise<void>;
}

function listen(app: express.Express, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.keepAliveTimeout = 60_000;
  });
}

/** Start one app per config answering `{ ip: req.ip ?? null, ra: req.socket.remoteAddress }`. */
export async function startExpressApps(configs: readonly ExpressConfig[]): Promise<ExpressApps> {
  const listeners: { config: ExpressConfig; v4: Server; dual: Server }[] = [];
  for (const config of configs) {
    const app = express();
    app.set('trust proxy', config.setting);
    app.get('/', (req, res) => {
      res.type('application/json').send(JSON.stringify({ ip: req.ip ?? null, ra: req.socket.remoteAddress ?? null }));
    });
    listeners.push({ config, v4: await listen(app, '127.0.0.1'), dual: await listen(app, '::') });
  }
  return {
    listeners,
    close: async () => {
      for (const l of listeners) {
        for (const server of [l.v4, l.dual]) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      }
    },
  };
}

/** One request as Express answered it: `req.ip` (null for undefined) and the socket address it saw. */
export interface ExpressRecorded {
  readonly config: string;
  readonly peer: string | null;
  readonly headers: readonly (readonly [string, string])[];
  readonly ip: string | null;
}

/**
 * Send cases to one app: `listener` picks the IPv4 or dual-stack socket, `source` the local
 * address (127.x.y.z, or ::1 which always goes to the dual-stack socket). Pipelined per group.
 */
export async function recordExpress(
  listener: ExpressApps['listeners'][number],
  cases: readonly { listener: 'v4' | 'dual'; source: string; headers: [string, string][] }[],
): Promise<ExpressRecorded[]> {
  const groups = new Map<string, number[]>();
  cases.forEach((c, i) => {
    const key = `${c.source === '::1' ? 'dual' : c.listener}|${c.source}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const out: ExpressRecorded[] = new Array(cases.length);
  await Promise.all(
    [...groups].map(async ([key, indexes]) => {
      const [which, source] = key.split('|') as ['v4' | 'dual', string];
      const server = which === 'v4' ? listener.v4 : listener.dual;
      const host = source === '::1' ? '::1' : '127.0.0.1';
      const port = (server.address() as AddressInfo).port;
      const requests = indexes.map((i) => rawRequest((cases[i] as { headers: [string, string][] }).headers));
      const { responses } = await pipeline(host, port, source, requests);
      indexes.forEach((caseIndex, k) => {
        const response = responses[k] as { status: number; body: string };
        assert.equal(response.status, 200, response.body);
        const body = JSON.parse(response.body) as { ip: string | null; ra: string | null };
        const c = cases[caseIndex] as { headers: [string, string][] };
        out[caseIndex] = { config: listener.config.name, peer: body.ra, headers: c.headers, ip: body.ip };
      });
    }),
  );
  return out;
}
