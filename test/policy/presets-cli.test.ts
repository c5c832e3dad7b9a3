/**
 * `sourceip presets list|refresh` through the real CLI: exit codes, JSON shape, one-line errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  delete clean.SOURCEIP_PRESETS_DIR;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...clean, ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('presets list: JSON rows, exit 1 while a shipped list is stale or a header client-settable', () => {
  const r = run(['presets', 'list', '--format', 'json']);
  assert.equal(r.code, 1);
  const rows = JSON.parse(r.stdout) as { name: string; header: string; ranges: number; warnings: string[] }[];
  assert.deepEqual(
    rows.map((row) => [row.name, row.header]),
    [
      ['cloudflare', 'CF-Connecting-IP'],
      ['cloudfront', 'CloudFront-Viewer-Address'],
      ['fastly', 'Fastly-Client-IP'],
      ['akamai', 'True-Client-IP'],
    ],
  );
  assert.ok(rows.find((row) => row.name === 'akamai')!.warnings.some((w) => w.includes('client-settable')));
});

test('presets refresh: writes the data dir; list then reads it; a bad entry exits 2 with one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-presets-cli-'));
  try {
    const input = join(dir, 'akamai-origin-ip-acl.txt');
    writeFileSync(input, '23.32.0.0/11\n2600:1400::/24\n');
    const ok = run(['presets', 'refresh', '--preset', 'akamai', '--data-dir', dir, '--date', '2026-11-20', input]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /akamai: 2 ranges \(2 added, 0 removed\), taken 2026-11-20/);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'akamai.json'), 'utf8')).ranges, [
      '23.32.0.0/11',
      '2600:1400::/24',
    ]);
    const listed = run(['presets', 'list', '--format', 'json'], { SOURCEIP_PRESETS_DIR: dir });
    const akamai = (JSON.parse(listed.stdout) as { name: string; ranges: number }[]).find(
      (row) => row.name === 'akamai',
    )!;
    assert.equal(akamai.ranges, 2);

    writeFileSync(input, '23.32.0.0/11\n23.32.0.1/11\n');
    const bad = run(['presets', 'refresh', '--preset', 'akamai', '--data-dir', dir, input]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /akamai-origin-ip-acl\.txt:2: .*host bits/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    assert.deepEqual(
      JSON.parse(readFileSync(join(dir, 'akamai.json'), 'utf8')).ranges.length,
      2,
      'unchanged after a failure',
    );

    const usage = run(['presets', 'refresh', '--preset', 'nope', input]);
    assert.equal(usage.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
