/**
 * Runs Debian's nginx and HAProxy for tests, one way for every area: a temp prefix, free ports
 * picked for the config, a foreground process, a bounded wait until it listens on every port, the
 * program's own output in every thrown error, a retry with fresh ports when another process took
 * one first, and `stop()` by PID (SIGTERM, then SIGKILL after a bound) that removes the temp dir.
 * A process `exit` (and SIGINT/SIGTERM) safety net kills what is still running, so an aborted test
 * run leaves no orphan nginx or haproxy.
 *
 * @example
 * const nginx = await startNginx({
 *   ports: { front: '127.0.0.1' },
 *   http: (p) => `server { listen 127.0.0.1:${p.front}; return 200 "$remote_addr"; }`,
 * });
 * try { await fetch(`http://127.0.0.1:${nginx.ports.front}/`); } finally { await nginx.stop(); }
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProgram } from './programs.ts';

/** The loopback host(s) a port must be free on and is probed on: one port, the same on each. */
export type PortHosts = string | readonly string[];

export interface RunningPeer<K extends string = string> {
  readonly name: 'nginx' | 'haproxy';
  /** The picked port of each name given in `ports`. */
  readonly ports: Readonly<Record<K, number>>;
  readonly pid: number;
  /** The temp prefix: config, pid file, error log; removed by `stop()`. */
  readonly dir: string;
  /** stdout, stderr and (nginx) the error log so far. */
  log(): string;
  /** SIGTERM, SIGKILL after 3 s, wait for the exit, remove `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PeerOptions<K extends string> {
  /** Port names and the host(s) each must be free on, e.g. `{ v4: '127.0.0.1', both: ['127.0.0.1', '::1'] }`. */
  readonly ports: Readonly<Record<K, PortHosts>>;
  /** The program; default: `requireProgram(name)` (throws when it is missing). */
  readonly binary?: string;
  /** Bound on the wait until the program listens on every port (default 10 s). */
  readonly readyMs?: number;
}

type Render<K extends string> = string | ((ports: Readonly<Record<K, number>>, dir: string) => string);

const ATTEMPTS = 3;
const KILL_AFTER_MS = 3000;

/**
 * nginx with `daemon off; master_process off; worker_processes 1`, its pid, error log
 * (level warn) and temp paths under its own dir; `http` is the inside of the `http {}` block.
 */
export function startNginx<K extends string>(options: PeerOptions<K> & { http: Render<K> }): Promise<RunningPeer<K>> {
  return startWithRetry('nginx', options, (ports, dir) => {
    const http = typeof options.http === 'string' ? options.http : options.http(ports, dir);
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http}
}
`,
    );
    // -e: errors before the config is read go to our dir, not /var/log/nginx.
    return ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
  });
}

/**
 * The usual nginx reverse proxy in front of an app on 127.0.0.1:`port`, for a `server` block:
 * Host kept, X-Real-IP set to `$remote_addr`, the peer appended to X-Forwarded-For
 * (`$proxy_add_x_forwarded_for`).
 */
export function proxyPassLocation(port: number): string {
  return `    location / {
      proxy_pass http://127.0.0.1:${port};
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }`;
}

/**
 * The head of a test HAProxy config: `global` and `defaults` with the mode, a 2 s connect
 * timeout and `timeout` for client and server. Frontends and backends follow it. `noreuseport`:
 * HAProxy binds with SO_REUSEPORT by default, so two test HAProxies that picked the same port
 * would both bind it and share its connections; without it the second fails and is retried.
 */
export function haproxyDefaults(mode: 'tcp' | 'http', timeout = '10s'): string {
  return `global
  maxconn 100
  noreuseport
defaults
  mode ${mode}
  timeout connect 2s
  timeout client ${timeout}
  timeout server ${timeout}
`;
}

/** HAProxy in the foreground (`-db`) with the whole config from `config`. */
export function startHaproxy<K extends string>(
  options: PeerOptions<K> & { config: Render<K> },
): Promise<RunningPeer<K>> {
  return startWithRetry('haproxy', options, (ports, dir) => {
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(cfg, typeof options.config === 'string' ? options.config : options.config(ports, dir));
    return ['-db', '-f', cfg];
  });
}

async function startWithRetry<K extends string>(
  name: RunningPeer['name'],
  options: PeerOptions<K>,
  args: (ports: Readonly<Record<K, number>>, dir: string) => string[],
): Promise<RunningPeer<K>> {
  const binary = options.binary ?? requireProgram(name);
  if (typeof binary !== 'string') throw new Error(`${name}: ${binary.skip}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(name, binary, options, args);
    } catch (error) {
      // Ports are picked free, then bound by the program: another process may win the race.
      if (attempt >= ATTEMPTS || !/address already in use/i.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce<K extends string>(
  name: RunningPeer['name'],
  binary: string,
  options: PeerOptions<K>,
  args: (ports: Readonly<Record<K, number>>, dir: string) => string[],
): Promise<RunningPeer<K>> {
  const dir = mkdtempSync(join(tmpdir(), `sourceip-${name}-`));
  let child: ChildProcess | undefined;
  let output = '';
  const log = (): string => {
    let errorLog = '';
    try {
      errorLog = readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      // HAProxy, or nginx before it opened its log.
    }
    return output + errorLog;
  };
  const stop = async (): Promise<void> => {
    if (child) await terminate(child);
    running.delete(entry);
    rmSync(dir, { recursive: true, force: true });
  };
  const entry = { dir, kill: () => child?.kill('SIGKILL') };
  running.add(entry);
  armSafetyNet();
  try {
    const ports = await freePorts(options.ports);
    child = spawn(binary, args(ports, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    const spawned = child;
    spawned.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    spawned.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const spawnError = new Promise<never>((_, reject) => spawned.once('error', reject));
    spawnError.catch(() => {});
    const wanted = (Object.keys(ports) as K[]).flatMap((key) =>
      hostsOf(options.ports[key]).map((host) => ({ host, port: ports[key] })),
    );
    await Promise.race([waitUntilListening(spawned, wanted, Date.now() + (options.readyMs ?? 10_000)), spawnError]);
    return { name, ports, pid: spawned.pid as number, dir, log, stop };
  } catch (error) {
    const text = log();
    await stop();
    throw new Error(`${name}: ${(error as Error).message}\n${text}`);
  }
}

function hostsOf(hosts: PortHosts): readonly string[] {
  return typeof hosts === 'string' ? [hosts] : hosts;
}

/**
 * One port per name, free on each of its hosts. Every probe server stays open until all are
 * picked, so two names never get the same port.
 */
async function freePorts<K extends string>(wanted: Readonly<Record<K, PortHosts>>): Promise<Record<K, number>> {
  const held: net.Server[] = [];
  const listen = (port: number, host: string): Promise<number | undefined> =>
    new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, host, () => {
        held.push(server);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  try {
    const ports = {} as Record<K, number>;
    for (const key of Object.keys(wanted) as K[]) {
      const [first = '127.0.0.1', ...rest] = hostsOf(wanted[key]);
      for (let attempt = 0; ; attempt++) {
        if (attempt === 20) throw new Error(`no port free on ${hostsOf(wanted[key]).join(' and ')}`);
        const port = await listen(0, first);
        if (port === undefined) throw new Error(`cannot listen on ${first}`);
        let free = true;
        for (const host of rest) free = free && (await listen(port, host)) !== undefined;
        if (free) {
          ports[key] = port;
          break;
        }
      }
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

/**
 * Waits until `child` itself listens on every host:port. On Linux this reads /proc (the child's
 * socket inodes against /proc/net/tcp{,6} in LISTEN state) and makes no connection: a probe
 * connection would reach the backend of a TCP-mode HAProxy and count in the test, and a connect
 * can answer from another process that won a bind race. Elsewhere it connects, then checks that
 * the child is still running (a program that lost a bind race exits at once).
 */
async function waitUntilListening(
  child: ChildProcess,
  wanted: readonly { host: string; port: number }[],
  deadline: number,
): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited early with code ${child.exitCode}`);
    const listening = listeningSockets(child.pid as number);
    if (listening === undefined) return waitByConnecting(child, wanted, deadline);
    const missing = wanted.filter((w) => !listening.has(`${w.host.includes(':') ? 6 : 4}/${w.port}`));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`not listening on ${missing.map((m) => `${m.host}:${m.port}`).join(', ')} in time`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `4/port` and `6/port` of the TCP sockets `pid` listens on; undefined without /proc. */
function listeningSockets(pid: number): Set<string> | undefined {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode !== undefined) inodes.add(inode);
      } catch {
        // The fd closed while we read the list.
      }
    }
  } catch {
    return process.platform === 'linux' ? new Set() : undefined;
  }
  const found = new Set<string>();
  for (const [family, file] of [
    [4, '/proc/net/tcp'],
    [6, '/proc/net/tcp6'],
  ] as const) {
    let table = '';
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // Columns: sl local_address rem_address st ... uid timeout inode; st 0A = LISTEN.
    for (const line of table.split('\n').slice(1)) {
      const column = line.trim().split(/\s+/);
      const local = column[1];
      if (column[3] === '0A' && local !== undefined && inodes.has(column[9] ?? '')) {
        found.add(`${family}/${Number.parseInt(local.slice(local.indexOf(':') + 1), 16)}`);
      }
    }
  }
  return found;
}

async function waitByConnecting(
  child: ChildProcess,
  wanted: readonly { host: string; port: number }[],
  deadline: number,
): Promise<void> {
  for (const { host, port } of wanted) {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited early with code ${child.exitCode}`);
      const open = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host, port }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) break;
      if (Date.now() > deadline) throw new Error(`not listening on ${host}:${port} in time`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  await new Promise((r) => setTimeout(r, 50));
  if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  await exited;
  clearTimeout(force);
}

/** What is still running, for the safety net: killed (by PID) and its dir removed. */
const running = new Set<{ dir: string; kill: () => void }>();
let armed = false;

function armSafetyNet(): void {
  if (armed) return;
  armed = true;
  const cleanUp = (): void => {
    for (const entry of running) {
      entry.kill();
      rmSync(entry.dir, { recursive: true, force: true });
    }
    running.clear();
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      // Ours was the only handler: keep the default outcome (the process ends by that signal).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
