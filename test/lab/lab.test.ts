/**
 * Runs the whole lab (`node lab/run.ts`) as `npm run lab` does and checks that every scenario row
 * matches the guide, that the host's iptables, routes, links and forwarding sysctls are exactly as
 * before, and that nothing of the run is left. Needs root, `ip` and `iptables` (plus nginx and
 * HAProxy): with CI=true a missing one fails, otherwise the test is skipped with the reason.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requireProgram } from '../support/programs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function prerequisites(): string | null {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const name of ['ip', 'iptables', 'nginx', 'haproxy']) {
    const found = spawnSync('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name}`], { stdio: 'ignore' });
    if (found.status !== 0) missing.push(name);
  }
  if (missing.length === 0) return null;
  const reason = `the lab needs ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (required in CI)`);
  return reason;
}

const skip = prerequisites();
if (skip === null) {
  // Fails (CI) or skips (elsewhere) the same way the other external-program tests do.
  for (const name of ['nginx', 'haproxy']) requireProgram(name);
}

/** The host's network state that the lab must not touch (counters and timestamps removed). */
function hostSnapshot(): string {
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${cmd} ${args.join(' ')}\n${r.stdout ?? ''}`;
  };
  const strip = (text: string) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, ''))
      .join('\n');
  return [
    strip(run('iptables-save', [])),
    strip(run('ip6tables-save', [])),
    run('ip', ['route', 'show', 'table', 'all']),
    run('ip', ['-6', 'route', 'show', 'table', 'all']),
    run('ip', ['-o', 'link', 'show']).replace(/ +link\/.*$/gm, ''),
    run('ip', ['-o', 'addr', 'show']).replace(/valid_lft.*$/gm, ''),
    run('sysctl', ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding']),
  ].join('\n');
}

function labNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('siplab-'));
}

function runLab(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; pid: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'lab', 'run.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM'); // the lab tears down on SIGTERM
      reject(new Error(`lab did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, pid: child.pid ?? -1, stdout, stderr });
    });
  });
}

test('npm run lab: every scenario matches the guide, the host is untouched, nothing is left', {
  skip: skip ?? false,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'sourceip-lab-'));
  try {
    const before = hostSnapshot();
    const started = Date.now();
    const r = await runLab(['--out', out], 170_000);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 0, `lab failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(seconds < 180, `the lab took ${seconds} s (budget: 3 minutes)`);
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    for (let id = 1; id <= 9; id++) {
      assert.match(report, new RegExp(`^\\| ${id} \\|.*\\| ✅ ok \\|$`, 'm'), `scenario ${id} has a passing row`);
    }
    assert.doesNotMatch(report, /MISMATCH|ERROR/);
    assert.equal(hostSnapshot(), before, "the host's iptables, routes, links or sysctls changed");
    assert.deepEqual(
      labNamespaces().filter((n) => n.startsWith(`siplab-${r.pid}-`)),
      [],
      'namespaces left behind',
    );
    assert.equal(existsSync(join(ROOT, 'lab', 'out', `state-${r.pid}.json`)), false, 'state file left behind');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('lab --clean removes what a crashed run left (namespaces and its state file)', {
  skip: skip ?? false,
}, async () => {
  const out = mkdtempSync(join(tmpdir(), 'sourceip-lab-'));
  // A run id that can never be a live process (above any pid_max).
  const crashed = 2_000_000_000 + (process.pid % 1000);
  const ns = `siplab-${crashed}-node1`;
  const stateDir = join(ROOT, 'lab', 'out');
  const statePath = join(stateDir, `state-${crashed}.json`);
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    // State files live in lab/out whatever --out says (so a run of the test finds a crashed one's).
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(
      statePath,
      JSON.stringify({ runPid: crashed, namespaces: [ns], processes: [{ pid: 1, marker: 'not-init', name: 'x' }] }),
    );
    const r = await runLab(['--clean', '--out', out], 30_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cleaned 1 earlier run\(s\): 0 process\(es\), 1 namespace\(s\)/);
    assert.equal(labNamespaces().includes(ns), false);
    assert.equal(existsSync(statePath), false);
  } finally {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    rmSync(statePath, { force: true });
    rmSync(out, { recursive: true, force: true });
  }
});
