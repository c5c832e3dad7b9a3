/**
 * Starts Debian's nginx for differential tests: its own prefix in a temp dir, one `server` block
 * per realip configuration (each on its own port, on 127.0.0.1 and [::1]), every block answering
 * `$remote_addr|$remote_port|$realip_remote_addr|$realip_remote_port`. Stopped by PID; the
 * directory is removed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One server block: the realip directives it carries. */
export interface NginxServerConfig {
  readonly name: string;
  /** `set_real_ip_from` values; empty = module off. */
  readonly trusted: readonly string[];
  /** `real_ip_header` value. */
  readonly header: string;
  readonly recursive: boolean;
}

export interface RunningNginx {
  /** Port of each configuration, by name. */
  readonly ports: ReadonlyMap<string, number>;
  readonly pid: number;
  readonly errorLog: () => string;
  stop(): Promise<void>;
}

/** A port free on both 127.0.0.1 and ::1 right now (nginx cannot listen on port 0 and tell us). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const v6ok = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '::1', () => server.close(() => resolve(true)));
    });
    if (v6ok) return port;
  }
  throw new Error('no free port on 127.0.0.1 and ::1');
}

function serverBlock(config: NginxServerConfig, port: number): string {
  const lines = [
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    listen [::1]:${port};`,
    ...config.trusted.map((t) => `    set_real_ip_from ${t};`),
    `    real_ip_header ${config.header};`,
    `    real_ip_recursive ${config.recursive ? 'on' : 'off'};`,
    '    location / {',
    '      return 200 "$remote_addr|$remote_port|$realip_remote_addr|$realip_remote_port";',
    '    }',
    '  }',
  ];
  return lines.join('\n');
}

async function waitForPort(port: number, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('nginx did not start listening in time');
}

/**
 * Start nginx with the given server blocks. Always call `stop()` (e.g. in `after`). Ports are
 * picked free just before start; if another process takes one in between, nginx fails to bind and
 * we retry with fresh ports (at most three attempts).
 */
export async function startNginx(nginxPath: string, configs: readonly NginxServerConfig[]): Promise<RunningNginx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(nginxPath, configs);
    } catch (error) {
      if (attempt >= 3 || !/in use/i.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce(nginxPath: string, configs: readonly NginxServerConfig[]): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-nginx-'));
  const ports = new Map<string, number>();
  for (const config of configs) ports.set(config.name, await freePort());
  const conf = [
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'worker_processes 1;',
    'events { worker_connections 512; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    '  keepalive_requests 1000000;',
    '  keepalive_timeout 120s;',
    '  large_client_header_buffers 8 32k;',
    '  default_type text/plain;',
    ...configs.map((c) => serverBlock(c, ports.get(c.name) as number)),
    '}',
    '',
  ].join('\n');
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child = spawn(
    nginxPath,
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', confPath, '-g', 'daemon off; master_process off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const errorLog = (): string => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8') + stderr;
    } catch {
      return stderr;
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 10_000;
    for (const port of ports.values()) await waitForPort(port, child, deadline);
    // A port answered, but was it nginx? If another process holds one of ours, nginx exits.
    await new Promise((r) => setTimeout(r, 50));
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
  } catch (error) {
    const log = errorLog();
    await stop();
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return { ports, pid: child.pid as number, errorLog, stop };
}
