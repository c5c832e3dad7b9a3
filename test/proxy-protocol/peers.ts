/**
 * Starts real nginx and HAProxy as PROXY protocol receivers for the sending-interop tests:
 * configs in a temp dir, foreground processes stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { close, listen } from './helpers.ts';

export interface Peer {
  readonly name: string;
  /** Ports on 127.0.0.1 and ::1 that expect a PROXY header and answer `addr port`. */
  readonly port4: number;
  readonly port6: number;
  /** HAProxy only: answers `authority|unique-id` from the v2 TLVs (fc_pp_authority, fc_pp_unique_id). */
  readonly tlvPort?: number;
  stop(): Promise<void>;
  log(): string;
}

async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  const port = await listen(s, host);
  await close(s);
  return port;
}

async function waitUntilListening(child: ChildProcess, host: string, port: number, log: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited early: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not listening on ${host}:${port}: ${log()}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  };
}

export async function startNginx(binary: string, dir: string): Promise<Peer> {
  const port4 = await freePort('127.0.0.1');
  const port6 = await freePort('::1');
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, d), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port4} proxy_protocol;
    listen [::1]:${port6} proxy_protocol;
    location / { return 200 "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port"; }
  }
}
`,
  );
  let out = '';
  const child = spawn(binary, ['-p', dir, '-e', `${dir}/error.log`, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const log = () => out;
  await waitUntilListening(child, '127.0.0.1', port4, log);
  await waitUntilListening(child, '::1', port6, log);
  return { name: 'nginx', port4, port6, stop: stopper(child), log };
}

export async function startHaproxy(binary: string, dir: string): Promise<Peer> {
  const port4 = await freePort('127.0.0.1');
  const port6 = await freePort('::1');
  const tlvPort = await freePort('127.0.0.1');
  const cfg = path.join(dir, 'haproxy-accept.cfg');
  writeFileSync(
    cfg,
    `global
  maxconn 100
defaults
  mode http
  timeout connect 2s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:${port4} accept-proxy
  bind [::1]:${port6} accept-proxy
  http-request return status 200 content-type text/plain lf-string "%[src] %[src_port] %[dst] %[dst_port]"
frontend fe_tlv
  bind 127.0.0.1:${tlvPort} accept-proxy
  http-request return status 200 content-type text/plain lf-string "%[fc_pp_authority]|%[fc_pp_unique_id]"
`,
  );
  let out = '';
  const child = spawn(binary, ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const log = () => out;
  await waitUntilListening(child, '127.0.0.1', port4, log);
  await waitUntilListening(child, '::1', port6, log);
  await waitUntilListening(child, '127.0.0.1', tlvPort, log);
  return { name: 'haproxy', port4, port6, tlvPort, stop: stopper(child), log };
}
