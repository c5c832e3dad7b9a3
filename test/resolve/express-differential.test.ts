/**
 * Differential test: the `express` strategy against a real Express 5 app. One app per
 * `trust proxy` value answers `{ ip: req.ip ?? null, ra: req.socket.remoteAddress }`; each
 * listens on an IPv4 socket (127.0.0.1, peers `127.x.y.z`) and a dual-stack socket (`::`, peers
 * `::ffff:127.x.y.z` and `::1`). Thousands of generated requests go out raw and pipelined; our
 * `client` must equal `req.ip` for every one. Seeded; SOURCEIP_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import express from 'express';
import { createExpressResolver } from '../../src/core/trust/express.ts';
import { EXPRESS_CONFIGS } from './express-configs.ts';
import { type ExpressApps, recordExpress, startExpressApps } from './express-record.ts';
import { pick, prng, randomHeaders, toRawHeaders } from './request-generator.ts';

const SOURCES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.1.2.3', '::1'];
const PER_CONFIG = Number(process.env.SOURCEIP_EXPRESS_REQUESTS ?? 400);
const SEED = Number(process.env.SOURCEIP_SEED ?? Date.now() % 1_000_000);

let apps: ExpressApps | undefined;

before(async () => {
  apps = await startExpressApps(EXPRESS_CONFIGS);
});

after(async () => {
  await apps?.close();
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
  for (const listener of (apps as ExpressApps).listeners) {
    const resolver = createExpressResolver(listener.config.options);
    const cases = Array.from({ length: PER_CONFIG }, () => ({
      listener: rand() < 0.5 ? ('v4' as const) : ('dual' as const),
      source: pick(rand, SOURCES),
      headers: randomHeaders(rand),
    }));
    for (const r of await recordExpress(listener, cases)) {
      total++;
      const got = resolver.resolve({ peer: r.peer ?? undefined, rawHeaders: toRawHeaders(r.headers) });
      if (got.client !== r.ip) {
        mismatches.push(
          `${listener.config.name} peer=${r.peer} headers=${JSON.stringify(r.headers)}\n` +
            `  express: ${JSON.stringify(r.ip)}\n  ours:    ${JSON.stringify(got.client)} (${got.reason})`,
        );
      }
    }
  }
  assert.ok(total >= EXPRESS_CONFIGS.length * PER_CONFIG);
  assert.equal(
    mismatches.length,
    0,
    `${mismatches.length}/${total} mismatches (replay with SOURCEIP_SEED=${SEED}):\n${mismatches.slice(0, 8).join('\n')}`,
  );
});
