/**
 * Differential test: the `nginx` strategy against Debian's real nginx 1.22. Thousands of
 * generated requests (seeded; the seed is printed on failure, SOURCEIP_SEED replays one) are sent
 * raw, pipelined, from several 127.x.y.z source addresses and ::1 to several realip
 * configurations; nginx's `$remote_addr` / `$remote_port` must equal our `client` / `port` for
 * every one. With CI=true a missing nginx fails (test/support/programs.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createNginxResolver } from '../../src/core/trust/nginx.ts';
import type { Resolver } from '../../src/core/trust/types.ts';
import { requireProgram } from '../support/programs.ts';
import { NGINX_CONFIGS, PEERS } from './nginx-configs.ts';
import { type NginxServerConfig, type RunningNginx, startNginx } from './nginx-runner.ts';
import { pipeline, rawRequest } from './raw-http.ts';
import { pick, prng, randomHeaders, toRawHeaders } from './request-generator.ts';

export interface RecordedCase {
  readonly config: string;
  readonly peer: string;
  readonly peerPort: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly remoteAddr: string;
  readonly remotePort: string;
}

const program = requireProgram('nginx');
const PER_CONFIG = Number(process.env.SOURCEIP_NGINX_REQUESTS ?? 500);
const SEED = Number(process.env.SOURCEIP_SEED ?? Date.now() % 1_000_000);

let nginx: RunningNginx | undefined;

before(async () => {
  if (typeof program !== 'string') return;
  nginx = await startNginx(program, NGINX_CONFIGS);
});

after(async () => {
  await nginx?.stop();
});

function resolverFor(config: NginxServerConfig): Resolver {
  return createNginxResolver({
    options: { semantics: 'nginx', trusted: config.trusted, header: config.header, recursive: config.recursive },
  });
}

/** Send every case of one config, grouped per source address on pipelined keep-alive sockets. */
async function record(
  running: RunningNginx,
  config: NginxServerConfig,
  cases: readonly { peer: string; headers: [string, string][] }[],
): Promise<RecordedCase[]> {
  const port = running.ports.get(config.name) as number;
  const byPeer = new Map<string, number[]>();
  cases.forEach((c, i) => {
    const list = byPeer.get(c.peer) ?? [];
    list.push(i);
    byPeer.set(c.peer, list);
  });
  const out: RecordedCase[] = new Array(cases.length);
  await Promise.all(
    [...byPeer].map(async ([peer, indexes]) => {
      const host = peer.includes(':') ? '::1' : '127.0.0.1';
      const requests = indexes.map((i) => rawRequest((cases[i] as { headers: [string, string][] }).headers));
      const { responses, localPort } = await pipeline(host, port, peer, requests);
      indexes.forEach((caseIndex, k) => {
        const response = responses[k] as { status: number; body: string };
        assert.equal(response.status, 200, `nginx answered ${response.status} to ${JSON.stringify(requests[k])}`);
        const [remoteAddr = '', remotePort = '', realipAddr = '', realipPort = ''] = response.body.split('|');
        assert.equal(realipAddr, peer, 'nginx saw another source address than the one bound');
        assert.equal(realipPort, String(localPort));
        const c = cases[caseIndex] as { peer: string; headers: [string, string][] };
        out[caseIndex] = { config: config.name, peer, peerPort: localPort, headers: c.headers, remoteAddr, remotePort };
      });
    }),
  );
  return out;
}

test(`nginx strategy matches nginx 1.22 on generated requests (seed ${SEED})`, {
  skip: typeof program === 'string' ? false : program.skip,
}, async () => {
  const running = nginx as RunningNginx;
  const rand = prng(SEED);
  const mismatches: string[] = [];
  let total = 0;
  for (const config of NGINX_CONFIGS) {
    const cases = Array.from({ length: PER_CONFIG }, () => ({ peer: pick(rand, PEERS), headers: randomHeaders(rand) }));
    const recorded = await record(running, config, cases);
    const resolver = resolverFor(config);
    for (const r of recorded) {
      total++;
      const got = resolver.resolve({ peer: r.peer, peerPort: r.peerPort, rawHeaders: toRawHeaders(r.headers) });
      const gotPort = got.port === null ? '' : String(got.port);
      if (got.client !== r.remoteAddr || gotPort !== r.remotePort) {
        mismatches.push(
          `${config.name} peer=${r.peer}:${r.peerPort} headers=${JSON.stringify(r.headers)}\n` +
            `  nginx: ${r.remoteAddr}|${r.remotePort}\n  ours:  ${got.client}|${gotPort} (${got.reason})`,
        );
      }
    }
  }
  assert.ok(total >= NGINX_CONFIGS.length * PER_CONFIG);
  assert.equal(
    mismatches.length,
    0,
    `${mismatches.length}/${total} mismatches (seed ${SEED}; replay with SOURCEIP_SEED=${SEED}):\n${mismatches.slice(0, 8).join('\n')}`,
  );
});
