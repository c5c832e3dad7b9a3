/**
 * `runProbe` against real servers on loopback: sourceip whoami under different trust settings,
 * the sourceip gateway in front of whoami, whoami behind a PROXY listener, and small generic
 * echo servers. Every verdict is asserted per check id.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startGateway } from '../../src/gateway/gateway.ts';
import { type ProbeOptions, type ProbeReport, runProbe } from '../../src/probe/probe.ts';
import { MAX_BODY_BYTES, send } from '../../src/probe/send.ts';
import { startWhoami, type WhoamiOptions } from '../../src/whoami/server.ts';
import { requireProgram } from '../support/programs.ts';

const HEADER_CHECKS = [
  'xff-single',
  'xff-two-entries',
  'xff-two-lines',
  'xff-ipv6',
  'x-real-ip',
  'forwarded',
  'forwarded-ipv6',
  'cf-connecting-ip',
  'true-client-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cloudfront-viewer-address',
];
const XFF_CHECKS = ['xff-single', 'xff-two-entries', 'xff-two-lines', 'xff-ipv6'];

function probe(url: string, options: Partial<ProbeOptions> = {}): Promise<ProbeReport> {
  return runProbe({ url, sourceAddress: '127.0.0.2', timeoutMs: 3000, ...options });
}

function verdicts(report: ProbeReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
}

function check(report: ProbeReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id}`);
  return found;
}

/** Expected verdicts: `spoofable` for the listed ids, `other` for every other header check. */
function expectVerdicts(spoofable: readonly string[], other: string, extra: Record<string, string> = {}) {
  const want: Record<string, string> = { baseline: 'preserved' };
  for (const id of HEADER_CHECKS) want[id] = spoofable.includes(id) ? 'spoofable' : other;
  return { ...want, ...extra };
}

type WhoamiCase = { name: string; options: WhoamiOptions; spoofable: readonly string[] };
const whoamiCases: WhoamiCase[] = [
  { name: 'strict, trusting nobody: nothing spoofable', options: {}, spoofable: [] },
  {
    name: 'strict, trusting loopback (we are on loopback): every XFF form',
    options: { trusted: ['loopback'] },
    spoofable: XFF_CHECKS,
  },
  {
    name: 'express trust proxy = true: every XFF form',
    options: { semantics: 'express', trustAll: true },
    spoofable: XFF_CHECKS,
  },
  {
    name: 'nginx real_ip_header X-Real-IP from loopback: X-Real-IP only',
    options: { semantics: 'nginx', trusted: ['127.0.0.0/8'], header: 'X-Real-IP' },
    spoofable: ['x-real-ip'],
  },
  {
    name: 'single CF-Connecting-IP from loopback: that header only',
    options: { semantics: 'single', trusted: ['loopback'], header: 'CF-Connecting-IP' },
    spoofable: ['cf-connecting-ip'],
  },
  {
    name: 'forwarded (RFC 7239) from loopback: both Forwarded forms',
    options: { semantics: 'forwarded', trusted: ['loopback'] },
    spoofable: ['forwarded', 'forwarded-ipv6'],
  },
  {
    name: 'strict trusting only 127.0.0.1 (we come from 127.0.0.2): nothing spoofable',
    options: { trusted: ['127.0.0.1'] },
    spoofable: [],
  },
];
for (const c of whoamiCases) {
  test(`whoami ${c.name}`, { timeout: 60_000 }, async (t) => {
    const whoami = await startWhoami({ port: 0, ...c.options });
    t.after(() => whoami.close());
    let connections = 0;
    whoami.server.on('connection', () => connections++);
    const report = await probe(whoami.url, { proxyProtocol: 1 });
    // whoami echoes every header line, so an unused canary still shows up: `forwarded`.
    assert.deepEqual(verdicts(report), expectVerdicts(c.spoofable, 'forwarded', { 'proxy-protocol-v1': 'refused' }));
    assert.equal(report.echo, 'whoami');
    assert.equal(report.expectedClient, '127.0.0.2');
    assert.equal(report.expectedFrom, 'socket');
    assert.equal(report.natPossible, false);
    assert.equal(report.preserved, true);
    assert.equal(report.appPeer, '127.0.0.2');
    assert.equal(report.spoofable, c.spoofable.length > 0);
    assert.equal(report.findings, c.spoofable.length);
    assert.equal(report.exitCode, c.spoofable.length > 0 ? 1 : 0);
    assert.equal(connections, 1 + HEADER_CHECKS.length + 1, 'one connection per check, bounded');
    for (const id of c.spoofable) {
      const found = check(report, id);
      assert.match(found.appSaw ?? '', /^(198\.1[89]\.|2001:db8:)/, `${id} app saw a canary`);
    }
  });
}

test('which entry an app picks: strict takes the rightmost / last line, Express trust-all the leftmost', async (t) => {
  const strict = await startWhoami({ port: 0, trusted: ['loopback'] });
  const express = await startWhoami({ port: 0, semantics: 'express', trustAll: true });
  t.after(() => Promise.all([strict.close(), express.close()]));
  const a = await probe(strict.url, { canarySeed: 5 });
  assert.equal(check(a, 'xff-two-entries').appSaw, '198.18.5.102');
  assert.match(check(a, 'xff-two-entries').note, /rightmost entry/);
  assert.equal(check(a, 'xff-two-lines').appSaw, '198.18.5.104');
  assert.match(check(a, 'xff-two-lines').note, /second line/);
  const b = await probe(express.url, { canarySeed: 5 });
  assert.equal(check(b, 'xff-two-entries').appSaw, '198.18.5.101');
  assert.match(check(b, 'xff-two-entries').note, /leftmost entry/);
  assert.equal(check(b, 'xff-two-lines').appSaw, '198.18.5.103');
  assert.match(check(b, 'baseline').note, /trusts every address/);
});

test('--expect-client that differs from what the app sees: not preserved, a finding', async (t) => {
  const whoami = await startWhoami({ port: 0 });
  t.after(() => whoami.close());
  const report = await probe(whoami.url, { expectClient: '127.0.0.9' });
  assert.equal(check(report, 'baseline').verdict, 'not-preserved');
  assert.equal(report.preserved, false);
  assert.equal(report.expectedFrom, 'flag');
  assert.equal(report.findings, 1);
  assert.equal(report.exitCode, 1);
  const same = await probe(whoami.url, { expectClient: '127.0.0.2' });
  assert.equal(check(same, 'baseline').verdict, 'preserved');
  assert.equal(same.exitCode, 0);
});

test('whoami behind a PROXY optional listener trusting 127.0.0.0/8: PROXY v1 and v2 from us are honoured', async (t) => {
  const whoami = await startWhoami({ port: 0, proxyProtocol: 'optional', proxyProtocolTrusted: ['127.0.0.0/8'] });
  t.after(() => whoami.close());
  for (const version of [1, 2] as const) {
    const report = await probe(whoami.url, { proxyProtocol: version });
    const proxy = check(report, `proxy-protocol-v${version}`);
    assert.equal(proxy.verdict, 'spoofable');
    assert.match(proxy.appSaw ?? '', /^198\.1[89]\./);
    assert.match(
      proxy.sent[0] ?? '',
      new RegExp(`^PROXY v${version} ${proxy.appSaw?.replaceAll('.', '\\.')}:40001 → 127\\.0\\.0\\.1:`),
    );
    assert.equal(check(report, 'baseline').verdict, 'preserved');
    assert.equal(report.spoofable, true);
    assert.equal(report.exitCode, 1);
  }
});

test('PROXY optional trusting only 127.0.0.1: our header (from 127.0.0.2) reaches HTTP and is refused', async (t) => {
  const whoami = await startWhoami({ port: 0, proxyProtocol: 'optional', proxyProtocolTrusted: ['127.0.0.1'] });
  t.after(() => whoami.close());
  const report = await probe(whoami.url, { proxyProtocol: 2 });
  const proxy = check(report, 'proxy-protocol-v2');
  assert.equal(proxy.verdict, 'refused');
  // 400 from Node's HTTP parser, or a reset when its close overtakes the answer.
  assert.ok(proxy.status === 400 || proxy.status === null, String(proxy.status));
  assert.equal(report.exitCode, 0);
});

test('PROXY required trusting only 127.0.0.1: we cannot even reach it (ProbeError)', async (t) => {
  const whoami = await startWhoami({ port: 0, proxyProtocol: 'required', proxyProtocolTrusted: ['127.0.0.1'] });
  t.after(() => whoami.close());
  await assert.rejects(probe(whoami.url, { proxyProtocol: 2 }), {
    name: 'ProbeError',
    message: /^cannot reach http:\/\/127\.0\.0\.1:\d+\/ \(127\.0\.0\.1:\d+\): /,
  });
});

test('sourceip gateway (strict, trusting nobody) in front of whoami', { timeout: 60_000 }, async (t) => {
  const whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1'] });
  const gateway = await startGateway({
    configObject: {
      listeners: [
        { name: 'public', host: '127.0.0.1', port: 0, trust: 'direct' },
        { name: 'loose', host: '127.0.0.1', port: 0, trust: 'loopback' },
      ],
      trustProfiles: [{ name: 'loopback', semantics: 'strict', trusted: ['127.0.0.0/8'] }],
      upstreams: [{ name: 'app', targets: [`127.0.0.1:${whoami.port}`] }],
      routes: [{ name: 'default', pathPrefix: '/', upstream: 'app' }],
      log: { level: 'silent', access: false },
    },
    env: {},
    handleSignals: false,
  });
  t.after(async () => {
    await gateway.shutdown('test');
    await whoami.close();
  });
  const port = (name: string): number => gateway.listeners().find((l) => l.name === name)!.port;

  // The gateway replaces XFF / X-Real-IP and strips the client-settable single-IP headers and
  // Forwarded from an untrusted peer: no canary reaches the app.
  const strict = await probe(`http://127.0.0.1:${port('public')}/`, { proxyProtocol: 2 });
  assert.deepEqual(verdicts(strict), expectVerdicts([], 'ignored', { 'proxy-protocol-v2': 'refused' }));
  assert.equal(check(strict, 'baseline').appSaw, '127.0.0.2');
  assert.equal(strict.appPeer, '127.0.0.1', 'the app sees the gateway as its peer');
  assert.match(check(strict, 'baseline').note, /TCP peer is 127\.0\.0\.1: a proxy in between/);
  assert.equal(strict.exitCode, 0);

  // A gateway listener that trusts loopback passes our chain on: the app (trusting 127.0.0.1) then
  // takes the rightmost untrusted entry — our own address, appended by the gateway — not a canary.
  const loose = await probe(`http://127.0.0.1:${port('loose')}/`);
  assert.equal(check(loose, 'xff-single').verdict, 'forwarded');
  assert.equal(check(loose, 'xff-single').appSaw, '127.0.0.2');
  assert.equal(loose.spoofable, false);
});

test('gateway trusting loopback in front of an app trusting loopback: spoofable through the chain', async (t) => {
  const whoami = await startWhoami({ port: 0, trusted: ['loopback'] });
  const gateway = await startGateway({
    configObject: {
      listeners: [{ name: 'loose', host: '127.0.0.1', port: 0, trust: 'loopback' }],
      trustProfiles: [{ name: 'loopback', semantics: 'strict', trusted: ['127.0.0.0/8'] }],
      upstreams: [{ name: 'app', targets: [`127.0.0.1:${whoami.port}`] }],
      routes: [{ name: 'default', pathPrefix: '/', upstream: 'app' }],
      log: { level: 'silent', access: false },
    },
    env: {},
    handleSignals: false,
  });
  t.after(async () => {
    await gateway.shutdown('test');
    await whoami.close();
  });
  const report = await probe(`http://127.0.0.1:${gateway.listeners()[0]!.port}/`);
  assert.equal(check(report, 'xff-single').verdict, 'spoofable');
  assert.equal(check(report, 'xff-two-entries').verdict, 'spoofable');
  assert.equal(report.exitCode, 1);
});

test('IPv6: whoami on ::1 behind a PROXY optional listener trusting ::1: an IPv6 PROXY canary is honoured', async (t) => {
  const whoami = await startWhoami({
    port: 0,
    listen: '::1',
    proxyProtocol: 'optional',
    proxyProtocolTrusted: ['::1'],
  });
  t.after(() => whoami.close());
  const report = await runProbe({ url: `http://[::1]:${whoami.port}/`, proxyProtocol: 2, timeoutMs: 3000 });
  assert.equal(report.address, '::1');
  assert.equal(report.expectedClient, '::1');
  assert.equal(check(report, 'baseline').verdict, 'preserved');
  const proxy = check(report, 'proxy-protocol-v2');
  assert.equal(proxy.verdict, 'spoofable');
  assert.match(proxy.appSaw ?? '', /^2001:db8:/);
  assert.match(proxy.sent[0] ?? '', /^PROXY v2 2001:db8:[0-9a-f]+::\d+:40001 → ::1:\d+$/);
});

const openssl = requireProgram('openssl');
test('HTTPS: gateway TLS listener taking PROXY from 127.0.0.0/8: the header goes before TLS and is honoured', {
  skip: typeof openssl === 'string' ? false : openssl.skip,
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-probe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const subject = ['-subj', '/CN=localhost', '-days', '1', '-nodes', '-x509', '-newkey', 'ec'];
  const files = ['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')];
  execFileSync(openssl as string, ['req', ...subject, '-pkeyopt', 'ec_paramgen_curve:prime256v1', ...files], {
    stdio: 'ignore',
  });
  const whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1'] });
  const gateway = await startGateway({
    configObject: {
      listeners: [
        {
          name: 'tls',
          host: '127.0.0.1',
          port: 0,
          trust: 'direct',
          tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
          proxyProtocol: { mode: 'optional', trusted: ['127.0.0.0/8'] },
        },
      ],
      upstreams: [{ name: 'app', targets: [`127.0.0.1:${whoami.port}`] }],
      routes: [{ name: 'default', pathPrefix: '/', upstream: 'app' }],
      log: { level: 'silent', access: false },
    },
    env: {},
    handleSignals: false,
  });
  t.after(async () => {
    await gateway.shutdown('test');
    await whoami.close();
  });
  const url = `https://127.0.0.1:${gateway.listeners()[0]!.port}/`;
  const report = await probe(url, { proxyProtocol: 2, insecure: true });
  assert.deepEqual(verdicts(report), expectVerdicts([], 'ignored', { 'proxy-protocol-v2': 'spoofable' }));
  // Certificates are checked unless --insecure: a self-signed one stops the probe. (Against a plain
  // https server: the gateway keeps the aborted handshake's socket open for a while.)
  const server = https.createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => res.end(req.socket.remoteAddress),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const plain = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await assert.rejects(probe(plain), { name: 'ProbeError', message: /cannot reach .*self[- ]signed/i });
  assert.equal(check(await probe(plain, { insecure: true }), 'baseline').verdict, 'preserved');
});

/** A generic echo server; `answer` returns [status, content-type, body] or null to hang. */
async function echoServer(
  answer: (req: http.IncomingMessage) => [number, string, string] | null,
): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    const out = answer(req);
    if (out === null) return; // hang: the probe's deadline must end it
    res.writeHead(out[0], { 'content-type': out[1] });
    res.end(out[2]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const remote = (req: http.IncomingMessage): string => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
const first = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();

test('generic JSON echo read through --client-field: leftmost XFF is spoofable', async (t) => {
  const echo = await echoServer((req) => [
    200,
    'application/json',
    JSON.stringify({ data: { origin: first(req.headers['x-forwarded-for']) ?? remote(req) } }),
  ]);
  t.after(() => echo.close());
  const report = await probe(echo.url, { clientField: '/data/origin', canarySeed: 1 });
  assert.equal(report.echo, 'json-pointer');
  assert.deepEqual(verdicts(report), expectVerdicts(XFF_CHECKS, 'ignored'));
  assert.equal(check(report, 'xff-two-entries').appSaw, '198.18.1.101');
  assert.equal(echo.requests, 1 + HEADER_CHECKS.length);
});

test('plain-text echo of X-Real-IP: spoofable via X-Real-IP only', async (t) => {
  const echo = await echoServer((req) => [200, 'text/plain', `${first(req.headers['x-real-ip']) ?? remote(req)}\n`]);
  t.after(() => echo.close());
  const report = await probe(echo.url);
  assert.equal(report.echo, 'text');
  assert.deepEqual(verdicts(report), expectVerdicts(['x-real-ip'], 'ignored'));
});

test('an app that hangs on one header: that check is inconclusive (exit 1), the rest go on', async (t) => {
  const echo = await echoServer((req) =>
    req.headers['true-client-ip'] === undefined ? [200, 'text/plain', remote(req)] : null,
  );
  t.after(() => echo.close());
  const report = await probe(echo.url, { timeoutMs: 300 });
  const hung = check(report, 'true-client-ip');
  assert.equal(hung.verdict, 'inconclusive');
  assert.match(hung.note, /ETIMEDOUT/);
  assert.equal(check(report, 'fastly-client-ip').verdict, 'ignored');
  assert.equal(report.inconclusive, 1);
  assert.equal(report.findings, 0);
  assert.equal(report.exitCode, 1);
});

test('an app that rejects forged headers with 400: rejected, not a finding', async (t) => {
  const echo = await echoServer((req) =>
    req.headers['x-forwarded-for'] === undefined ? [200, 'text/plain', remote(req)] : [400, 'text/plain', 'no'],
  );
  t.after(() => echo.close());
  const report = await probe(echo.url);
  assert.deepEqual(verdicts(report), {
    ...expectVerdicts([], 'ignored'),
    'xff-single': 'rejected',
    'xff-two-entries': 'rejected',
    'xff-two-lines': 'rejected',
    'xff-ipv6': 'rejected',
  });
  assert.equal(report.exitCode, 0);
});

test('redirects are not followed; an answer that is no echo stops the probe', async (t) => {
  const elsewhere = await echoServer(() => [200, 'text/plain', '127.0.0.2']);
  const redirect = await echoServer(() => [302, 'text/html', '<a>moved</a>']);
  t.after(() => Promise.all([elsewhere.close(), redirect.close()]));
  await assert.rejects(probe(redirect.url), {
    name: 'ProbeError',
    message: /answered HTTP 302, but the answer is neither whoami JSON nor a plain-text address/,
  });
  assert.equal(redirect.requests, 1);
  assert.equal(elsewhere.requests, 0);
});

test('bad URLs are refused before any connection', async () => {
  await assert.rejects(probe('not a url'), { name: 'ProbeError', message: /^invalid URL "not a url"/ });
  await assert.rejects(probe('ftp://127.0.0.1/'), { name: 'ProbeError', message: /unsupported URL scheme "ftp:"/ });
  await assert.rejects(probe('http://user:pw@127.0.0.1/'), { name: 'ProbeError', message: /credentials/ });
});

test('a host name is resolved once (localhost, from the hosts file) and every request goes to that address', async (t) => {
  const { address } = await lookup('localhost');
  const whoami = await startWhoami({ port: 0, listen: address });
  t.after(() => whoami.close());
  const report = await runProbe({ url: `http://localhost:${whoami.port}/`, timeoutMs: 3000 });
  assert.equal(report.address, address);
  assert.equal(check(report, 'baseline').verdict, 'preserved');
  assert.equal(report.exitCode, 0);
});

test('an answer above 1 MiB is cut, not buffered whole', async (t) => {
  const echo = await echoServer(() => [200, 'text/plain', 'x'.repeat(3 * 1024 * 1024)]);
  t.after(() => echo.close());
  const url = new URL(echo.url);
  const result = await send({
    target: { url, address: '127.0.0.1', port: Number(url.port), tls: false },
    headers: [],
    timeoutMs: 3000,
    userAgent: 'test',
  });
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.equal(result.status, 200);
  assert.ok(result.body.length > 0 && result.body.length <= MAX_BODY_BYTES, String(result.body.length));
  await assert.rejects(probe(echo.url), {
    name: 'ProbeError',
    message:
      /answered HTTP 200, but the answer is neither whoami JSON nor a plain-text address; use --client-field for JSON \("x{80}…"\)$/,
  });
});
