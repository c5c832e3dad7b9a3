/**
 * Responses the gateway writes itself: short fixed text bodies that never echo request bytes.
 * Prebuilt once per (status, close) pair.
 */

const REASONS: Readonly<Record<number, readonly [string, string]>> = {
  400: ['Bad Request', 'bad request\n'],
  403: ['Forbidden', 'forbidden\n'],
  404: ['Not Found', 'no route\n'],
  405: ['Method Not Allowed', 'method not allowed\n'],
  408: ['Request Timeout', 'request timeout\n'],
  413: ['Content Too Large', 'request body too large\n'],
  414: ['URI Too Long', 'request line too long\n'],
  429: ['Too Many Requests', 'too many requests\n'],
  431: ['Request Header Fields Too Large', 'request headers too large\n'],
  500: ['Internal Server Error', 'internal error\n'],
  502: ['Bad Gateway', 'upstream unavailable\n'],
  503: ['Service Unavailable', 'service unavailable\n'],
  504: ['Gateway Timeout', 'upstream timeout\n'],
  505: ['HTTP Version Not Supported', 'http version not supported\n'],
};

const cache = new Map<number, Buffer>();

function text(status: number): readonly [string, string] {
  return REASONS[status] ?? ['Error', 'error\n'];
}

/** The full response for `status`; `close` adds `Connection: close`. */
export function localResponse(status: number, close: boolean): Buffer {
  const key = status * 2 + (close ? 1 : 0);
  let buf = cache.get(key);
  if (buf === undefined) {
    buf = Buffer.from(buildLocal(status, close, null), 'latin1');
    cache.set(key, buf);
  }
  return buf;
}

/** Same, with extra headers (policy outcomes); values were produced by our own code. */
export function buildLocal(
  status: number,
  close: boolean,
  extra: ReadonlyArray<readonly [string, string]> | null,
): string {
  const [reason, body] = text(status);
  let head = `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n`;
  if (close) head += 'connection: close\r\n';
  if (extra !== null) for (const [name, value] of extra) head += `${name}: ${value}\r\n`;
  return `${head}\r\n${body}`;
}
