/**
 * The lab's HTTP client, run inside a client namespace (`ip netns exec NS node lab/client.ts JSON`).
 * Reads an array of requests from argv[2], makes them one after another and prints one JSON array
 * of results: `{ ok: true, status, body }` or `{ ok: false, error }` (`timeout`, `ECONNRESET`, …).
 * `retryUntilMs` retries a request that fails to connect (used to wait for servers), bounded.
 */
import http from 'node:http';

interface LabRequest {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  retryUntilMs?: number;
}

type LabResult = { ok: true; status: number; body: string } | { ok: false; error: string };

function once(req: LabRequest): Promise<LabResult> {
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
