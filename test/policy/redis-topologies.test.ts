/**
 * The Redis store through ioredis' own Sentinel and Cluster support, against real processes:
 * a master watched by one sentinel, and a three-master cluster (redis-cli --cluster create).
 * Everything on loopback, free ports, temp directories; stopped by PID.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { gcraParams } from '../../src/gateway/policy/gcra.ts';
import { RedisStore } from '../../src/gateway/policy/redis-store.ts';
import { freePort } from '../gateway/external.ts';
import { requireProgram } from '../support/programs.ts';
import { ping, startRedis } from './support.ts';

const server = requireProgram('redis-server');
const cli = requireProgram('redis-cli');
const skip = typeof server !== 'string' ? server.skip : typeof cli !== 'string' ? cli.skip : false;

async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stop(children: ChildProcess[]): Promise<unknown> {
  return Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
}

test('Sentinel: the store finds the master through the sentinel', { skip, timeout: 60_000 }, async (t) => {
  const master = await startRedis(server as string);
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-sentinel-'));
  const children: ChildProcess[] = [];
  t.after(async () => {
    await stop(children);
    await master.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const sentinelPort = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor sipmaster 127.0.0.1 ${master.port} 1\n`,
  );
  children.push(spawn(server as string, [conf, '--sentinel'], { stdio: 'ignore' }));
  await waitFor(() => ping(sentinelPort), 10_000, 'sentinel');

  const store = new RedisStore({
    url: 'redis://127.0.0.1',
    timeoutMs: 5000,
    sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
    sentinelName: 'sipmaster',
  });
  try {
    await store.ready(10_000);
    const params = gcraParams(1, 60_000, 2);
    const results = [
      await store.take('sentinel', params),
      await store.take('sentinel', params),
      await store.take('sentinel', params),
    ];
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, false],
    );
    // The state is on the master the sentinel named.
    const key = spawnSync(cli as string, ['-p', String(master.port), 'exists', 'sourceip:rl:sentinel'], {
      encoding: 'utf8',
    });
    assert.equal(key.stdout.trim(), '1');
  } finally {
    await store.close();
  }
});

test('Cluster: keys spread over three masters, each one limited atomically', { skip, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-cluster-'));
  const children: ChildProcess[] = [];
  t.after(async () => {
    await stop(children);
    rmSync(dir, { recursive: true, force: true });
  });
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const port of ports) {
    children.push(
      spawn(
        server as string,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      ),
    );
  }
  for (const port of ports) await waitFor(() => ping(port), 10_000, `cluster node ${port}`);
  const create = spawnSync(
    cli as string,
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(create.status, 0, create.stdout + create.stderr);
  await waitFor(
    () =>
      ports.every((port) =>
        spawnSync(cli as string, ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes(
          'cluster_state:ok',
        ),
      ),
    15_000,
    'cluster',
  );

  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  const a = new RedisStore({ url: 'redis://127.0.0.1', timeoutMs: 5000, cluster: nodes });
  const b = new RedisStore({ url: 'redis://127.0.0.1', timeoutMs: 5000, cluster: [nodes[2]!] });
  try {
    await Promise.all([a.ready(10_000), b.ready(10_000)]);
    const params = gcraParams(1, 60_000, 5);
    // 40 keys land on all three masters (16384 slots split three ways).
    for (let k = 0; k < 40; k++) {
      const calls = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).take(`key-${k}`, params));
      const admitted = (await Promise.all(calls)).filter((r) => r.allowed).length;
      assert.equal(admitted, 5, `key-${k}`);
    }
    const counts = ports.map((port) =>
      Number(spawnSync(cli as string, ['-p', String(port), 'dbsize'], { encoding: 'utf8' }).stdout.trim()),
    );
    assert.equal(
      counts.reduce((x, y) => x + y, 0),
      40,
    );
    assert.ok(
      counts.every((n) => n > 0),
      `keys per master ${counts.join(',')}`,
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
