/**
 * `sourceip whoami` as a child process: the ready line (pino JSON naming the URL, with the real
 * port for --port 0), access log lines, clean exit 0 on SIGTERM/SIGINT, exit 2 for bad flags.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getJson } from '../middleware/support.ts';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the first stdout line that matches. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exit: Promise<number | null>;
}

function start(args: readonly string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', SOURCEIP_LOG_LEVEL: '', ...env },
  });
  const lines: string[] = [];
  let errText = '';
  let partial = '';
  const waiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    partial += chunk;
    let nl = partial.indexOf('\n');
    while (nl !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      nl = partial.indexOf('\n');
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    errText += chunk;
  });
  // Every child is bounded in time: a hung child is killed and the test fails on its exit code.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exit = once(child, 'exit').then(([code]) => {
    clearTimeout(killer);
    return code as number | null;
  });
  return {
    process: child,
    lines,
    stderr: () => errText,
    exit,
    waitFor(match, timeoutMs = 10_000) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`timed out; stdout: ${lines.join('\n')}; stderr: ${errText}`));
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exit.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited early; stdout: ${lines.join('\n')}; stderr: ${errText}`));
        });
      });
    },
  };
}

function isReady(line: string): boolean {
  try {
    return String(JSON.parse(line).msg).startsWith('whoami listening on ');
  } catch {
    return false;
  }
}

test('ready line names the real port, requests are logged, SIGTERM exits 0 after draining', async () => {
  const child = start(['whoami', '--port', '0', '--trusted', '127.0.0.1', '--trusted', '::1']);
  const ready = JSON.parse(await child.waitFor(isReady));
  assert.equal(ready.level, 30);
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(ready.msg, `whoami listening on ${ready.url}`);
  assert.notEqual(ready.port, 0);

  const { json } = await getJson(ready.url, {
    path: '/?format=json',
    localAddress: '127.0.0.1',
    headers: [['X-Forwarded-For', '203.0.113.7']],
  });
  assert.equal(json.client.ip, '203.0.113.7');
  assert.deepEqual(json.trust.trusted, ['127.0.0.1', '::1']);

  const access = JSON.parse(await child.waitFor((line) => line.includes('"msg":"request"')));
  assert.equal(access.client.ip, '203.0.113.7');
  assert.equal(access.peer.ip, '127.0.0.1');
  assert.deepEqual(access.forwarded.chain, ['203.0.113.7']);
  assert.equal(access.resolve.reason, 'rightmost-untrusted');
  assert.equal(access.http.status, 200);
  assert.equal(typeof access.duration_ms, 'number');

  child.process.kill('SIGTERM');
  assert.equal(await child.exit, 0);
  assert.ok(
    child.lines.some((line) => line.includes('whoami stopped')),
    child.lines.join('\n'),
  );
  assert.equal(child.stderr(), '');
});

test('SIGINT exits 0; --listen ::1 prints a bracketed URL; comma-separated --trusted; PROXY optional', async (t) => {
  const child = start([
    'whoami',
    '--listen',
    '::1',
    '--port',
    '0',
    '--trusted',
    '::1,127.0.0.1',
    '--proxy-protocol',
    'optional',
    '--proxy-protocol-trusted',
    '10.0.0.0/8',
  ]);
  let ready: { url: string };
  try {
    ready = JSON.parse(await child.waitFor(isReady));
  } catch (error) {
    if (/not available/.test(child.stderr()) && process.env.CI !== 'true') {
      t.skip('no IPv6 loopback');
      return;
    }
    throw error;
  }
  assert.match(ready.url, /^http:\/\/\[::1\]:\d+\/$/);
  const { json } = await getJson(ready.url, { path: '/?format=json' });
  assert.equal(json.peer.ip, '::1');
  assert.deepEqual(json.trust.trusted, ['::1', '127.0.0.1']);
  assert.deepEqual(json.trust.proxyProtocol, { mode: 'optional', trusted: ['10.0.0.0/8'] });
  child.process.kill('SIGINT');
  assert.equal(await child.exit, 0);
});

test('SOURCEIP_LOG_LEVEL=warn silences the ready and access lines; SIGTERM still exits 0', async () => {
  const port = await freePort();
  const child = start(['whoami', '--port', String(port)], { SOURCEIP_LOG_LEVEL: 'warn' });
  const url = `http://127.0.0.1:${port}/`;
  let reply: Awaited<ReturnType<typeof getJson>> | undefined;
  for (let attempt = 0; attempt < 100 && reply === undefined; attempt++) {
    reply = await getJson(url, { path: '/?format=json' }).catch(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return undefined;
    });
  }
  assert.equal(reply?.status, 200);
  child.process.kill('SIGTERM');
  assert.equal(await child.exit, 0);
  assert.deepEqual(child.lines, []);
});

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

type FailCase = { name: string; args: string[]; stderr: RegExp };
const failures: FailCase[] = [
  { name: 'fail: port out of range', args: ['--port', '70000'], stderr: /invalid --port "70000"/ },
  { name: 'fail: port not a number', args: ['--port', '80a'], stderr: /invalid --port "80a"/ },
  { name: 'fail: invalid CIDR', args: ['--port', '0', '--trusted', '10.0.0.0/33'], stderr: /10\.0\.0\.0\/33/ },
  { name: 'fail: unknown semantics', args: ['--semantics', 'bogus'], stderr: /bogus/ },
  { name: 'fail: unknown PROXY mode', args: ['--proxy-protocol', 'maybe'], stderr: /maybe/ },
  {
    name: 'fail: PROXY protocol without the trusted senders',
    args: ['--proxy-protocol', 'required'],
    stderr: /--proxy-protocol required needs --proxy-protocol-trusted/,
  },
  {
    name: 'fail: PROXY senders without PROXY protocol',
    args: ['--proxy-protocol-trusted', '127.0.0.1'],
    stderr: /--proxy-protocol-trusted has no effect/,
  },
  { name: 'fail: trust-all outside express semantics', args: ['--trust-all'], stderr: /trustAll/ },
  { name: 'fail: bad log level', args: ['--log-level', 'loud'], stderr: /loud/ },
  {
    name: 'fail: listen address not on this host',
    args: ['--listen', '192.0.2.1', '--port', '0'],
    stderr: /cannot listen on 192\.0\.2\.1:0/,
  },
];
for (const c of failures) {
  test(`${c.name}: exit 2 with one message line`, async () => {
    const child = start(['whoami', ...c.args]);
    assert.equal(await child.exit, 2);
    assert.match(child.stderr(), c.stderr);
    assert.ok(!child.stderr().includes('    at '), `stack trace on stderr: ${child.stderr()}`);
  });
}

test('fail: port already in use: exit 2, "address already in use"', async () => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const { port } = blocker.address() as { port: number };
  try {
    const child = start(['whoami', '--port', String(port)]);
    assert.equal(await child.exit, 2);
    assert.match(child.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
  } finally {
    blocker.close();
  }
});
