/**
 * Records the vector tables src/core/trust/nginx.vectors.ts and express.vectors.ts from the real
 * programs: every curated case below is sent to Debian's nginx 1.22 and to Express 5, and the
 * answers they gave are written as the expected values. Run by hand after changing the cases:
 *
 *   node test/resolve/record-vectors.ts && npx biome check --write src/core/trust/*.vectors.ts
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requireProgram } from '../support/programs.ts';
import { EXPRESS_CASES, NGINX_CASES } from './curated-cases.ts';
import { EXPRESS_CONFIGS } from './express-configs.ts';
import { NGINX_CONFIGS } from './nginx-configs.ts';
import { startNginx } from './nginx-runner.ts';
import { pipeline, rawRequest } from './raw-http.ts';

const HEADER = `// Recorded from the real programs by test/resolve/record-vectors.ts — do not edit by hand.\n`;

const NGINX_PREAMBLE = `import type { ResolverOptions } from './types.ts';

/** One request and what nginx 1.22 printed: $remote_addr and $remote_port ('peer' = the connection's own port). */
export interface NginxVector {
  readonly name: string;
  /** Key of NGINX_VECTOR_CONFIGS. */
  readonly config: string;
  readonly peer: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly want: string;
  readonly wantPort: number | null | 'peer';
}

`;

const EXPRESS_PREAMBLE = `import type { ResolverOptions } from './types.ts';

/** One request and Express 5's req.ip (null for undefined); peer is req.socket.remoteAddress. */
export interface ExpressVector {
  readonly name: string;
  /** Key of EXPRESS_VECTOR_CONFIGS. */
  readonly config: string;
  readonly peer: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly want: string | null;
}

`;

async function recordNginx(): Promise<void> {
  const program = requireProgram('nginx');
  if (typeof program !== 'string') throw new Error(program.skip);
  const nginx = await startNginx(program, NGINX_CONFIGS);
  try {
    const rows: string[] = [];
    for (const c of NGINX_CASES) {
      const port = nginx.ports[c.config] as number;
      const host = c.peer.includes(':') ? '::1' : '127.0.0.1';
      const { responses, localPort } = await pipeline(host, port, c.peer, [rawRequest(c.headers)]);
      const response = responses[0] as { status: number; body: string };
      if (response.status !== 200) throw new Error(`nginx ${response.status} for ${c.name}`);
      const [remoteAddr = '', remotePort = ''] = response.body.split('|');
      const peerAnswer = remotePort === String(localPort);
      rows.push(
        JSON.stringify({
          name: c.name,
          config: c.config,
          peer: c.peer,
          headers: c.headers,
          want: remoteAddr,
          // The peer's own port when nginx kept the peer; recorded as `peer` since it varies.
          wantPort: peerAnswer ? 'peer' : remotePort === '' ? null : Number(remotePort),
        }),
      );
    }
    writeFileSync(
      new URL('../../src/core/trust/nginx.vectors.ts', import.meta.url),
      `${HEADER}${NGINX_PREAMBLE}export const NGINX_VECTOR_CONFIGS: Readonly<Record<string, ResolverOptions>> = ${JSON.stringify(
        Object.fromEntries(
          NGINX_CONFIGS.map((c) => [
            c.name,
            { semantics: 'nginx', trusted: c.trusted, header: c.header, recursive: c.recursive },
          ]),
        ),
      )};\n\nexport const NGINX_VECTORS: readonly NginxVector[] = [\n${rows.join(',\n')},\n];\n`,
    );
  } finally {
    await nginx.stop();
  }
}

async function recordExpress(): Promise<void> {
  const rows: string[] = [];
  for (const config of EXPRESS_CONFIGS) {
    const app = express();
    app.set('trust proxy', config.setting);
    app.get('/', (req, res) => {
      res.type('application/json').send(JSON.stringify({ ip: req.ip ?? null, ra: req.socket.remoteAddress ?? null }));
    });
    const v4 = app.listen(0, '127.0.0.1');
    const dual = app.listen(0, '::');
    await Promise.all([v4, dual].map((s) => new Promise((r) => s.once('listening', r))));
    try {
      for (const c of EXPRESS_CASES.filter((k) => k.config === config.name)) {
        const server = c.listener === 'v4' ? v4 : dual;
        const host = c.source.includes(':') ? '::1' : '127.0.0.1';
        const port = (server.address() as AddressInfo).port;
        const { responses } = await pipeline(host, port, c.source, [rawRequest(c.headers)]);
        const body = JSON.parse((responses[0] as { body: string }).body) as { ip: string | null; ra: string | null };
        rows.push(JSON.stringify({ name: c.name, config: c.config, peer: body.ra, headers: c.headers, want: body.ip }));
      }
    } finally {
      for (const s of [v4, dual]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    }
  }
  writeFileSync(
    new URL('../../src/core/trust/express.vectors.ts', import.meta.url),
    `${HEADER}${EXPRESS_PREAMBLE}export const EXPRESS_VECTOR_CONFIGS: Readonly<Record<string, ResolverOptions>> = ${JSON.stringify(
      Object.fromEntries(EXPRESS_CONFIGS.map((c) => [c.name, c.options])),
    )};\n\nexport const EXPRESS_VECTORS: readonly ExpressVector[] = [\n${rows.join(',\n')},\n];\n`,
  );
}

await recordNginx();
await recordExpress();
