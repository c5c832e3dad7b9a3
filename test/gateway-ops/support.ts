/**
 * Helpers for gateway operations tests: a gateway child process (`node bin/sourceip.js gateway`)
 * whose JSON log lines are collected, small HTTP upstreams, and a request helper that never throws.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sourceip.js', import.meta.url));

export interface LogLine {
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface GatewayChild {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  readonly stderr: () => string;
  /** Resolves with the first log line (already seen or future) matching `match`. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Port of a listener, from its `listening` line (the latest one, after a rebind). */
  port(listener: string): number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (teardown). */
  kill(): void;
}

export async function spawnGateway(configFile: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<GatewayChild> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const key of Object.keys(env)) if (key.startsWith('SOURCEIP_') && !(key in extraEnv)) delete env[key];
  const child = spawn(process.execPath, [BIN, 'gateway', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const lines: LogLine[] = [];
  const waiters: Array<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: `(not JSON) ${text}` };
      }
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(0, 500)}`));
      }, timeoutMs);
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`gateway exited before the expected log line; stderr: ${stderr.slice(0, 500)}`));
      });
    });
  };
  await waitForLog((line) => line.msg === 'gateway ready');
  return {
    child,
    lines,
    stderr: () => stderr,
    waitForLog,
    port(listener) {
      const found = lines.filter((line) => line.listener === listener && String(line.msg).includes('listening')).at(-1);
      if (!found) throw new Error(`listener ${listener} not listening`);
      return found.port as number;
    },
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

export interface Upstream {
  readonly server: Server;
  readonly port: number;
  /** Requests currently waiting inside a `/slow` handler. */
  slowInFlight(): number;
  close(): Promise<void>;
}

/**
 * An upstream that answers `name` on every path; `/slow?ms=N` answers after N ms (bounded to 10 s).
 * It echoes the X-Real-IP and X-Forwarded-For it received in response headers.
 */
export async function startUpstream(name: string): Promise<Upstream> {
  let slow = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (): void => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-upstream': name,
        'x-seen-real-ip': String(req.headers['x-real-ip'] ?? ''),
        'x-seen-xff': String(req.headers['x-forwarded-for'] ?? ''),
      });
      res.end(`${name}\n`);
    };
    if (url.pathname === '/slow') {
      slow += 1;
      const ms = Math.min(Number(url.searchParams.get('ms') ?? 1000), 10_000);
      setTimeout(() => {
        slow -= 1;
        reply();
      }, ms);
      return;
    }
    reply();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    slowInFlight: () => slow,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Outcome {
  readonly ok: boolean;
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly error: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** One GET; never throws (errors become `ok: false`). `agent: false` = a fresh connection. */
export function get(
  port: number,
  path: string,
  options: { agent?: Agent | false; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Outcome> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: options.agent ?? false, headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({
            ok: res.statusCode === 200,
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            error: '',
            startedAt,
            endedAt: performance.now(),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({
            ok: false,
            status: res.statusCode ?? 0,
            body,
            headers: res.headers,
            error: error.code ?? error.message,
            startedAt,
            endedAt: performance.now(),
          }),
        );
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        status: 0,
        body: '',
        headers: {},
        error: error.code ?? error.message,
        startedAt,
        endedAt: performance.now(),
      }),
    );
    req.end();
  });
}

/** Polls `condition` every 10 ms; throws naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
