/** Benchmark peer: node:http server proxying through an undici Pool. Args: <listenPort> <upstream host:port>. */
import http from 'node:http';
import { Pool } from 'undici';

const [portText, upstream] = process.argv.slice(2);
const pool = new Pool(`http://${upstream}`, { connections: 256, pipelining: 1 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

http
  .createServer((req, res) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP.has(name)) headers[name] = value;
    }
    const peer = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
    headers['x-real-ip'] = peer;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool
      .request({ method: req.method as 'GET', path: req.url ?? '/', headers, body: hasBody ? req : null })
      .then(({ statusCode, headers: out, body }) => {
        const clean: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(out)) if (value !== undefined && !HOP.has(name)) clean[name] = value;
        res.writeHead(statusCode, clean);
        body.pipe(res);
      })
      .catch(() => {
        res.statusCode = 502;
        res.end();
      });
  })
  .listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
