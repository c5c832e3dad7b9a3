/** Benchmark peer: node:http + http-proxy (keep-alive agent, xfwd). Args: <listenPort> <upstream host:port>. */
import http from 'node:http';
import httpProxy from 'http-proxy';

const [portText, upstream] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://${upstream}`, agent, xfwd: true });
http
  .createServer((req, res) =>
    proxy.web(req, res, {}, () => {
      res.statusCode = 502;
      res.end();
    }),
  )
  .listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
