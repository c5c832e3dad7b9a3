/**
 * Benchmark reference, not a proxy: each client connection gets one upstream connection and bytes are
 * copied both ways without parsing HTTP. It shows Node's own floor for this setup (throughput of the
 * `net` stream path, and RSS). Args: <listenPort> <upstream host:port>.
 */
import net from 'node:net';

const [portText, upstream] = process.argv.slice(2);
const colon = upstream!.lastIndexOf(':');
const host = upstream!.slice(0, colon);
const port = Number(upstream!.slice(colon + 1));
net
  .createServer({ noDelay: true }, (client) => {
    const up = net.connect({ host, port, noDelay: true });
    client.on('data', (d: Buffer) => up.write(d));
    up.on('data', (d: Buffer) => client.write(d));
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.on('error', () => {});
    up.on('error', () => {});
  })
  .listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
