/**
 * One probe request: a fresh connection to the address the target resolved to (no keep-alive, no
 * redirects followed, no proxy from the environment), an optional PROXY header written before
 * TLS or HTTP, the check's header lines exactly as given (names as written, repeated names as
 * separate lines), a deadline on the whole exchange and a cap on the body read.
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

export interface Target {
  readonly url: URL;
  /** The address the host name resolved to; every request goes there. */
  readonly address: string;
  readonly port: number;
  readonly tls: boolean;
}

export interface SendOptions {
  readonly target: Target;
  /** Extra header lines, wire order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly timeoutMs: number;
  /** Local address to bind (`--source-address`). */
  readonly sourceAddress?: string;
  /** Bytes written first on the TCP connection (a PROXY header). */
  readonly preamble?: Uint8Array;
  /** TLS: certificate checks (default on). */
  readonly rejectUnauthorized?: boolean;
  readonly userAgent: string;
}

export interface SocketInfo {
  readonly localAddress: string | null;
  readonly remoteAddress: string | null;
}

export type SendResult =
  | ({ readonly ok: true; readonly status: number; readonly body: string } & SocketInfo)
  | ({ readonly ok: false; readonly error: string; readonly code: string } & SocketInfo);

/** Bodies above this are cut (an echo answer is a few kilobytes). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Sends one GET and reads the answer. Never throws: a network failure is `{ ok: false }`.
 * @example
 * await send({ target, headers: [['X-Forwarded-For', '198.18.7.100']], timeoutMs: 5000, userAgent: 'sourceip-probe' });
 */
export function send(options: SendOptions): Promise<SendResult> {
  const { target } = options;
  const hostName = target.url.hostname.startsWith('[') ? target.url.hostname.slice(1, -1) : target.url.hostname;
  const seen = { localAddress: null as string | null, remoteAddress: null as string | null };
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const fail = (code: string, error: string): void => finish({ ok: false, code, error, ...seen });

    const rawHeaders: string[] = [
      'Host',
      target.url.host,
      'User-Agent',
      options.userAgent,
      'Accept',
      'application/json, text/plain;q=0.9, */*;q=0.1',
      'Connection',
      'close',
    ];
    for (const [name, value] of options.headers) rawHeaders.push(name, value);

    const request = http.request({
      method: 'GET',
      path: `${target.url.pathname}${target.url.search}`,
      headers: rawHeaders,
      // No agent: createConnection makes a fresh connection for this one request (agent: false would ignore it).
      setHost: false,
      createConnection: () => {
        const socket = net.connect({
          host: target.address,
          port: target.port,
          ...(options.sourceAddress === undefined ? {} : { localAddress: options.sourceAddress }),
        });
        socket.once('connect', () => {
          seen.localAddress = socket.localAddress ?? null;
          seen.remoteAddress = socket.remoteAddress ?? null;
        });
        // Queued before any TLS or HTTP byte: the PROXY header must be the first thing on the wire.
        if (options.preamble !== undefined) socket.write(options.preamble);
        if (!target.tls) return socket;
        return tls.connect({
          socket,
          ...(net.isIP(hostName) === 0 ? { servername: hostName } : {}),
          host: hostName,
          ALPNProtocols: ['http/1.1'],
          rejectUnauthorized: options.rejectUnauthorized ?? true,
        });
      },
    });
    const timer = setTimeout(() => fail('ETIMEDOUT', `no answer within ${options.timeoutMs} ms`), options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ERROR', error.message));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        else done();
      });
      response.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ERROR', error.message));
      const done = (): void =>
        finish({
          ok: true,
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ...seen,
        });
      response.on('end', done);
    });
    request.end();
  });
}
