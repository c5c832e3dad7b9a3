/**
 * Reload and drain under load, against a real `sourceip gateway` child process:
 * - a bounded load loop (count AND time) runs on keep-alive connections the whole time;
 * - SIGHUP with a valid config: new connections use the new config, an open connection keeps its own;
 * - a storm of 10 SIGHUPs under load: no request fails, the last file written wins;
 * - SIGHUP with an invalid config: nothing changes, the log says why;
 * - SIGTERM while slow requests are in flight: readiness fails, those requests complete, the process exits 0.
 * Only requests started after SIGTERM may fail (refused once the drain began).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { freePort } from '../gateway/external.ts';
import { get, type Outcome, spawnGateway, startUpstream, waitUntil } from './support.ts';

const LOAD_MAX_REQUESTS = 4000;
const LOAD_MAX_MS = 20_000;
const WORKERS = 8;

function config(upstreamPort: number, extra = ''): string {
  return `listeners:
  - name: public
    host: 127.0.0.1
    port: 0
    trust: edge
trustProfiles:
  - name: edge
    trusted: [127.0.0.1]
upstreams:
  - name: app
    targets: 127.0.0.1:${upstreamPort}
routes:
  - name: default
    upstream: app
admin: { host: 127.0.0.1, port: 0 }
drainTimeoutMs: 8s
${extra}`;
}

test('reload (valid, then invalid) and drain under load: no failed or lost request', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-reload-'));
  const upstreamA = await startUpstream('A');
  const upstreamB = await startUpstream('B');
  const file = join(dir, 'sourceip.yaml');
  writeFileSync(file, config(upstreamA.port));
  const gateway = await spawnGateway(file);
  const agents: Agent[] = [];
  t.after(async () => {
    gateway.kill();
    for (const agent of agents) agent.destroy();
    await upstreamA.close();
    await upstreamB.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = gateway.port('public');
  const adminPort = gateway.port('admin');

  // The load loop: WORKERS keep-alive connections, bounded by count and by time.
  let drainBeganAt = Number.POSITIVE_INFINITY;
  let stop = false;
  const results: Outcome[] = [];
  const loopStarted = performance.now();
  const worker = async (): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    while (!stop && results.length < LOAD_MAX_REQUESTS && performance.now() - loopStarted < LOAD_MAX_MS) {
      const outcome = await get(port, '/fast', { agent });
      results.push(outcome);
      // Once the gateway refuses, stop hammering (every later attempt would be refused too).
      if (!outcome.ok && outcome.startedAt >= drainBeganAt) break;
    }
  };
  const load = Promise.all(Array.from({ length: WORKERS }, worker));

  // An open keep-alive connection that must keep the config it was accepted with.
  const sticky = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(sticky);
  const before = await get(port, '/', { agent: sticky });
  assert.equal(before.body, 'A\n');

  // 1. Valid reload: route to upstream B.
  await waitUntil(() => results.length >= 200, 10_000, 'load loop running');
  writeFileSync(file, config(upstreamB.port));
  gateway.child.kill('SIGHUP');
  await gateway.waitForLog((line) => line.msg === 'config reloaded' && line.generation === 2);
  assert.equal((await get(port, '/')).body, 'B\n', 'a new connection uses the new config');
  assert.equal(
    (await get(port, '/', { agent: sticky })).body,
    'A\n',
    'an open connection keeps the config it started with',
  );

  // A reload storm under load: 10 SIGHUPs 30 ms apart, alternating upstreams, ending on B.
  const reloadsBefore = gateway.lines.filter((line) => line.msg === 'config reloaded').length;
  for (let i = 0; i < 10; i++) {
    writeFileSync(file, config(i % 2 === 0 ? upstreamA.port : upstreamB.port));
    gateway.child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await gateway.waitForLog(
    (line) =>
      line.msg === 'config reloaded' &&
      gateway.lines.filter((l) => l.msg === 'config reloaded').length > reloadsBefore + 1 &&
      (line.generation as number) > 2,
  );
  await waitUntil(
    () => gateway.lines.filter((l) => l.msg === 'reloading config').length >= 11,
    10_000,
    'every SIGHUP seen',
  );
  // The last reload finished: a reload outcome logged after the last SIGHUP was seen.
  await waitUntil(
    () => {
      const lastHup = gateway.lines.findLastIndex((l) => l.msg === 'reloading config');
      const lastDone = gateway.lines.findLastIndex(
        (l) => l.msg === 'config reloaded' || l.msg === 'config reload failed; keeping the running config',
      );
      return lastDone > lastHup;
    },
    10_000,
    'the reload after the last SIGHUP',
  );
  assert.equal((await get(port, '/')).body, 'B\n', 'the last file written wins');

  // 2. Invalid reload: the running config stays, and the log names the key and line.
  const atInvalid = results.length;
  writeFileSync(file, config(upstreamA.port).replace('port: 0', 'port: "zero"'));
  gateway.child.kill('SIGHUP');
  const failure = await gateway.waitForLog((line) => line.msg === 'config reload failed; keeping the running config');
  assert.match(String((failure.errors as string[])[0]), /sourceip\.yaml:4 listeners\[0\]\.port: must be a number/);
  assert.equal((await get(port, '/')).body, 'B\n', 'still the last valid config');
  await waitUntil(() => results.length >= atInvalid + 200, 10_000, 'load continues after the invalid reload');

  const metrics = (await get(adminPort, '/metrics')).body;
  assert.match(metrics, /sourceip_config_reloads_total\{result="success"\} ([3-9]|1[0-2])\n/);
  assert.match(metrics, /sourceip_config_reloads_total\{result="failure"\} 1/);

  // 3. Drain: slow requests in flight when SIGTERM lands must complete.
  const slow = [1, 2, 3].map(() => get(port, '/slow?ms=1500'));
  await waitUntil(() => upstreamB.slowInFlight() === 3, 10_000, 'slow requests reached the upstream');
  assert.equal((await get(adminPort, '/readyz')).status, 200);
  drainBeganAt = performance.now();
  gateway.child.kill('SIGTERM');
  await gateway.waitForLog((line) => line.msg === 'draining');
  const readyz = await get(adminPort, '/readyz');
  assert.equal(readyz.status, 503, 'readiness fails while draining');
  assert.equal(readyz.body, 'draining\n');
  const refusedNew = await get(port, '/');
  assert.equal(refusedNew.ok, false, 'a new connection is refused once the drain began');

  const slowResults = await Promise.all(slow);
  const exit = await gateway.exited;
  stop = true;
  await load;

  const failedBeforeDrain = results.filter((r) => !r.ok && r.startedAt < drainBeganAt);
  const refusedAfterDrain = results.filter((r) => !r.ok && r.startedAt >= drainBeganAt);
  const completed = results.filter((r) => r.ok).length;
  t.diagnostic(
    `load: ${results.length} requests in ${Math.round(performance.now() - loopStarted)} ms, ${completed} ok, ` +
      `${failedBeforeDrain.length} failed before drain, ${refusedAfterDrain.length} refused after drain began ` +
      `(${[...new Set(refusedAfterDrain.map((r) => r.error || r.status))].join(', ')}); slow in flight at SIGTERM: ${slowResults.length}`,
  );
  assert.deepEqual(
    failedBeforeDrain.map((r) => r.error || r.status),
    [],
    'no request started before the drain failed',
  );
  assert.ok(completed >= 400, `the load loop ran (${completed} ok)`);
  for (const r of slowResults) {
    assert.equal(r.status, 200, `in-flight request completed (${r.error})`);
    assert.equal(r.body, 'B\n');
    assert.equal(r.headers.connection, 'close', 'answered with Connection: close while draining');
  }
  assert.deepEqual(exit, { code: 0, signal: null }, `exit 0 after the drain; stderr: ${gateway.stderr()}`);
  const stopped = gateway.lines.find((line) => line.msg === 'stopped');
  assert.equal(stopped?.cut, false, 'the drain finished before the deadline');
});

test('fail: SIGTERM with a request slower than drainTimeoutMs cuts it at the deadline and still exits 0', {
  timeout: 30_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-drain-'));
  const upstream = await startUpstream('A');
  const file = join(dir, 'sourceip.yaml');
  writeFileSync(file, config(upstream.port).replace('drainTimeoutMs: 8s', 'drainTimeoutMs: 300ms'));
  const gateway = await spawnGateway(file);
  t.after(async () => {
    gateway.kill();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const slow = get(gateway.port('public'), '/slow?ms=5000');
  await waitUntil(() => upstream.slowInFlight() === 1, 10_000, 'slow request reached the upstream');
  const started = performance.now();
  gateway.child.kill('SIGTERM');
  const exit = await gateway.exited;
  const elapsed = performance.now() - started;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(elapsed < 3000, `exited at the deadline, not after the upstream (${Math.round(elapsed)} ms)`);
  assert.equal((await slow).ok, false, 'the request past the deadline was cut');
  assert.equal(gateway.lines.find((line) => line.msg === 'stopped')?.cut, true);
});

test('reload adds, rebinds and removes listeners', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-listeners-'));
  const upstream = await startUpstream('A');
  const file = join(dir, 'sourceip.yaml');
  writeFileSync(file, config(upstream.port));
  const gateway = await spawnGateway(file);
  t.after(async () => {
    gateway.kill();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const firstPort = gateway.port('public');
  // Add "internal"; change "public" (PROXY timeout: a new socket); keep the trust change socket-free.
  writeFileSync(
    file,
    config(upstream.port).replace(
      '    trust: edge\n',
      '    trust: edge\n    proxyProtocol: { mode: off, timeoutMs: 1s }\n  - name: internal\n    host: 127.0.0.1\n    port: 0\n',
    ),
  );
  gateway.child.kill('SIGHUP');
  const reloaded = await gateway.waitForLog((line) => line.msg === 'config reloaded');
  assert.deepEqual([reloaded.added, reloaded.rebound, reloaded.removed], [['internal'], ['public'], []]);
  const internalPort = gateway.port('internal');
  const publicPort = gateway.port('public');
  assert.notEqual(publicPort, firstPort, 'port 0 rebinds to a new port');
  assert.equal((await get(internalPort, '/')).body, 'A\n');
  assert.equal((await get(publicPort, '/')).body, 'A\n');
  assert.equal((await get(firstPort, '/')).ok, false, 'the old socket of the rebound listener is closed');

  writeFileSync(file, config(upstream.port));
  gateway.child.kill('SIGHUP');
  const second = await gateway.waitForLog((line) => line.msg === 'config reloaded' && line.generation === 3);
  assert.deepEqual(second.removed, ['internal']);
  assert.equal((await get(internalPort, '/')).ok, false, 'a removed listener stops accepting');
  gateway.child.kill('SIGTERM');
  assert.deepEqual(await gateway.exited, { code: 0, signal: null });
});

test('reload rebinds a changed listener on the same port', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-samesport-'));
  const upstream = await startUpstream('A');
  const fixed = await freePort();
  const file = join(dir, 'sourceip.yaml');
  const withTimeout = (timeout: string) =>
    config(upstream.port).replace(
      '    port: 0\n    trust: edge',
      `    port: ${fixed}\n    trust: edge\n    proxyProtocol: { mode: off, timeoutMs: ${timeout} }`,
    );
  writeFileSync(file, withTimeout('1s'));
  const gateway = await spawnGateway(file);
  t.after(async () => {
    gateway.kill();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal((await get(fixed, '/')).body, 'A\n');
  writeFileSync(file, withTimeout('2s'));
  gateway.child.kill('SIGHUP');
  const reloaded = await gateway.waitForLog((line) => line.msg === 'config reloaded');
  assert.deepEqual(reloaded.rebound, ['public']);
  assert.equal(gateway.port('public'), fixed);
  assert.equal((await get(fixed, '/')).body, 'A\n', 'the new socket serves the same port');
  gateway.child.kill('SIGTERM');
  assert.deepEqual(await gateway.exited, { code: 0, signal: null });
});
