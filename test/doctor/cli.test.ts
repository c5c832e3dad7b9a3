/**
 * `sourceip doctor` end to end as a user runs it: exit codes (0 clean, 1 at/above --fail-on,
 * 2 usage/input error), formats, colour rules, stdin, bad input (file:line, rest still checked),
 * `List` dumps, Helm-rendered output, suppression by annotation and by --config.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FIXTURES, REPO } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'sourceip-doctor-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(
  args: string[],
  input?: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/sourceip.js'), 'doctor', ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

const spoofable = join(FIXTURES, 'rules/sip-401/fires.yaml');
const clean = join(FIXTURES, 'rules/sip-101/passes.yaml');

test('exit 0 on a clean input, 1 on findings at the default threshold (warning), --fail-on moves it', async () => {
  const ok = await cli([join(REPO, 'deploy/base/service.yaml')]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /No findings/);
  assert.equal((await cli([spoofable])).code, 1);
  // SIP-102 / SIP-110 are info: below the default threshold.
  const infoOnly = join(FIXTURES, 'rules/sip-102/fires.yaml');
  assert.equal((await cli([infoOnly])).code, 0);
  assert.equal((await cli([infoOnly, '--fail-on', 'info'])).code, 1);
  assert.equal((await cli([spoofable, '--fail-on', 'none'])).code, 0);
  assert.equal((await cli([join(FIXTURES, 'rules/sip-105/fires.yaml'), '--fail-on', 'error'])).code, 0);
});

test('usage errors exit 2 with one line: no paths, bad format, bad --fail-on, unknown rule, missing file', async () => {
  for (const args of [
    [],
    [clean, '--format', 'xml'],
    [clean, '--fail-on', 'high'],
    ['--explain', 'SIP-999'],
    [clean, '--cluster'],
  ]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const missing = await cli([join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml: cannot read: no such file or directory/);
});

test('--explain and --list-rules print the rule documentation', async () => {
  const explain = await cli(['--explain', 'SIP-301']);
  assert.equal(explain.code, 0);
  assert.match(explain.stdout, /^SIP-301 proxy-protocol-mismatch \(error\)/);
  assert.match(explain.stdout, /Why\n/);
  assert.match(explain.stdout, /Fix\n/);
  const bySlug = await cli(['--explain', 'nginx-trusts-xff-from-anyone']);
  assert.match(bySlug.stdout, /^SIP-401/);
  const list = await cli(['--list-rules']);
  assert.ok(list.stdout.trim().split('\n').length >= 24);
});

test('invalid YAML: file:line on stderr, the other documents and files are still checked, exit 2', async () => {
  const bad = join(dir, 'broken.yaml');
  writeFileSync(
    bad,
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: ok\nspec:\n  type: NodePort\n  externalTrafficPolicy: Local\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n  namespace: x\n',
  );
  const r = await cli([bad, spoofable, '--format', 'json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /broken\.yaml:1[0-9]: invalid YAML/);
  const json = JSON.parse(r.stdout) as { findings: { ruleId: string }[]; errors: { file: string; line: number }[] };
  assert.ok(
    json.findings.some((f) => f.ruleId === 'SIP-105'),
    'first document of the broken file still checked',
  );
  assert.ok(
    json.findings.some((f) => f.ruleId === 'SIP-401'),
    'the other file still checked',
  );
  assert.ok(json.errors[0]!.line >= 10);
});

test('partial objects, unknown kinds and junk documents do not crash', async () => {
  const input = [
    'apiVersion: v1\nkind: Service\n',
    'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: LoadBalancer, ports: "nope", selector: [1, 2]}\n',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: "x"}}}\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {use-forwarded-headers: true, nginx.conf: 42}\n',
    'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
    '- just\n- a list\n',
    '42\n',
    'apiVersion: v1\nkind: List\nitems: [null, 1, {kind: Service}]\n',
  ].join('---\n');
  const r = await cli(['-', '--format', 'json'], input);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.equal(r.stderr, '');
  JSON.parse(r.stdout);
});

test('stdin, kubectl List JSON dumps and Helm-rendered output', async () => {
  const dump = JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { type: 'NodePort', externalTrafficPolicy: 'Local', selector: { app: 'web' } },
        },
      ],
    },
    null,
    2,
  );
  const fromDump = await cli(['-', '--format', 'json'], dump);
  const json = JSON.parse(fromDump.stdout) as {
    findings: { ruleId: string; file: string; line: number; object: object }[];
  };
  const f = json.findings.find((x) => x.ruleId === 'SIP-105')!;
  assert.equal(f.file, '-');
  assert.equal(f.line, 14);
  assert.deepEqual(f.object, { kind: 'Service', namespace: 'shop', name: 'web' });

  const helm = `---\n# Source: ingress-nginx/templates/controller-configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\n  labels:\n    app.kubernetes.io/name: ingress-nginx\ndata:\n  allow-snippet-annotations: "false"\n  use-forwarded-headers: "true"\n---\n# Source: ingress-nginx/templates/controller-service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\nspec:\n  type: LoadBalancer\n  ports:\n  - name: http\n    port: 80\n`;
  const file = join(dir, 'rendered.yaml');
  writeFileSync(file, helm);
  const r = await cli([file, '--format', 'json']);
  const out = JSON.parse(r.stdout) as { findings: { ruleId: string; line: number }[] };
  assert.equal(out.findings.find((x) => x.ruleId === 'SIP-401')?.line, 12);
});

test('--format json carries ruleId, slug, severity, message, object, file, line', async () => {
  const r = await cli([spoofable, '--format', 'json']);
  const json = JSON.parse(r.stdout) as {
    version: number;
    summary: Record<string, number>;
    findings: Record<string, unknown>[];
  };
  assert.equal(json.version, 1);
  const f = json.findings.find((x) => x.ruleId === 'SIP-401')!;
  assert.deepEqual(Object.keys(f).sort(), [
    'file',
    'line',
    'message',
    'object',
    'related',
    'ruleId',
    'severity',
    'slug',
  ]);
  assert.equal(f.slug, 'nginx-trusts-xff-from-anyone');
  assert.ok(json.summary.error! >= 1);
});

test('colour: never with NO_COLOR or without a TTY (pipes)', async () => {
  const r = await cli([spoofable], undefined, { NO_COLOR: '1' });
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  const piped = await cli([spoofable], undefined, { NO_COLOR: '' });
  assert.doesNotMatch(piped.stdout, /\x1b\[/);
  assert.match(piped.stdout, /Spoofing possible/);
});

test('suppression: annotation on the object, and --config ignore entries with object match', async () => {
  const annotated = join(dir, 'annotated.yaml');
  writeFileSync(
    annotated,
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: echo\n  annotations:\n    sourceip.dev/ignore: "SIP-105 # lab only, pods pinned"\nspec:\n  type: NodePort\n  externalTrafficPolicy: Local\n',
  );
  const r = await cli([annotated, '--format', 'json']);
  assert.equal(r.code, 0);
  assert.equal((JSON.parse(r.stdout) as { summary: { suppressed: number } }).summary.suppressed, 1);

  const config = join(dir, 'doctor.yaml');
  writeFileSync(
    config,
    'ignore:\n  - rule: nginx-trusts-xff-from-anyone\n    kind: ConfigMap\n    namespace: ingress-*\n    reason: fronted by a CDN that overwrites XFF\nseverity:\n  SIP-305: info\n  SIP-402: info\n  SIP-412: info\n',
  );
  const c = await cli([spoofable, '--config', config, '--format', 'json']);
  const json = JSON.parse(c.stdout) as { findings: { ruleId: string; severity: string }[] };
  assert.ok(!json.findings.some((f) => f.ruleId === 'SIP-401'));
  assert.ok(
    json.findings.every((f) => f.severity === 'info'),
    JSON.stringify(json.findings),
  );
  assert.equal(c.code, 0);

  const wrongName = join(dir, 'doctor-other.yaml');
  writeFileSync(wrongName, 'ignore:\n  - rule: SIP-401\n    name: some-other-configmap\n');
  assert.equal((await cli([spoofable, '--config', wrongName])).code, 1);

  const badConfig = join(dir, 'bad-doctor.yaml');
  writeFileSync(badConfig, 'ignore:\n  - rule: SIP-999\n');
  const b = await cli([spoofable, '--config', badConfig]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /bad-doctor\.yaml.*unknown rule "SIP-999"/);
  const typo = join(dir, 'typo.yaml');
  writeFileSync(typo, 'ignores: []\n');
  assert.equal((await cli([spoofable, '--config', typo])).code, 2);
});

test('a sourceip.yaml file given directly is checked (SIP-410)', async () => {
  const file = join(dir, 'sourceip.yaml');
  writeFileSync(
    file,
    'listeners:\n  - name: public\n    port: 8080\n    trust: all\ntrustProfiles:\n  - name: all\n    semantics: nginx\n    trusted: any\n',
  );
  const r = await cli([file, '--format', 'json']);
  const json = JSON.parse(r.stdout) as { findings: { ruleId: string; line: number }[] };
  const f = json.findings.find((x) => x.ruleId === 'SIP-410');
  assert.equal(f?.line, 8);
  assert.equal(r.code, 1);
});
