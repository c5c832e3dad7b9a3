/**
 * A real redis-server for the policy tests: loopback only, no persistence, a free port, stopped
 * by its PID. `kill()` + `start()` again on the same port simulate an outage and a recovery;
 * `pause()`/`resume()` (SIGSTOP/SIGCONT) a Redis that accepts connections but answers nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { freePort } from '../gateway/external.ts';
import { requireProgram } from '../support/programs.ts';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts (again) on the same port; resolves when it answers PING. */
  start(): Promise<void>;
  /** SIGKILL and wait for exit (an outage). */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Teardown: resume if paused, then kill. */
  stop(): Promise<void>;
}

/** The redis-server binary, or a skip reason outside CI. */
export function redisBinary(): string | { skip: string } {
  return requireProgram('redis-server');
}

export async function startRedis(bin: string): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let paused = false;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      child = proc;
      const deadline = Date.now() + 10_000;
      while (!(await ping(port))) {
        if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async kill() {
      const proc = child;
      child = null;
      if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
      if (paused) {
        proc.kill('SIGCONT');
        paused = false;
      }
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
    pause() {
      child?.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      child?.kill('SIGCONT');
      paused = false;
    },
    async stop() {
      await server.kill();
    },
  };
  await server.start();
  return server;
}

/** True when something on `port` answers `PING` with `+PONG`. */
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}
