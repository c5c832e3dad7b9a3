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
import { recordNginx } from './nginx-record.ts';
import { type NginxServerConfig, type RunningNginx, startNginx } from './nginx-runner.ts';
import { pick, prng, randomHeaders, toRawHeaders } from './request-generator.ts';

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

test(`nginx strategy matches nginx 1.22 on generated requests (seed ${SEED})`, {
  skip: typeof program === 'string' ? false : program.skip,
}, async () => {
  const running = nginx as RunningNginx;
  const rand = prng(SEED);
  const mismatches: string[] = [];
  let total = 0;
  for (const config of NGINX_CONFIGS) {
    const cases = Array.from({ length: PER_CONFIG }, () => ({ peer: pick(rand, PEERS), headers: randomHeaders(rand) }));
    const recorded = await recordNginx(running, config, cases);
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
