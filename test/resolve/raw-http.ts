/**
 * Raw HTTP/1.1 over one keep-alive socket with pipelining: full control over header lines (names
 * as sent, duplicates, tabs), a chosen source address (`localAddress`, e.g. 127.1.2.3) and the
 * source port the server saw. Bounded by a deadline.
 */
import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

export interface PipelineResult {
  readonly responses: RawResponse[];
  /** Our socket's local port = the peer port the server saw. */
  readonly localPort: number;
}

/** Build a request with header lines exactly as given (`[name, value]`, wire order). */
export function rawRequest(headers: readonly (readonly [string, string])[], path = '/'): string {
  let text = `GET ${path} HTTP/1.1\r\nHost: test\r\n`;
  for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/**
 * Send `requests` pipelined on one connection and read one response each (Content-Length bodies).
 * Rejects on timeout, a closed connection, or an unparsable response.
 */
export function pipeline(
  host: string,
  port: number,
  localAddress: string,
  requests: readonly string[],
  timeoutMs = 30_000,
): Promise<PipelineResult> {
  return new Promise((resolve, reject) => {
    const responses: RawResponse[] = [];
    let buffer: Buffer = Buffer.alloc(0);
    let localPort = 0;
    const socket = net.connect({ host, port, localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timeout after ${responses.length}/${requests.length} responses`));
    }, timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('connect', () => {
      localPort = socket.localPort ?? 0;
      socket.write(requests.join(''));
    });
    socket.on('error', fail);
    socket.on('close', () => {
      if (responses.length < requests.length)
        fail(new Error(`connection closed after ${responses.length}/${requests.length}`));
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        const lengthMatch = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (!statusMatch || !lengthMatch) {
          fail(new Error(`unparsable response head: ${JSON.stringify(head.slice(0, 200))}`));
          return;
        }
        const length = Number(lengthMatch[1]);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length).toString('latin1');
        buffer = buffer.subarray(end + 4 + length);
        responses.push({ status: Number(statusMatch[1]), body });
        if (responses.length === requests.length) {
          clearTimeout(timer);
          socket.end();
          resolve({ responses, localPort });
          return;
        }
      }
    });
  });
}
