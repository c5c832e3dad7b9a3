/**
 * The `sourceip resolve --jsonl` contract (issue 3 §5) end to end for the nginx and express
 * dialects: requests recorded from the real nginx 1.22 and Express 5 are written as JSON lines
 * (`peer`, `peerPort`, raw `headers`, `semantics`, `trusted`, `header`, `recursive`, `hops`,
 * `trustAll`) to the CLI in one process; every answer line's `client` / `port` must be what the
 * real program printed. The recorded vector tables run first (no program needed), then fresh
 * generated cases against the live programs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXPRESS_VECTOR_CONFIGS, EXPRESS_VECTORS } from '../../src/core/trust/express.vectors.ts';
import { NGINX_VECTOR_CONFIGS, NGINX_VECTORS } from '../../src/core/trust/nginx.vectors.ts';
import type { ResolverOptions } from '../../src/core/trust/types.ts';
import { requireProgram } from '../support/programs.ts';
import { EXPRESS_CONFIGS } from './express-configs.ts';
import { recordExpress, startExpressApps } from './express-record.ts';
import { NGINX_CONFIGS, PEERS } from './nginx-configs.ts';
import { recordNginx } from './nginx-record.ts';
import { startNginx } from './nginx-runner.ts';
import { pick, prng, randomHeaders } from './request-generator.ts';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));
const SEED = Number(process.env.SOURCEIP_SEED ?? Date.now() % 1_000_000);

interface Answer {
  client?: string | null;
  port?: number | null;
  reason?: string;
  error?: string;
}

/** Run `sourceip resolve --jsonl` once over all lines; one answer per line, in order. */
function runJsonl(lines: readonly object[]): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'resolve', '--jsonl'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const answers = out.split('\n').filter((l) => l !== '');
      if (answers.length !== lines.length) {
        reject(new Error(`${answers.length} answers for ${lines.length} lines (exit ${code}): ${err.slice(0, 500)}`));
        return;
      }
      resolve(answers.map((l) => JSON.parse(l) as Answer));
    });
    child.stdin.end(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  });
}

function line(
  options: ResolverOptions,
  peer: string | null,
  headers: readonly (readonly [string, string])[],
  peerPort?: number,
) {
  return { peer, ...(peerPort === undefined ? {} : { peerPort }), headers, ...options };
}

function compare(
  answers: readonly Answer[],
  wants: readonly { client: string | null; port?: number | null; what: string }[],
): string[] {
  const bad: string[] = [];
  answers.forEach((a, i) => {
    const want = wants[i] as { client: string | null; port?: number | null; what: string };
    const portOk = want.port === undefined || a.port === want.port;
    if (a.client !== want.client || !portOk) {
      bad.push(`${want.what}\n  want ${JSON.stringify([want.client, want.port])}\n  got  ${JSON.stringify(a)}`);
    }
  });
  return bad;
}

test('jsonl: the recorded nginx and express vectors through the CLI', async () => {
  const PORT = 40_000;
  const lines: object[] = [];
  const wants: { client: string | null; port?: number | null; what: string }[] = [];
  for (const v of NGINX_VECTORS) {
    lines.push(line(NGINX_VECTOR_CONFIGS[v.config] as ResolverOptions, v.peer, v.headers, PORT));
    wants.push({ client: v.want, port: v.wantPort === 'peer' ? PORT : v.wantPort, what: `nginx ${v.name}` });
  }
  for (const v of EXPRESS_VECTORS) {
    lines.push(line(EXPRESS_VECTOR_CONFIGS[v.config] as ResolverOptions, v.peer, v.headers));
    wants.push({ client: v.want, port: null, what: `express ${v.name}` });
  }
  const bad = compare(await runJsonl(lines), wants);
  assert.deepEqual(bad.slice(0, 8), [], `${bad.length} mismatches`);
});

const nginxProgram = requireProgram('nginx');

test(`jsonl: live nginx 1.22 answers replayed through the CLI (seed ${SEED})`, {
  skip: typeof nginxProgram === 'string' ? false : nginxProgram.skip,
}, async () => {
  const nginx = await startNginx(nginxProgram as string, NGINX_CONFIGS);
  try {
    const rand = prng(SEED);
    const lines: object[] = [];
    const wants: { client: string | null; port: number | null; what: string }[] = [];
    for (const config of NGINX_CONFIGS) {
      const cases = Array.from({ length: 150 }, () => ({ peer: pick(rand, PEERS), headers: randomHeaders(rand) }));
      for (const r of await recordNginx(nginx, config, cases)) {
        const options: ResolverOptions = {
          semantics: 'nginx',
          trusted: config.trusted,
          header: config.header,
          recursive: config.recursive,
        };
        lines.push(line(options, r.peer, r.headers, r.peerPort));
        wants.push({
          client: r.remoteAddr,
          port: r.remotePort === '' ? null : Number(r.remotePort),
          what: `${config.name} peer=${r.peer} ${JSON.stringify(r.headers)}`,
        });
      }
    }
    const bad = compare(await runJsonl(lines), wants);
    assert.deepEqual(bad.slice(0, 8), [], `${bad.length}/${lines.length} mismatches (SOURCEIP_SEED=${SEED})`);
  } finally {
    await nginx.stop();
  }
});

test(`jsonl: live Express 5 answers replayed through the CLI (seed ${SEED})`, async () => {
  const apps = await startExpressApps(EXPRESS_CONFIGS);
  try {
    const rand = prng(SEED + 7);
    const lines: object[] = [];
    const wants: { client: string | null; what: string }[] = [];
    for (const listener of apps.listeners) {
      const cases = Array.from({ length: 120 }, () => ({
        listener: rand() < 0.5 ? ('v4' as const) : ('dual' as const),
        source: pick(rand, ['127.0.0.1', '127.0.0.2', '127.1.2.3', '::1']),
        headers: randomHeaders(rand),
      }));
      for (const r of await recordExpress(listener, cases)) {
        lines.push(line(listener.config.options, r.peer, r.headers));
        wants.push({ client: r.ip, what: `${r.config} peer=${r.peer} ${JSON.stringify(r.headers)}` });
      }
    }
    const bad = compare(await runJsonl(lines), wants);
    assert.deepEqual(bad.slice(0, 8), [], `${bad.length}/${lines.length} mismatches (SOURCEIP_SEED=${SEED})`);
  } finally {
    await apps.close();
  }
});

test('jsonl: a trust value Express refuses gives an error line, and the next line still answers', async () => {
  const answers = await runJsonl([
    { peer: '127.0.0.1', headers: [], semantics: 'express', trusted: ['0.0.0.0/0'] },
    { peer: '127.0.0.1', headers: [['X-Forwarded-For', '1.1.1.1']], semantics: 'express', trusted: ['loopback'] },
    { peer: '127.0.0.1', headers: [], semantics: 'nginx', trusted: ['10.0.0.0/33'] },
  ]);
  assert.equal(typeof answers[0]?.error, 'string');
  assert.equal(answers[1]?.client, '1.1.1.1');
  assert.equal(typeof answers[2]?.error, 'string');
});
