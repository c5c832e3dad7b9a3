import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { close, listen } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));

function run(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

test('decode --jsonl: the contract, one line per input line, in order', async () => {
  const input = [
    '{"hex":"0d0a0d0a000d0a515549540a2111000ccb007107c612000ac82201bb"}',
    '{"hex":"0D0A0D0A000D0A515549540A2111000CCB007107C612000AC82201BB474554"}',
    '{"hex":"50524f5859205443503620323030313a3064623a3a3720323030313a6462383a3a3120353132333420343433"}',
    '{"hex":"50524f585920554e4b4e4f574e0d0a"}',
    '{"hex":"0d0a0d0a000d0a515549540a20000000"}',
    '{"hex":"474554202f"}',
    '{"hex":"50524f585920544350342030312e322e332e3420312e322e332e3420312032"}',
    '{"hex":"0d0a0d0a000d0a515549540a213100d8"}',
    'not json',
    '{"hex":"abc"}',
    '{"hex":"zz"}',
    '{"nothex":1}',
    '',
    '{"hex":"0d0a0d0a000d0a515549540a2111001d4b0000014b000002000100020500022a2a200009010000000021000154"}',
  ].join('\n');
  const r = await run(['proxy-protocol', 'decode', '--jsonl'], `${input}\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    '{"status":"ok","version":2,"command":"PROXY","family":"TCP4","source":"203.0.113.7","sourcePort":51234,"destination":"198.18.0.10","destinationPort":443,"headerLength":28,"tlvs":[]}',
    '{"status":"ok","version":2,"command":"PROXY","family":"TCP4","source":"203.0.113.7","sourcePort":51234,"destination":"198.18.0.10","destinationPort":443,"headerLength":28,"tlvs":[]}',
    '{"status":"incomplete"}',
    '{"status":"ok","version":1,"command":"PROXY","family":"UNKNOWN","headerLength":15,"tlvs":[]}',
    '{"status":"ok","version":2,"command":"LOCAL","family":"UNSPEC","headerLength":16,"tlvs":[]}',
    '{"status":"absent"}',
    '{"status":"invalid","reason":"v1-bad-address"}',
    '{"status":"incomplete"}',
    '{"error":"not valid JSON"}',
    '{"error":"hex has an odd number of digits"}',
    '{"error":"not a hex digit at offset 0"}',
    '{"error":"expected an object with a \\"hex\\" string"}',
    '{"status":"ok","version":2,"command":"PROXY","family":"TCP4","source":"75.0.0.1","sourcePort":1,"destination":"75.0.0.2","destinationPort":2,"headerLength":45,"tlvs":[{"type":5,"hex":"2a2a"},{"type":32,"hex":"010000000021000154"}],"ssl":{"client":1,"verify":0,"subtlvs":[{"type":33,"hex":"54"}]}}',
  ]);
});

test('decode --jsonl: TCP6 printed RFC 5952, UNIX paths without trailing NULs', async () => {
  const enc = await run([
    'proxy-protocol',
    'encode',
    '--version',
    '2',
    '--source',
    '[2001:DB8:0:0:0:0:0:7]:1',
    '--destination',
    '[::1]:2',
  ]);
  const unix = await run([
    'proxy-protocol',
    'encode',
    '--version',
    '2',
    '--family',
    'UNIX',
    '--source',
    '/run/a.sock',
    '--destination',
    '/b',
  ]);
  const r = await run(
    ['proxy-protocol', 'decode', '--jsonl'],
    `{"hex":"${enc.stdout.trim()}"}\n{"hex":"${unix.stdout.trim()}"}\n`,
  );
  const [v6, u] = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(v6.family, 'TCP6');
  assert.equal(v6.source, '2001:db8::7');
  assert.equal(v6.destination, '::1');
  assert.deepEqual(u, {
    status: 'ok',
    version: 2,
    command: 'PROXY',
    family: 'UNIX',
    source: '/run/a.sock',
    destination: '/b',
    headerLength: 232,
    tlvs: [],
  });
});

test('encode: v1 and v2 hex, TLVs, CRC32C; bad flags exit 2 with one line', async () => {
  const v1 = await run([
    'proxy-protocol',
    'encode',
    '--version',
    '1',
    '--source',
    '203.0.113.7:51234',
    '--destination',
    '198.18.0.10:443',
  ]);
  assert.equal(Buffer.from(v1.stdout.trim(), 'hex').toString(), 'PROXY TCP4 203.0.113.7 198.18.0.10 51234 443\r\n');
  const v2 = await run([
    'proxy-protocol',
    'encode',
    '--version',
    '2',
    '--source',
    '203.0.113.7:51234',
    '--destination',
    '198.18.0.10:443',
    '--tlv',
    '0x02=6578616d706c65',
    '--crc32c',
  ]);
  const back = await run(['proxy-protocol', 'decode', v2.stdout.trim()]);
  const j = JSON.parse(back.stdout);
  assert.deepEqual(
    j.tlvs.map((t: { type: number }) => t.type),
    [2, 3],
  );
  const bad = await run(['proxy-protocol', 'encode', '--version', '2', '--source', 'nope', '--destination', '1.2.3.4']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^sourceip: encode: --source is not an IP address/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const remote = await run([
    'proxy-protocol',
    'encode',
    '--version',
    '1',
    '--source',
    '1.2.3.4',
    '--destination',
    '1.2.3.4',
    '--send',
    '192.0.2.1:80',
  ]);
  assert.equal(remote.code, 2);
  const version = await run(['--version']);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});

test('encode --send: header and request reach a loopback server, the reply is printed', async () => {
  let got = '';
  const server = net.createServer((s) => {
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) s.end('HTTP/1.1 204 No Content\r\n\r\n');
    });
  });
  const port = await listen(server);
  try {
    const r = await run([
      'proxy-protocol',
      'encode',
      '--version',
      '1',
      '--source',
      '203.0.113.7:1',
      '--destination',
      '127.0.0.1:2',
      '--send',
      `127.0.0.1:${port}`,
      '--request',
      'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(got, 'PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(r.stdout, /^HTTP\/1\.1 204/);
  } finally {
    await close(server);
  }
});
