/**
 * A tiny HTTP/1.1 client over a raw loopback socket, for tests that need exact control over the
 * source address (`localAddress` 127.x.y.z), the header lines (order, duplicates, odd bytes) and
 * the request line. One request per connection (`Connection: close`).
 */
import { connect } from 'node:net';

export interface Reply {
  readonly status: number;
  /** Response header lines, names lower-cased, in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly localAddress?: string;
  /** Bytes to send before the HTTP request (a PROXY protocol header). */
  readonly preamble?: Uint8Array;
  /** Send these bytes verbatim instead of a well-formed request. */
  readonly raw?: string;
  readonly timeoutMs?: number;
}

/** Sends one request to `url` (http://host:port/) and reads the whole reply. */
export function request(url: string, options: RequestOptions = {}): Promise<Reply> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port);
  const lines = [`${options.method ?? 'GET'} ${options.path ?? '/'} HTTP/1.1`, `Host: ${target.host}`];
  for (const [name, value] of options.headers ?? []) lines.push(`${name}: ${value}`);
  lines.push('Connection: close', '', '');
  const text = options.raw ?? lines.join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const chunks: Buffer[] = [];
    socket.setTimeout(options.timeoutMs ?? 5000, () => socket.destroy(new Error('request timed out')));
    socket.on('connect', () => {
      if (options.preamble !== undefined) socket.write(options.preamble);
      socket.write(Buffer.from(text, 'latin1'));
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    // A server that closes without reading (a refused PROXY connection) makes our write fail:
    // that is a closed connection (status 0), not a client error.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      if (split === -1) {
        resolve({ status: 0, headers: [], body: all });
        return;
      }
      const [statusLine = '', ...headerLines] = all.slice(0, split).split('\r\n');
      const headers = headerLines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
      });
      let body = all.slice(split + 4);
      if (headers.some(([n, v]) => n === 'transfer-encoding' && v === 'chunked')) body = unchunk(body);
      body = Buffer.from(body, 'latin1').toString('utf8');
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

function unchunk(body: string): string {
  let out = '';
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(body.slice(at, eol), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

/** A parsed JSON body; tests check its fields with assertions. */
// biome-ignore lint/suspicious/noExplicitAny: reply bodies are checked field by field by the assertions
export type Json = any;

/** `request` and parse the body as JSON. */
export async function getJson(url: string, options: RequestOptions = {}): Promise<{ status: number; json: Json }> {
  const reply = await request(url, options);
  return { status: reply.status, json: JSON.parse(reply.body) };
}

export function header(reply: Reply, name: string): string | undefined {
  return reply.headers.find(([n]) => n === name)?.[1];
}
