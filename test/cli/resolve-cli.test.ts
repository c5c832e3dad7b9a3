import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));

function run(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
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
    child.stdin.end(stdin);
  });
}

const req = (o: Record<string, unknown>) => JSON.stringify(o);

test('--jsonl: one answer line per input line, in order, with errors in place', async () => {
  const lines = [
    req({
      peer: '127.0.0.5',
      headers: [['X-Forwarded-For', '1.2.3.4, 10.0.0.2']],
      trusted: ['10.0.0.0/8', 'loopback'],
    }),
    '',
    '{not json',
    req({ peer: '127.0.0.5', trusted: ['10.0.0.0/33'] }),
    req({ headers: [] }),
    `${req({ peer: '9.9.9.9', headers: [['X-Forwarded-For', '6.6.6.6']], trusted: ['loopback'] })}\r`,
    req({ peer: '127.0.0.1', headers: [['X-Forwarded-For', 'nope, 10.0.0.2']], trusted: ['10.0.0.0/8', 'loopback'] }),
    `{"peer":"${'1'.repeat(1_100_000)}"}`,
    req({
      peer: '10.0.0.9',
      headers: [
        ['X-Forwarded-For', '1.1.1.1'],
        ['x-forwarded-for', '[2001:db8::1]:4711'],
      ],
      trusted: ['10.0.0.0/8'],
    }),
    req({ peer: '9.9.9.9', peerPort: 70000 }),
    req({ peer: '9.9.9.9', peerPort: 5555, semantics: 'strict', trusted: ['10.0.0.0/8'] }),
  ];
  const { code, stdout } = await run(['resolve', '--jsonl'], lines.join('\n')); // no trailing newline
  assert.equal(code, 0);
  const answers = stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(answers.length, lines.length);
  assert.deepEqual(
    answers.map((a) => ('error' in a ? `error:${String(a.error).slice(0, 20)}` : `${a.client}|${a.port}|${a.reason}`)),
    [
      '1.2.3.4|null|rightmost-untrusted',
      'error:empty line',
      'error:not valid JSON',
      'error:invalid CIDR "10.0.0',
      'error:missing "peer" (an I',
      '9.9.9.9|null|untrusted-peer',
      'null|null|invalid-entry',
      'error:line longer than 104',
      '2001:db8::1|4711|rightmost-untrusted',
      'error:"peerPort" must be a',
      '9.9.9.9|5555|untrusted-peer',
    ],
  );
  assert.deepEqual(Object.keys(answers[0]), ['client', 'port', 'reason', 'trace']);
  assert.equal(answers[0].trace.at(-1).verdict, 'client');
});

test('--jsonl: thousands of lines stay 1:1 and ordered', async () => {
  const n = 3000;
  const input = Array.from({ length: n }, (_, i) =>
    req({ peer: '10.0.0.1', headers: [['X-Forwarded-For', `198.51.${i >> 8}.${i & 255}`]], trusted: ['10.0.0.0/8'] }),
  ).join('\n');
  const { stdout } = await run(['resolve', '--jsonl'], `${input}\n`);
  const answers = stdout.trimEnd().split('\n');
  assert.equal(answers.length, n);
  for (let i = 0; i < n; i += 499) assert.equal(JSON.parse(answers[i]!).client, `198.51.${i >> 8}.${i & 255}`);
});

test('one-shot: human output, --json, exit codes', async () => {
  const ok = await run([
    'resolve',
    '--peer',
    '10.0.0.5',
    '--header',
    'X-Forwarded-For: 1.2.3.4, 10.0.0.2',
    '--trusted',
    '10.0.0.0/8',
    '--explain',
  ]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^client {2}1\.2\.3\.4$/m);
  assert.match(ok.stdout, /X-Forwarded-For line 0 entry 1 +10\.0\.0\.2 +trusted range 10\.0\.0\.0\/8/);
  const refused = await run([
    'resolve',
    '--peer',
    '10.0.0.5',
    '--header',
    'X-Forwarded-For: 10.0.0.3',
    '--trusted',
    '10.0.0.0/8',
    '--json',
  ]);
  assert.equal(refused.code, 1);
  const json = JSON.parse(refused.stdout);
  assert.deepEqual([json.client, json.reason], [null, 'all-trusted']);
  const bad = await run(['resolve', '--peer', '10.0.0.5', '--trusted', '10.0.0.0/33']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid CIDR "10\.0\.0\.0\/33"/);
  const noPeer = await run(['resolve']);
  assert.equal(noPeer.code, 2);
});
