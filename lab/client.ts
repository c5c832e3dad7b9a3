/**
 * The lab's HTTP client, run inside a client namespace (`ip netns exec NS node lab/client.ts JSON`).
 * Reads an array of requests from argv[2], makes them one after another and prints one JSON array
 * of results: `{ ok: true, status, body }` or `{ ok: false, error }` (`timeout`, `ECONNRESET`, …).
 * `retryUntilMs` retries a request that fails to connect (used to wait for servers), bounded.
 */
import http from 'node:http';
import net from 'node:net';

interface LabRequest {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  retryUntilMs?: number;
  /** Connect, wait this long, then send the request (raw HTTP/1.1, `Connection: close`). */
  delayWriteMs?: number;
}

type LabResult = { ok: true; status: number; body: string } | { ok: false; error: string };

/** A client that is slow to speak: the request leaves `delayWriteMs` after the connection is up. */
function delayed(req: LabRequest): Promise<LabResult> {
  return new Promise((resolve) => {
    const url = new URL(req.url);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (result: LabResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), req.timeoutMs ?? 5000);
    const socket = net.connect({ host, port: Number(url.port || 80) }, () => {
      setTimeout(() => {
        const extra = Object.entries(req.headers ?? {})
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('');
        socket.write(
          `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${extra}Connection: close\r\n\r\n`,
        );
      }, req.delayWriteMs);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      if (status === null || split < 0) finish({ ok: false, error: text.length === 0 ? 'closed' : 'bad-response' });
      else finish({ ok: true, status: Number(status[1]), body: text.slice(split + 4) });
    });
  });
}

function once(req: LabRequest): Promise<LabResult> {
  if (req.delayWriteMs !== undefined) return delayed(req);
  return new Promise((resolveOuter) => {
    // A plain timer, not req.setTimeout: that one only starts once the TCP connection is up, and
    // the dropped-SYN case (Local without an endpoint) never gets there.
    const timer = setTimeout(() => {
      r.destroy(Object.assign(new Error('timeout'), { code: 'timeout' }));
    }, req.timeoutMs ?? 5000);
    const resolve = (result: LabResult) => {
      clearTimeout(timer);
      resolveOuter(result);
    };
    const r = http.request(req.url, { headers: req.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 256_000) body += c;
      });
      res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
    });
    r.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
    r.end();
  });
}

async function main(): Promise<void> {
  const requests = JSON.parse(process.argv[2] ?? '[]') as LabRequest[];
  const results: LabResult[] = [];
  for (const req of requests.slice(0, 50)) {
    const deadline = Date.now() + Math.min(req.retryUntilMs ?? 0, 20_000);
    let result = await once(req);
    for (let i = 0; !result.ok && Date.now() < deadline && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      result = await once(req);
    }
    results.push(result);
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

await main();
