/**
 * Question: how fast is resolving the client from X-Forwarded-For, against the Node libraries
 * people use today, on the same inputs in the same run?
 *
 * Inputs: a trusted peer and an XFF chain of 1, 3 and 10 entries (the client leftmost, the rest
 * trusted proxies, so every resolver that walks must walk the whole chain), IPv4 and IPv6.
 * Peers: proxy-addr (Express `req.ip`), @fastify/proxy-addr (Fastify `request.ip`) — both with the
 * trust list compiled once, as the frameworks do — and request-ip (no trust list: leftmost), each
 * given a fake request `{ socket: { remoteAddress }, headers }`.
 * Ours: `strict` (and `nginx` / `express` when those strategies are present), through the public
 * `resolve()` with rawHeaders, as the middleware calls it.
 * Method: every implementation runs in its own worker thread (its own V8 isolate, as in a process
 * that uses only it: our strategies share the walk's code, and one process exercising all of them
 * would make its call sites polymorphic); the main thread asks them in turn, so one measures at a
 * time. mitata `measure`, interleaved rounds (each implementation of a scenario once per round),
 * median of the per-round p50 in ns/op; ratio = peer ÷ sourceip strict. The goal table (issue 3:
 * ≥ 20× proxy-addr on IPv4, ≥ 30× on IPv6, for strict and nginx) takes each round's ratio and
 * reports the median, so a load change between rounds moves both sides of a ratio alike.
 * Note: behind a proxy the peer is the same few addresses, so our resolver's one-entry peer cache
 * hits, as it would in production; every header entry is parsed on every call.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const ROUNDS = Number(process.env.SOURCEIP_BENCH_ROUNDS ?? 5);
const MIN_CPU_NS = 25e6;

interface Scenario {
  name: string;
  peer: string;
  xff: string;
  trusted: string[];
  client: string;
}

function scenario(family: 4 | 6, entries: number): Scenario {
  const client = family === 4 ? '203.0.113.7' : '2001:db8:85a3::8a2e:370:7334';
  const proxies = Array.from({ length: entries - 1 }, (_, i) => (family === 4 ? `10.0.1.${i + 2}` : `fd00::${i + 2}`));
  return {
    name: `IPv${family}, ${entries} ${entries === 1 ? 'entry' : 'entries'}`,
    peer: family === 4 ? '10.0.0.1' : 'fd00::1',
    xff: [client, ...proxies].join(', '),
    trusted: family === 4 ? ['10.0.0.0/8'] : ['fd00::/8'],
    client,
  };
}

const SCENARIOS = [scenario(4, 1), scenario(4, 3), scenario(4, 10), scenario(6, 1), scenario(6, 3), scenario(6, 10)];

const OURS = [
  { name: 'sourceip strict', options: {} },
  { name: 'sourceip nginx (recursive)', options: { semantics: 'nginx', recursive: true } },
  { name: 'sourceip express', options: { semantics: 'express' } },
] as const;
const PEERS = ['proxy-addr', '@fastify/proxy-addr', 'request-ip'] as const;

/** Worker side: build one implementation, check its answers, measure on request. */
async function serve(impl: string): Promise<void> {
  const { do_not_optimize, measure } = await import('mitata');
  const fakeReq = (s: Scenario) => ({
    socket: { remoteAddress: s.peer },
    connection: { remoteAddress: s.peer },
    headers: { host: 'example.com', 'x-forwarded-for': s.xff, accept: '*/*' },
  });
  let make: (s: Scenario) => () => unknown;
  const ours = OURS.find((o) => o.name === impl);
  if (ours !== undefined) {
    const { createResolver } = await import('../src/core/trust/resolver.ts');
    make = (s) => {
      const resolver = createResolver({ ...ours.options, trusted: s.trusted });
      const input = { peer: s.peer, rawHeaders: ['Host', 'example.com', 'X-Forwarded-For', s.xff, 'Accept', '*/*'] };
      return () => resolver.resolve(input).client;
    };
  } else if (impl === 'proxy-addr') {
    const proxyAddr = (await import('proxy-addr')).default;
    make = (s) => {
      const trust = proxyAddr.compile(s.trusted);
      const req = fakeReq(s);
      return () => proxyAddr(req as never, trust);
    };
  } else if (impl === '@fastify/proxy-addr') {
    const fastifyProxyAddr = (await import('@fastify/proxy-addr')).default;
    make = (s) => {
      const trust = fastifyProxyAddr.compile(s.trusted);
      const req = fakeReq(s);
      return () => fastifyProxyAddr(req as never, trust);
    };
  } else {
    const requestIp = (await import('request-ip')).default;
    make = (s) => {
      const req = fakeReq(s);
      return () => requestIp.getClientIp(req as never);
    };
  }
  const fns = SCENARIOS.map(make);
  // Same answer everywhere (request-ip is leftmost by design, which is the client here too).
  SCENARIOS.forEach((s, i) => {
    const got = String(fns[i]!());
    if (got !== s.client) throw new Error(`${impl} on ${s.name}: got ${got}, want ${s.client}`);
  });
  // Warm up: let every scenario's code reach the optimizing compiler before the first sample
  // (bounded in time: at most ~0.5 s per worker).
  const until = performance.now() + 500;
  for (let round = 0; round < 50 && performance.now() < until; round++) {
    for (const fn of fns) for (let k = 0; k < 2000; k++) do_not_optimize(fn());
  }
  parentPort!.on('message', async (i: number) => {
    const fn = fns[i]!;
    const stats = await measure(() => do_not_optimize(fn()), { min_cpu_time: MIN_CPU_NS });
    // Thread CPU time per op over ~20 ms: unlike wall-clock samples it does not count the time
    // this thread waited for a core, so it moves less when the machine is busy.
    const n = Math.max(1000, Math.round(20e6 / Math.max(stats.p50, 1)));
    const t0 = process.threadCpuUsage();
    for (let k = 0; k < n; k++) do_not_optimize(fn());
    const t1 = process.threadCpuUsage();
    const cpu = ((t1.user + t1.system - t0.user - t0.system) * 1000) / n;
    parentPort!.postMessage([stats.p50, cpu]);
  });
  parentPort!.postMessage('ready');
}

if (!isMainThread && (workerData as { bench?: string } | null)?.bench === 'resolve-xff') {
  await serve((workerData as { impl: string }).impl);
}

type Sample = [p50: number, cpu: number];

function startWorker(impl: string): Promise<{ worker: Worker; ask(i: number): Promise<Sample> } | null> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { bench: 'resolve-xff', impl } });
    worker.once('error', (error) => {
      process.stderr.write(`bench: ${impl} unavailable: ${error.message}\n`);
      resolve(null);
    });
    worker.once('message', () => {
      resolve({
        worker,
        ask: (i) =>
          new Promise((done) => {
            worker.once('message', (sample: Sample) => done(sample));
            worker.postMessage(i);
          }),
      });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);

export async function run(): Promise<string> {
  // Our nginx/express rows appear only when those strategies exist in this checkout.
  const { createResolver } = await import('../src/core/trust/resolver.ts');
  const available = OURS.filter((o) => {
    try {
      createResolver({ ...o.options, trusted: ['10.0.0.0/8'] } as never);
      return true;
    } catch {
      return false;
    }
  }).map((o) => o.name);
  const names: string[] = [...available, ...PEERS];
  const workers = await Promise.all(names.map(startWorker));
  if (workers.some((w) => w === null)) throw new Error('a benchmark worker failed to start');
  const ws = workers as Array<{ worker: Worker; ask(i: number): Promise<Sample> }>;

  const { loadavg } = await import('node:os');
  const loadBefore = loadavg()[0]!.toFixed(2);
  const samples = SCENARIOS.map(() => names.map(() => [] as number[]));
  const cpuSamples = SCENARIOS.map(() => names.map(() => [] as number[]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < SCENARIOS.length; i++) {
        for (let j = 0; j < names.length; j++) {
          const [p50, cpu] = await ws[j]!.ask(i);
          samples[i]![j]!.push(p50);
          cpuSamples[i]![j]!.push(cpu);
        }
      }
    }
  } finally {
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }

  const header = ['scenario', ...names, ...PEERS.map((p) => `${p} / strict`)];
  const tableOf = (data: number[][][]) => {
    const rows = SCENARIOS.map((s, i) => {
      const med = names.map((_, j) => median(data[i]![j]!));
      const base = med[0]!;
      const ratios = PEERS.map((p) => `${(med[names.indexOf(p)]! / base).toFixed(1)}×`);
      return [s.name, ...med.map(fmt), ...ratios];
    });
    return [
      `| ${header.join(' | ')} |`,
      `|${header.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  };
  // Issue 3's goal, per round: proxy-addr ÷ ours from the same round's samples (load moves both),
  // then the median over rounds — steadier than the ratio of two medians.
  const goalRows = available
    .filter((o) => o !== 'sourceip express')
    .flatMap((ours) =>
      SCENARIOS.map((s, i) => {
        const j = names.indexOf(ours);
        const p = names.indexOf('proxy-addr');
        const ratio = (data: number[][][]) => median(data[i]![p]!.map((peer, r) => peer / data[i]![j]![r]!));
        const wall = ratio(samples);
        const cpu = ratio(cpuSamples);
        const goal = s.name.startsWith('IPv4') ? 20 : 30;
        const ok = (x: number) => (x >= goal ? '✓' : '✗');
        return `| ${ours} | ${s.name} | ${wall.toFixed(1)}× ${ok(wall)} | ${cpu.toFixed(1)}× ${ok(cpu)} | ≥ ${goal}× |`;
      }),
    );
  return [
    'Resolve the client from `X-Forwarded-For` (client leftmost, the other entries trusted proxies, trusted peer).',
    'Each implementation in its own worker thread, interleaved rounds; ratio = peer ÷ sourceip strict. request-ip',
    'takes the leftmost entry without any trust check: it is fast because it is spoofable.',
    `1-minute load average before / after the run: ${loadBefore} / ${loadavg()[0]!.toFixed(2)}.`,
    '',
    `### mitata p50, wall clock (median of ${ROUNDS} rounds), per op`,
    '',
    tableOf(samples),
    '',
    `### Thread CPU time per op (median of ${ROUNDS} rounds; counts only this thread's CPU, steadier on a busy machine)`,
    '',
    tableOf(cpuSamples),
    '',
    `### Goal (issue 3): proxy-addr ÷ sourceip, median over the ${ROUNDS} rounds of the same-round ratio`,
    '',
    '| sourceip | scenario | wall clock | thread CPU | goal |',
    '|---|---|---|---|---|',
    ...goalRows,
  ].join('\n');
}
