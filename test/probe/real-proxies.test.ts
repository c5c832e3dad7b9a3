/**
 * `sourceip probe` through real proxies in front of whoami: Debian's nginx as a plain reverse
 * proxy, nginx with the trust-everything realip setting (ingress-nginx `proxy-real-ip-cidr:
 * 0.0.0.0/0`, pitfall 3), and HAProxy `send-proxy-v2`. Programs run in the foreground in their own
 * temp dir and are stopped by PID.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ProbeReport, runProbe } from '../../src/probe/probe.ts';
import { startWhoami } from '../../src/whoami/server.ts';
import { requireProgram } from '../support/programs.ts';

const nginx = requireProgram('nginx');
const haproxy = requireProgram('haproxy');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a foreground program; resolves once `port` accepts (bounded: 10 s); `stop()` by PID. */
async function start(binary: string, args: string[], port: number): Promise<{ stop(): Promise<void>; log(): string }> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    const force = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(force);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${binary} exited early: ${output}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return { stop, log: () => output };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${binary} did not listen on ${port}: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function nginxConf(dir: string, port: number, upstream: number, realip: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
${realip}
    location / {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}

function verdicts(report: ProbeReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
}

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

async function nginxInFront(realip: string, t: { after(fn: () => Promise<void> | void): void }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-probe-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  // nginx connects upstream from 127.0.0.1: the one proxy whoami trusts.
  const whoami = await startWhoami({ port: 0, trusted: ['127.0.0.1'] });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf(dir, port, whoami.port, realip));
  const program = await start(nginx as string, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], port);
  t.after(async () => {
    await program.stop();
    await whoami.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return `http://127.0.0.1:${port}/`;
}

test('nginx as a plain reverse proxy: preserved, nothing spoofable', {
  skip: typeof nginx === 'string' ? false : nginx.skip,
  timeout: 60_000,
}, async (t) => {
  const url = await nginxInFront('', t);
  const report = await runProbe({ url, sourceAddress: '127.0.0.2', timeoutMs: 3000, proxyProtocol: 1 });
  // nginx's HTTP parser answers 400 to a PROXY line on a listener without `proxy_protocol`.
  const want: Record<string, string> = { baseline: 'preserved', 'proxy-protocol-v1': 'refused' };
  // $proxy_add_x_forwarded_for appends our address: the forged entries reach whoami, left of it.
  for (const id of HEADER_CHECKS) want[id] = 'forwarded';
  // proxy_set_header X-Real-IP $remote_addr overwrites the forged one.
  want['x-real-ip'] = 'ignored';
  assert.deepEqual(verdicts(report), want);
  assert.equal(report.appPeer, '127.0.0.1');
  assert.equal(report.exitCode, 0);
});

test('nginx realip trusting 0.0.0.0/0 (ingress-nginx proxy-real-ip-cidr default): spoofable via X-Forwarded-For', {
  skip: typeof nginx === 'string' ? false : nginx.skip,
  timeout: 60_000,
}, async (t) => {
  const url = await nginxInFront(
    '    set_real_ip_from 0.0.0.0/0;\n    set_real_ip_from ::/0;\n    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;',
    t,
  );
  const report = await runProbe({ url, sourceAddress: '127.0.0.2', timeoutMs: 3000, canarySeed: 3 });
  const v = verdicts(report);
  assert.equal(v.baseline, 'preserved');
  for (const id of ['xff-single', 'xff-two-entries', 'xff-two-lines', 'xff-ipv6']) assert.equal(v[id], 'spoofable', id);
  // Every hop trusted and recursive: nginx walks to the leftmost entry.
  assert.equal(report.checks.find((c) => c.id === 'xff-two-entries')?.appSaw, '198.18.3.101');
  // Two lines: nginx 1.22 takes the first line's address (the leftmost of the lines in order).
  assert.equal(report.checks.find((c) => c.id === 'xff-two-lines')?.appSaw, '198.18.3.103');
  assert.equal(v['x-real-ip'], 'ignored');
  assert.equal(v['cf-connecting-ip'], 'forwarded');
  assert.equal(report.exitCode, 1);
});

test('HAProxy send-proxy-v2 in front of whoami --proxy-protocol required: preserved; our PROXY header is refused', {
  skip: typeof haproxy === 'string' ? false : haproxy.skip,
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-probe-haproxy-'));
  const whoami = await startWhoami({ port: 0, proxyProtocol: 'required', proxyProtocolTrusted: ['127.0.0.1'] });
  const port = await freePort();
  const conf = join(dir, 'haproxy.cfg');
  writeFileSync(
    conf,
    `global
  pidfile ${dir}/haproxy.pid
defaults
  mode tcp
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend lb
  bind 127.0.0.1:${port}
  default_backend whoami
backend whoami
  server w 127.0.0.1:${whoami.port} send-proxy-v2
`,
  );
  const program = await start(haproxy as string, ['-db', '-f', conf], port);
  t.after(async () => {
    await program.stop();
    await whoami.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const report = await runProbe({
    url: `http://127.0.0.1:${port}/`,
    sourceAddress: '127.0.0.2',
    timeoutMs: 3000,
    proxyProtocol: 2,
  });
  const want: Record<string, string> = { baseline: 'preserved', 'proxy-protocol-v2': 'refused' };
  // HAProxy in TCP mode passes our bytes untouched; whoami trusts no header, and echoes them.
  for (const id of HEADER_CHECKS) want[id] = 'forwarded';
  assert.deepEqual(verdicts(report), want, program.log());
  assert.equal(report.appPeer, '127.0.0.1');
  assert.equal(report.exitCode, 0);
});
