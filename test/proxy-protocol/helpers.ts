/**
 * Shared by the PROXY protocol tests: a raw TCP client that writes chunks and collects the reply
 * until the server closes (bounded in time), and small server helpers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RawReply {
  readonly data: string;
  /** How the connection ended: `closed` by the server (FIN/RST), or our `timeout`. */
  readonly end: 'closed' | 'timeout';
  readonly ms: number;
}

/**
 * Connects to host:port (optionally from `localAddress`), writes each chunk `gapMs` apart,
 * half-closes when `endAfter` is set, and resolves when the server closes or after `timeoutMs`.
 */
export function rawExchange(
  port: number,
  chunks: readonly (Uint8Array | string)[],
  opts: { host?: string; localAddress?: string; gapMs?: number; timeoutMs?: number; endAfter?: boolean } = {},
): Promise<RawReply> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: opts.host ?? '127.0.0.1', port, localAddress: opts.localAddress });
    const parts: Buffer[] = [];
    let settled = false;
    const settle = (end: RawReply['end']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(parts).toString('latin1'), end, ms: Date.now() - started });
    };
    const timer = setTimeout(() => settle('timeout'), opts.timeoutMs ?? 3000);
    socket.on('data', (d) => parts.push(d));
    socket.on('close', () => settle('closed'));
    socket.on('error', () => settle('closed'));
    socket.on('connect', async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
        if (socket.destroyed) return;
        socket.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
      }
      if (opts.endAfter) socket.end();
    });
  });
}

export function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

export function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A self-signed certificate for `CN`, made with openssl in `dir`. */
export function makeCertificate(dir: string, cn: string, name = 'server'): { key: string; cert: string; pem: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`],
    { stdio: 'pipe' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
  const pem = path.join(dir, `${name}.pem`);
  spawnSync('sh', ['-c', `cat "${cert}" "${key}" > "${pem}"`]);
  return { key, cert, pem };
}

/** Waits until `check()` is true (polling), at most `ms`. */
export async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
