import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import { EMBEDDED_SOURCE } from './defaults.ts';
import { checkConfigFile, checkConfigText, findConfigFile, formatKey, loadConfig, parseKey } from './load.ts';

const VALID = `listeners:
  - name: public
    port: 8080
    trust: edge
trustProfiles:
  - name: edge
    trusted: [10.0.0.0/8]
upstreams:
  - name: app
    targets: 127.0.0.1:9000
routes:
  - name: default
    upstream: app
`;

type ErrorCase = { name: string; yaml: string; key: string; line: number; message: RegExp };

// Each case: a config with one mistake; the error names the key and the line it is on.
const errorCases: ErrorCase[] = [
  {
    name: 'fail: port out of range',
    yaml: VALID.replace('port: 8080', 'port: 70000'),
    key: 'listeners[0].port',
    line: 3,
    message: /65535/,
  },
  {
    name: 'fail: unknown key is named',
    yaml: VALID.replace('    trust: edge\n', '    trust: edge\n    trsut: x\n'),
    key: 'listeners[0].trsut',
    line: 5,
    message: /unknown key/,
  },
  {
    name: 'fail: a listener names a missing trust profile',
    yaml: VALID.replace('trust: edge', 'trust: missing'),
    key: 'listeners[0].trust',
    line: 4,
    message: /no trust profile named "missing"/,
  },
  {
    name: 'fail: a route names a missing upstream',
    yaml: VALID.replace('upstream: app', 'upstream: nope'),
    key: 'routes[0].upstream',
    line: 13,
    message: /no upstream named "nope"/,
  },
  {
    name: 'fail: an invalid CIDR in a trust list',
    yaml: VALID.replace('[10.0.0.0/8]', '[10.0.0.0/8, 10.0.0.0/33]'),
    key: 'trustProfiles[0].trusted[1]',
    line: 7,
    message: /not an IP, a CIDR/,
  },
  {
    name: 'fail: unknown semantics',
    yaml: VALID.replace('    trusted: [10.0.0.0/8]', '    trusted: [10.0.0.0/8]\n    semantics: lenient'),
    key: 'trustProfiles[0].semantics',
    line: 8,
    message: /expected one of/,
  },
  {
    name: 'fail: recursive on a strict profile (nginx only)',
    yaml: VALID.replace('    trusted: [10.0.0.0/8]', '    trusted: [10.0.0.0/8]\n    recursive: true'),
    key: 'trustProfiles[0].recursive',
    line: 8,
    message: /applies only to semantics nginx/,
  },
  {
    name: 'fail: bad duration',
    yaml: `${VALID}drainTimeoutMs: soon\n`,
    key: 'drainTimeoutMs',
    line: 14,
    message: /duration/,
  },
  {
    name: 'fail: missing required section',
    yaml: VALID.replace(/routes:[\s\S]*$/, ''),
    key: 'routes',
    line: 1,
    message: /is required/,
  },
  {
    name: 'fail: wrong type says what was expected',
    yaml: VALID.replace('port: 8080', 'port: "8080"'),
    key: 'listeners[0].port',
    line: 3,
    message: /must be a number/,
  },
  {
    name: 'fail: duplicate listener names',
    yaml: VALID.replace('    trust: edge\n', '    trust: edge\n  - name: public\n    port: 8081\n'),
    key: 'listeners[1].name',
    line: 5,
    message: /duplicate name/,
  },
  {
    name: 'fail: a missing TLS file',
    yaml: VALID.replace(
      '    trust: edge\n',
      '    trust: edge\n    tls: { certFile: /nonexistent/c.pem, keyFile: /nonexistent/k.pem }\n',
    ),
    key: 'listeners[0].tls.certFile',
    line: 5,
    message: /file not found/,
  },
  {
    name: 'fail: YAML syntax error names the line',
    yaml: VALID.replace('    targets: 127.0.0.1:9000', '    targets: [127.0.0.1:9000'),
    key: '',
    line: 11, // where the parser notices the unclosed flow sequence
    message: /not valid YAML/,
  },
  {
    name: 'fail: duplicate YAML keys',
    yaml: VALID.replace('    port: 8080\n', '    port: 8080\n    port: 8081\n'),
    key: '',
    line: 4,
    message: /not valid YAML/,
  },
];

for (const c of errorCases) {
  test(c.name, () => {
    const result = checkConfigText(c.yaml, '/etc/sourceip/test.yaml', {});
    assert.equal(result.config, null);
    const error = result.errors[0]!;
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'SIP_ERR_CONFIG');
    assert.equal(error.key ?? '', c.key);
    assert.equal(error.file, '/etc/sourceip/test.yaml');
    assert.equal(error.line, c.line, error.message);
    assert.match(error.message, c.message);
    assert.ok(error.message.startsWith(`/etc/sourceip/test.yaml:${c.line}`), error.message);
  });
}

test('a valid file fills every default and adds the built-in "direct" profile', () => {
  const { config, errors } = checkConfigText(VALID, 'x.yaml', {});
  assert.deepEqual(errors, []);
  assert.equal(config!.listeners[0]!.host, '0.0.0.0');
  assert.deepEqual(config!.listeners[0]!.proxyProtocol, { mode: 'off', trusted: [], timeoutMs: 5000 });
  assert.deepEqual(config!.upstreams[0]!.targets, ['127.0.0.1:9000']);
  assert.equal(config!.routes[0]!.pathPrefix, '/');
  assert.equal(config!.routes[0]!.forwarding.xForwardedFor, 'append');
  assert.ok(config!.routes[0]!.forwarding.stripUntrusted.includes('X-Real-IP'));
  assert.deepEqual(
    config!.trustProfiles.map((p) => [p.name, p.semantics, p.header, p.recursive]),
    [
      ['edge', 'strict', 'X-Forwarded-For', undefined],
      ['direct', 'strict', 'X-Forwarded-For', undefined],
    ],
  );
  assert.equal(config!.admin, undefined, 'no admin listener unless configured');
  assert.equal(config!.drainTimeoutMs, 30_000);
  assert.equal(config!.limits.maxHeaderBytes, 16_384);
});

test('units and shorthands: durations, sizes, comma lists, proxyProtocol string', () => {
  const yaml =
    `${VALID.replace('    trust: edge', '    trust: edge\n    proxyProtocol: optional')}limits: { maxBodyBytes: 2m, headerTimeoutMs: 1.5s }\ndrainTimeoutMs: 2m\n`.replace(
      '[10.0.0.0/8]',
      '"10.0.0.0/8, 192.168.0.0/16"',
    );
  const { config, errors } = checkConfigText(yaml, 'x.yaml', {});
  assert.deepEqual(errors, []);
  assert.equal(config!.limits.maxBodyBytes, 2 * 1024 * 1024);
  assert.equal(config!.limits.headerTimeoutMs, 1500);
  assert.equal(config!.drainTimeoutMs, 120_000);
  assert.deepEqual(config!.trustProfiles[0]!.trusted, ['10.0.0.0/8', '192.168.0.0/16']);
  assert.equal(config!.listeners[0]!.proxyProtocol.mode, 'optional');
});

test('nginx semantics defaults recursive off, as real_ip_recursive', () => {
  const yaml = VALID.replace('    trusted: [10.0.0.0/8]', '    trusted: [10.0.0.0/8]\n    semantics: nginx');
  assert.equal(checkConfigText(yaml, 'x.yaml', {}).config!.trustProfiles[0]!.recursive, false);
});

test('a route forwarding block overrides the top-level forwarding, which overrides the defaults', () => {
  const yaml = `${VALID.replace('    upstream: app', '    upstream: app\n    forwarding: { xRealIp: false }')}forwarding: { xForwardedFor: replace, xRealIp: true, forwarded: true }\n`;
  const forwarding = checkConfigText(yaml, 'x.yaml', {}).config!.routes[0]!.forwarding;
  assert.equal(forwarding.xForwardedFor, 'replace');
  assert.equal(forwarding.xRealIp, false);
  assert.equal(forwarding.forwarded, true);
  assert.equal(forwarding.requestId, true);
});

test('warnings: a profile trusting everything, PROXY required from anyone', () => {
  const yaml = VALID.replace('[10.0.0.0/8]', '[0.0.0.0/0]').replace(
    '    trust: edge',
    '    trust: edge\n    proxyProtocol: required',
  );
  const { warnings, errors } = checkConfigText(yaml, 'x.yaml', {});
  assert.deepEqual(errors, []);
  assert.ok(warnings.some((w) => w.includes('trusts every address')));
  assert.ok(warnings.some((w) => w.includes('requires PROXY protocol from any peer')));
});

test('compat: ingress-nginx keys in sourceip.yaml become a profile, a listener and forwarding', () => {
  const yaml = `compat:
  ingress-nginx:
    use-forwarded-headers: "true"
    compute-full-forwarded-for: "true"
    proxy-real-ip-cidr: 10.0.0.0/8
upstreams:
  - name: app
    targets: 127.0.0.1:9000
routes:
  - name: default
    upstream: app
`;
  const { config, errors } = checkConfigText(yaml, 'x.yaml', {});
  assert.deepEqual(errors, []);
  assert.equal(config!.listeners[0]!.trust, 'ingress-nginx');
  const profile = config!.trustProfiles.find((p) => p.name === 'ingress-nginx')!;
  assert.deepEqual([profile.semantics, profile.trusted, profile.recursive], ['nginx', ['10.0.0.0/8'], true]);
  assert.equal(config!.routes[0]!.forwarding.xForwardedFor, 'append');
});

test('compat: own listeners are kept and take the compat profile when they name none', () => {
  const yaml = `compat:
  kong:
    KONG_TRUSTED_IPS: 10.0.0.0/8
    KONG_REAL_IP_HEADER: X-Forwarded-For
listeners:
  - name: mine
    port: 9000
upstreams: [{ name: app, targets: 127.0.0.1:9001 }]
routes: [{ name: default, upstream: app }]
`;
  const { config, errors, warnings } = checkConfigText(yaml, 'x.yaml', {});
  assert.deepEqual(errors, []);
  assert.deepEqual(
    config!.listeners.map((l) => [l.name, l.port, l.trust]),
    [['mine', 9000, 'kong']],
  );
  assert.ok(warnings.some((w) => w.startsWith('compat.kong: ')));
});

test('fail: a bad compat value names the compat key and its line', () => {
  const yaml = `compat:\n  ingress-nginx:\n    use-forwarded-headers: "perhaps"\nupstreams: [{ name: app, targets: 127.0.0.1:1 }]\nroutes: [{ name: r, upstream: app }]\n`;
  const error = checkConfigText(yaml, 'x.yaml', {}).errors[0]!;
  assert.equal(error.key, 'compat.ingress-nginx.use-forwarded-headers');
  assert.equal(error.line, 3);
});

test('env overrides: SOURCEIP_* with __ nesting, list index and element name, typed values', () => {
  const env = {
    SOURCEIP_LISTENERS__PUBLIC__PORT: '9090',
    SOURCEIP_TRUST_PROFILES__0__TRUSTED: '[192.168.0.0/16, 10.0.0.0/8]',
    SOURCEIP_LIMITS__MAX_BODY_BYTES: '1m',
    SOURCEIP_ADMIN__PORT: '9480',
    SOURCEIP_LOG_LEVEL: 'debug',
    SOURCEIP_DRAIN_TIMEOUT_MS: '5s',
    SOURCEIP_FUZZ_RUNS: '1000', // another tool's variable: ignored
    SOURCEIP_CONFIG: '/elsewhere.yaml', // names the file, not a key
  };
  const { config, errors } = checkConfigText(VALID, 'x.yaml', env);
  assert.deepEqual(errors, []);
  assert.equal(config!.listeners[0]!.port, 9090);
  assert.deepEqual(config!.trustProfiles[0]!.trusted, ['192.168.0.0/16', '10.0.0.0/8']);
  assert.equal(config!.limits.maxBodyBytes, 1024 * 1024);
  assert.deepEqual(config!.admin, { host: '127.0.0.1', port: 9480 });
  assert.equal(config!.log.level, 'debug');
  assert.equal(config!.drainTimeoutMs, 5000);
});

test('env overrides reach compat keys in their own spelling', () => {
  const yaml = `compat:\n  ingress-nginx: {}\nupstreams: [{ name: app, targets: 127.0.0.1:1 }]\nroutes: [{ name: r, upstream: app }]\n`;
  const env = {
    SOURCEIP_COMPAT__INGRESS_NGINX__USE_FORWARDED_HEADERS: 'true',
    SOURCEIP_COMPAT__INGRESS_NGINX__PROXY_REAL_IP_CIDR: '10.0.0.0/8',
  };
  const { config, errors } = checkConfigText(yaml, 'x.yaml', env);
  assert.deepEqual(errors, []);
  assert.deepEqual(config!.trustProfiles.find((p) => p.name === 'ingress-nginx')!.trusted, ['10.0.0.0/8']);
});

test('fail: an env override with a bad value names the variable', () => {
  const error = checkConfigText(VALID, 'x.yaml', { SOURCEIP_LISTENERS__0__PORT: 'eighty' }).errors[0]!;
  assert.equal(error.file, 'environment');
  assert.match(error.key!, /SOURCEIP_LISTENERS__0__PORT/);
  assert.match(error.message, /must be a number/);
});

test('fail: an env override naming a missing list element', () => {
  const error = checkConfigText(VALID, 'x.yaml', { SOURCEIP_LISTENERS__INTERNAL__PORT: '1' }).errors[0]!;
  assert.equal(error.key, 'SOURCEIP_LISTENERS__INTERNAL__PORT');
  assert.match(error.message, /no element "INTERNAL"/);
});

test('fail: an env override with an unknown key inside a section', () => {
  const error = checkConfigText(VALID, 'x.yaml', { SOURCEIP_LIMITS__MAX_BODY: '1' }).errors[0]!;
  assert.match(error.key!, /limits\.maxBody \(SOURCEIP_LIMITS__MAX_BODY\)/);
});

test('the embedded defaults are valid: 127.0.0.1:8080 in front of 127.0.0.1:8081, admin on 9480', () => {
  const { config, source } = loadConfig(null, {});
  assert.equal(source, EMBEDDED_SOURCE);
  assert.deepEqual([config.listeners[0]!.host, config.listeners[0]!.port], ['127.0.0.1', 8080]);
  assert.deepEqual(config.upstreams[0]!.targets, ['127.0.0.1:8081']);
  assert.deepEqual(config.admin, { host: '127.0.0.1', port: 9480 });
  assert.deepEqual(config.trustProfiles.find((p) => p.name === config.listeners[0]!.trust)!.trusted, []);
});

test('file discovery: --config, SOURCEIP_CONFIG, ./sourceip.yaml, else embedded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-config-'));
  try {
    assert.equal(findConfigFile('a.yaml', {}, dir), join(dir, 'a.yaml'));
    assert.equal(findConfigFile(undefined, { SOURCEIP_CONFIG: 'b.yaml' }, dir), join(dir, 'b.yaml'));
    const viaCwd = findConfigFile(undefined, {}, dir);
    assert.ok(viaCwd === null || viaCwd === '/etc/sourceip/config.yaml');
    writeFileSync(join(dir, 'sourceip.yaml'), VALID);
    assert.equal(findConfigFile(undefined, {}, dir), join(dir, 'sourceip.yaml'));
    assert.deepEqual(checkConfigFile(join(dir, 'sourceip.yaml'), {}).errors, []);
    const missing = checkConfigFile(join(dir, 'missing.yaml'), {});
    assert.match(missing.errors[0]!.message, /file not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('locate maps a key raised later (by compileRuntime) to its line', () => {
  const result = checkConfigText(VALID, 'x.yaml', {});
  assert.deepEqual(result.locate('trustProfiles[0].trusted[0]'), { file: 'x.yaml', line: 7 });
  assert.deepEqual(result.locate('routes[0]'), { file: 'x.yaml', line: 12 });
  assert.deepEqual(parseKey(formatKey(['a', 0, 'b', 1])), ['a', 0, 'b', 1]);
});

test('fail: an alias without its anchor, and an alias bomb, are YAML errors (found by the fuzz test)', () => {
  assert.match(checkConfigText('listeners: *nowhere\n', 'x.yaml', {}).errors[0]!.message, /x\.yaml: not valid YAML/);
  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x]',
    ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${`*${'abcdefgh'[i]}, `.repeat(9).slice(0, -2)}]`),
  ].join('\n');
  const result = checkConfigText(bomb, 'bomb.yaml', {});
  assert.equal(result.config, null);
  assert.match(result.errors[0]!.message, /not valid YAML/);
});

test('env: a variable named after an Object.prototype member is ignored, not a crash (found by the fuzz test)', () => {
  const { errors } = checkConfigText(VALID, 'x.yaml', {
    SOURCEIP_valueOf: '',
    SOURCEIP_constructor: '1',
    SOURCEIP_ADMIN__TO_STRING: '1',
  });
  assert.ok(errors.every((error) => error instanceof ConfigError));
});
