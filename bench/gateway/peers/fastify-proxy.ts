/** Benchmark peer: fastify + @fastify/http-proxy. Args: <listenPort> <upstream host:port>. */
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [portText, upstream] = process.argv.slice(2);
const app = Fastify({ logger: false });
await app.register(proxy, { upstream: `http://${upstream}` });
await app.listen({ port: Number(portText), host: '127.0.0.1' });
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
