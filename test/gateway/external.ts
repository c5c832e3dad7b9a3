/**
 * Real nginx and HAProxy for the gateway's tests: each runs in the foreground from a temp directory on
 * free loopback ports and is stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free loopback port (bound then released; the program binds it right after). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ExternalProgram {
  readonly dir: string;
  readonly child: ChildProcess;
  /** Text of a file in the program's directory ('' when absent). */
  read(name: string): string;
  stop(): Promise<void>;
}

/** Programs still running, killed if this process exits without stopping them (a failed hook, a throw). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGTERM'); // nginx's master then stops its workers
});

function run(bin: string, args: string[], dir: string, ports: readonly number[]): Promise<ExternalProgram> {
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const program: ExternalProgram = {
    dir,
    child,
    read(name) {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return Promise.all(ports.map((p) => waitForPort(p))).then(
    () => program,
    async (error) => {
      await program.stop();
      throw new Error(`${bin} did not start: ${(error as Error).message}\n${stderr}`);
    },
  );
}

/** nginx (1 worker, foreground) with `http` block contents `httpBlock`; `ports` are waited for. */
export async function startNginx(bin: string, httpBlock: string, ports: readonly number[]): Promise<ExternalProgram> {
  const dir = mkdtempSync(join(tmpdir(), 'sip-nginx-'));
  const conf = `worker_processes 1;
daemon off;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  access_log off;
${httpBlock.replaceAll('$DIR', dir)}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  return run(bin, ['-p', dir, '-c', join(dir, 'nginx.conf')], dir, ports);
}

/** HAProxy (1 thread, foreground) with the given `global`-less configuration body. */
export async function startHaproxy(bin: string, body: string, ports: readonly number[]): Promise<ExternalProgram> {
  const dir = mkdtempSync(join(tmpdir(), 'sip-haproxy-'));
  const conf = `global
  nbthread 1
  maxconn 2048
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
${body}
`;
  writeFileSync(join(dir, 'haproxy.cfg'), conf);
  return run(bin, ['-f', join(dir, 'haproxy.cfg'), '-db'], dir, ports);
}
