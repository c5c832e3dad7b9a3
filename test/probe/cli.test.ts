/**
 * `sourceip probe` as a user runs it: a child process against whoami on loopback. Exit codes
 * 0 / 1 / 2, text and JSON, no colour when stdout is not a TTY, one stderr line per error.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startWhoami } from '../../src/whoami/server.ts';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'probe', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

test('exit 0 and a verdict table when nothing is spoofable', async (t) => {
  const whoami = await startWhoami({ port: 0 });
  t.after(() => whoami.close());
  const result = await run([whoami.url, '--source-address', '127.0.0.2', '--proxy-protocol', 'v2']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.match(result.stdout, /^check +sent +app saw +verdict$/m);
  assert.match(result.stdout, /^baseline +- +127\.0\.0\.2 +preserved$/m);
  // Node's HTTP server answers the PROXY bytes with 400 and closes at once: depending on timing the
  // probe reads the 400 or only the reset. Both are the same verdict (docs/probe.md).
  assert.match(
    result.stdout,
    /^proxy-protocol-v2 +PROXY v2 198\.1[89]\.\d+\.\d+:40001 → 127\.0\.0\.1:\d+ +\((HTTP 400|no answer)\) +refused$/m,
  );
  assert.match(result.stdout, /client address preserved; no forged address accepted \(0 findings\)\n$/);
  assert.ok(!result.stdout.includes('\x1b'), 'no colour when stdout is not a TTY');
});

test('exit 1 and JSON when the app trusts loopback (spoofable from here)', async (t) => {
  const whoami = await startWhoami({ port: 0, trusted: ['loopback'] });
  t.after(() => whoami.close());
  const result = await run([whoami.url, '--source-address', '127.0.0.3', '--format', 'json', '--timeout', '2s']);
  assert.equal(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout) as {
    spoofable: boolean;
    preserved: boolean;
    expectedClient: string;
    exitCode: number;
    checks: Array<{ id: string; verdict: string }>;
  };
  assert.equal(report.spoofable, true);
  assert.equal(report.preserved, true);
  assert.equal(report.expectedClient, '127.0.0.3');
  assert.equal(report.exitCode, 1);
  assert.deepEqual(
    report.checks.filter((c) => c.verdict === 'spoofable').map((c) => c.id),
    ['xff-single', 'xff-two-entries', 'xff-two-lines', 'xff-ipv6'],
  );
});

test('exit 1 when --expect-client is not what the app sees', async (t) => {
  const whoami = await startWhoami({ port: 0 });
  t.after(() => whoami.close());
  const result = await run([whoami.url, '--expect-client', '203.0.113.9']);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^baseline +- +127\.0\.0\.1 +not-preserved$/m);
  assert.match(result.stdout, /client address NOT preserved/);
});

test('exit 2 with one stderr line: unreachable, bad flags, no echo', async () => {
  const free = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
  const cases: Array<[string[], RegExp]> = [
    [
      [`http://127.0.0.1:${free}/`],
      /^sourceip: cannot reach http:\/\/127\.0\.0\.1:\d+\/ \(127\.0\.0\.1:\d+\): .*ECONNREFUSED/,
    ],
    [['http://127.0.0.1:1/', '--timeout', 'soon'], /^sourceip: invalid --timeout "soon": 1ms to 120s$/],
    [['http://127.0.0.1:1/', '--expect-client', 'me'], /^sourceip: invalid --expect-client "me": an IP address$/],
    [['http://127.0.0.1:1/', '--client-field', 'origin'], /^sourceip: invalid --client-field "origin": a JSON pointer/],
    [['gopher://127.0.0.1/'], /^sourceip: unsupported URL scheme "gopher:"/],
  ];
  for (const [args, pattern] of cases) {
    const result = await run(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stdout, '', args.join(' '));
    assert.match(result.stderr.trimEnd(), pattern);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line: ${result.stderr}`);
  }
  // commander's own choice check (followed by the command's help, as for every command).
  const choice = await run(['http://127.0.0.1:1/', '--proxy-protocol', 'v3']);
  assert.equal(choice.code, 2);
  assert.match(choice.stderr, /argument 'v3' is invalid\. Allowed choices are v1, v2/);
});
