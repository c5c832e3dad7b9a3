/**
 * The CLI edges of the config: `sourceip config check` (exit 0/2, one line per error naming key and
 * file:line), `sourceip config import` (stdout is a valid config, warnings on stderr), and
 * `sourceip gateway` refusing an invalid config or a busy port with exit 2 and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const key of Object.keys(clean)) if (key.startsWith('SOURCEIP_') && !(key in env)) delete clean[key];
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: clean, timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'sourceip-cli-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('config check: a valid file exits 0', () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(
    file,
    'listeners: [{ name: public, port: 8080 }]\nupstreams: [{ name: app, targets: 127.0.0.1:1 }]\nroutes: [{ name: r, upstream: app }]\n',
  );
  const result = run(['config', 'check', file]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `${file}: valid\n`);
});

test('fail: config check names key and file:line, one line per error, exit 2', () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'listeners:\n  - name: public\n    port: 8080\n    trust: nowhere\nupstreams: [{ name: app, targets: 127.0.0.1:1 }]\nroutes:\n  - name: r\n    upstream: app\n    pathPrefix: api\n',
  );
  const result = run(['config', 'check', file]);
  assert.equal(result.status, 2);
  assert.equal(result.stderr, `error: ${file}:9 routes[0].pathPrefix: must start with "/"\n`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

test('config check --format json reports errors as data', () => {
  const file = join(dir, 'bad2.yaml');
  writeFileSync(
    file,
    'listeners: [{ name: public, port: 8080, colour: red }]\nupstreams: [{ name: app, targets: 127.0.0.1:1 }]\nroutes: [{ name: r, upstream: app }]\n',
  );
  const result = run(['config', 'check', '--format', 'json', file]);
  assert.equal(result.status, 2);
  const report = JSON.parse(result.stdout) as {
    valid: boolean;
    errors: Array<{ key: string; line: number; code: string }>;
  };
  assert.equal(report.valid, false);
  assert.deepEqual(
    report.errors.map((e) => [e.code, e.key, e.line]),
    [['SIP_ERR_CONFIG', 'listeners[0].colour', 1]],
  );
});

test('config check without a file uses SOURCEIP_CONFIG, then the embedded defaults', () => {
  assert.match(run(['config', 'check'], { SOURCEIP_CONFIG: join(dir, 'ok.yaml') }).stdout, /ok\.yaml: valid/);
  const embedded = spawnSync(process.execPath, [BIN, 'config', 'check'], {
    encoding: 'utf8',
    cwd: dir,
    env: { PATH: process.env.PATH },
  });
  assert.equal(embedded.status, 0);
  assert.match(embedded.stdout, /<embedded defaults>: valid|\/etc\/sourceip\/config\.yaml/);
});

test('config import --from ingress-nginx: valid YAML on stdout, the implicit 0.0.0.0/0 warned on stderr', () => {
  const file = join(dir, 'configmap.yaml');
  writeFileSync(
    file,
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\ndata:\n  use-forwarded-headers: "true"\n  compute-full-forwarded-for: "true"\n',
  );
  const result = run([
    'config',
    'import',
    '--from',
    'ingress-nginx',
    '--listen',
    '127.0.0.1:18080',
    '--upstream',
    '127.0.0.1:18081',
    file,
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(
    result.stderr,
    /^warning: proxy-real-ip-cidr is unset, so ingress-nginx trusts the implicit 0\.0\.0\.0\/0/m,
  );
  assert.match(result.stdout, /# What sourceip recommends instead:/);
  const imported = join(dir, 'imported.yaml');
  writeFileSync(imported, result.stdout);
  const check = run(['config', 'check', imported]);
  assert.equal(check.status, 0, check.stderr);
  const shown = run(['config', 'show', imported]);
  assert.match(shown.stdout, /semantics: nginx/);
  assert.match(shown.stdout, /port: 18080/);
  assert.match(shown.stdout, /- 127\.0\.0\.1:18081/);
});

test('config import --from kong reads an env file', () => {
  const file = join(dir, 'kong.env');
  writeFileSync(
    file,
    'KONG_TRUSTED_IPS=0.0.0.0/0,::/0\nKONG_REAL_IP_HEADER=X-Forwarded-For\nKONG_PROXY_LISTEN=0.0.0.0:8000\n',
  );
  const result = run(['config', 'import', '--from', 'kong', file]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /KONG_TRUSTED_IPS=0\.0\.0\.0\/0,::\/0 trusts every peer/);
  assert.match(result.stdout, /name: kong\n\s+semantics: nginx/);
});

test('fail: config import of an unreadable file, an unknown seed or a bad --upstream exits 2', () => {
  assert.match(
    run(['config', 'import', '--from', 'kong', '--upstream', 'nohost', join(dir, 'kong.env')]).stderr,
    /--upstream: expected host:port/,
  );
  assert.equal(run(['config', 'import', '--from', 'kong', join(dir, 'missing.env')]).status, 2);
  assert.equal(run(['config', 'import', '--from', 'traefik', join(dir, 'kong.env')]).status, 2);
});

test('fail: gateway with an invalid config exits 2 with one line', () => {
  const result = run(['gateway', '--config', join(dir, 'bad.yaml')]);
  assert.equal(result.status, 2);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /bad\.yaml:9 routes\[0\]\.pathPrefix/);
});

test('fail: gateway on a busy port exits 2 naming the listener key', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const file = join(dir, 'busy.yaml');
    writeFileSync(
      file,
      `listeners: [{ name: public, host: 127.0.0.1, port: ${port} }]\nupstreams: [{ name: app, targets: 127.0.0.1:1 }]\nroutes: [{ name: r, upstream: app }]\n`,
    );
    const result = run(['gateway', '--config', file]);
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      new RegExp(`busy\\.yaml:1 listeners\\[0\\]\\.port: address 127\\.0\\.0\\.1:${port} is already in use`),
    );
  } finally {
    blocker.close();
  }
});
