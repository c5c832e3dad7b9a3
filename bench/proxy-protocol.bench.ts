/**
 * Question: what does the PROXY protocol cost us — per header decoded, against proxy-protocol-js
 * on the same bytes in the same run, and per HTTP request through a `required` listener compared
 * with the same server without PROXY on loopback (goal: ≤ 5 %)?
 *
 * Decode inputs: v1 TCP4, v2 TCP4 without TLVs, v2 TCP6 with ALPN + AUTHORITY + UNIQUE_ID + AWS
 * 0xEA + CRC32C (what an NLB or HAProxy sends). Ours: `decodeProxyHeader` on a Buffer, giving
 * address text and every TLV, CRC32C verified. Peer: proxy-protocol-js 4 (`V1BinaryProxyProtocol`
 * / `V2ProxyProtocol.parse` on the same Buffer; it leaves addresses as byte arrays, does not
 * split TLVs and does not verify CRC32C, so it does less work than we do).
 * Method: mitata `measure`, interleaved rounds, median of per-round p50 in ns/op; ratio = peer / ours.
 *
 * HTTP: a tiny `http.createServer` in this process; the client is an undici Pool (32 connections)
 * in a worker thread, for a fixed time per round, rounds alternating between the two servers.
 * Two shapes: keep-alive (the header is read once per connection) and one connection per request
 * (the header phase on every request). Besides req/s (sensitive to whatever else runs on the
 * machine) it reports the server thread's own CPU time per request (`process.threadCpuUsage`).
 * Bounded: SOURCEIP_BENCH_HTTP_SECONDS per round (default 2), 3 rounds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { do_not_optimize, measure } from 'mitata';
import { V1BinaryProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';
import { decodeProxyHeader } from '../src/core/proxy-protocol/decode.ts';
import { encodeProxyHeader } from '../src/core/proxy-protocol/encode.ts';
import { acceptProxyProtocol } from '../src/core/proxy-protocol/listener.ts';

const ROUNDS = Number(process.env.SOURCEIP_BENCH_ROUNDS ?? 5);
const HTTP_SECONDS = Number(process.env.SOURCEIP_BENCH_HTTP_SECONDS ?? 2);
const HTTP_ROUNDS = 3;
const MIN_CPU_NS = 40e6;

const te = new TextEncoder();
const inputs: { name: string; bytes: Buffer; peer: (b: Buffer) => unknown }[] = [
  {
    name: 'v1 TCP4',
    bytes: Buffer.from(
      encodeProxyHeader({
        version: 1,
        source: '203.0.113.7',
        sourcePort: 51234,
        destination: '198.18.0.10',
        destinationPort: 443,
      }),
    ),
    peer: (b) => V1BinaryProxyProtocol.parse(b),
  },
  {
    name: 'v2 TCP4, no TLV',
    bytes: Buffer.from(
      encodeProxyHeader({
        version: 2,
        source: '203.0.113.7',
        sourcePort: 51234,
        destination: '198.18.0.10',
        destinationPort: 443,
      }),
    ),
    peer: (b) => V2ProxyProtocol.parse(b),
  },
  {
    name: 'v2 TCP6, 4 TLVs + CRC32C',
    bytes: Buffer.from(
      encodeProxyHeader({
        version: 2,
        source: '2001:db8:85a3::8a2e:370:7334',
        sourcePort: 51234,
        destination: '2001:db8::10',
        destinationPort: 443,
        tlvs: [
          { type: 0x01, value: te.encode('h2') },
          { type: 0x02, value: te.encode('api.example.com') },
          { type: 0x05, value: te.encode('0a1b2c3d4e5f60718293a4b5c6d7e8f9') },
          { type: 0xea, value: Uint8Array.from([0x01, ...te.encode('vpce-08d2bf15fac5001c9')]) },
        ],
        crc32c: true,
      }),
    ),
    peer: (b) => V2ProxyProtocol.parse(b),
  },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function decodeTable(): Promise<string> {
  const rows: string[] = [];
  for (const input of inputs) {
    const check = decodeProxyHeader(input.bytes);
    if (check.status !== 'ok') throw new Error(`bench input ${input.name} does not decode: ${JSON.stringify(check)}`);
    const ours: number[] = [];
    const peer: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      ours.push(
        (await measure(() => do_not_optimize(decodeProxyHeader(input.bytes)), { min_cpu_time: MIN_CPU_NS })).p50,
      );
      peer.push((await measure(() => do_not_optimize(input.peer(input.bytes)), { min_cpu_time: MIN_CPU_NS })).p50);
    }
    const o = median(ours);
    const p = median(peer);
    rows.push(`| ${input.name} | ${input.bytes.length} | ${o.toFixed(0)} | ${p.toFixed(0)} | ${(p / o).toFixed(2)}× |`);
  }
  return [
    '| header | bytes | sourceip ns/op | proxy-protocol-js ns/op | ratio (peer / ours) |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

// The load generator: an undici Pool in a worker, counting responses for `seconds`.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const { Pool } = require(workerData.undici);
const { port, header, seconds, close } = workerData;
const connect = (opts, cb) => {
  // noDelay as undici sets it on its own sockets: without it Nagle holds the request behind the
  // header's unacknowledged segment for a delayed-ACK period.
  const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
  s.once('error', (e) => cb(e, null));
  s.once('connect', () => {
    if (header) s.write(Buffer.from(header, 'hex'));
    cb(null, s);
  });
};
const pool = new Pool('http://127.0.0.1:' + port, { connections: 32, pipelining: 1, connect });
const until = Date.now() + seconds * 1000;
let done = 0;
let errors = 0;
async function loop() {
  while (Date.now() < until) {
    try {
      const r = await pool.request({ path: '/', method: 'GET', headers: close ? { connection: 'close' } : {} });
      await r.body.dump();
      done++;
    } catch { errors++; }
  }
}
Promise.all(Array.from({ length: 32 }, loop)).then(async () => {
  await pool.close();
  parentPort.postMessage({ done, errors });
});
`;

/** Requests per second, and this thread's (the server's) CPU µs per request. */
async function load(port: number, header: Buffer | null, close: boolean): Promise<{ rps: number; cpu: number }> {
  const cpuBefore = process.threadCpuUsage();
  const worker = new Worker(CLIENT, {
    eval: true,
    workerData: {
      undici: new URL(import.meta.resolve('undici')).pathname,
      port,
      header: header?.toString('hex') ?? null,
      seconds: HTTP_SECONDS,
      close,
    },
  });
  const result = await new Promise<{ done: number; errors: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const cpu = process.threadCpuUsage(cpuBefore);
  await worker.terminate();
  if (result.errors > result.done / 100) throw new Error(`too many client errors: ${JSON.stringify(result)}`);
  return { rps: result.done / HTTP_SECONDS, cpu: (cpu.user + cpu.system) / result.done };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function httpTable(): Promise<string> {
  const handler: http.RequestListener = (_req, res) => {
    res.end('ok');
  };
  const plain = http.createServer(handler);
  const withPp = http.createServer(handler);
  acceptProxyProtocol(withPp, { mode: 'required', trusted: ['loopback'] });
  const plainPort = await listen(plain);
  const ppPort = await listen(withPp);
  const header = Buffer.from(
    encodeProxyHeader({
      version: 2,
      source: '203.0.113.7',
      sourcePort: 51234,
      destination: '198.18.0.10',
      destinationPort: 443,
    }),
  );
  const rows: string[] = [];
  try {
    for (const close of [false, true]) {
      const a: { rps: number; cpu: number }[] = [];
      const b: { rps: number; cpu: number }[] = [];
      for (let r = 0; r < HTTP_ROUNDS; r++) {
        a.push(await load(plainPort, null, close));
        b.push(await load(ppPort, header, close));
      }
      const pa = median(a.map((x) => x.rps));
      const pb = median(b.map((x) => x.rps));
      const ca = median(a.map((x) => x.cpu));
      const cb = median(b.map((x) => x.cpu));
      rows.push(
        `| ${close ? 'new connection per request' : 'keep-alive, 32 connections'} | ${pa.toFixed(0)} | ${pb.toFixed(0)} | ` +
          `${(((pa - pb) / pa) * 100).toFixed(1)} % | ${ca.toFixed(1)} | ${cb.toFixed(1)} | ${(((cb - ca) / ca) * 100).toFixed(1)} % |`,
      );
    }
  } finally {
    plain.closeAllConnections();
    withPp.closeAllConnections();
    plain.close();
    withPp.close();
  }
  return [
    '| client | plain req/s | `required` PROXY v2 req/s | throughput cost | plain server CPU µs/req | PROXY server CPU µs/req | CPU cost |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

export async function run(): Promise<string> {
  const decode = await decodeTable();
  const httpRows = await httpTable();
  return [
    '### Decode, ns/op (lower is better)',
    '',
    decode,
    '',
    'proxy-protocol-js does less per call: addresses stay byte arrays, TLVs stay one blob, CRC32C is not checked.',
    '',
    `### HTTP through a \`required\` listener (loopback, undici 32 connections in a worker, ${HTTP_SECONDS} s × ${HTTP_ROUNDS} rounds, median)`,
    '',
    httpRows,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await run()}\n`);
}
