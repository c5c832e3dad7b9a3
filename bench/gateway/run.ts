/**
 * Question: how fast is the sourceip gateway next to nginx, HAProxy and the usual Node proxies?
 * (`npm run bench:gateway`; issue 5 "Speed": ≥ 0.6× nginx's req/s, ≥ 3× the best Node proxy,
 * p99 ≤ 1.5× nginx's, RSS ≤ 60 MB, one process each.)
 *
 * Method: one upstream (nginx, 1 worker, `return 200`) on loopback; every proxy runs as its own process
 * in front of it — sourceip gateway, nginx (1 worker, proxy_pass + keepalive), HAProxy (1 thread),
 * node:http + undici Pool, @fastify/http-proxy, http-proxy, and the gateway with one process per core
 * (SO_REUSEPORT) — and wrk (`-t1 -c50`, `--latency`) drives each in interleaved rounds (A B C … A B C …),
 * so machine-load drift hits all alike. Reported: median req/s, p50 and p99 over the rounds, peak RSS
 * (VmHWM of every process of the peer, summed), and ratios to nginx. Node peers run type-stripped
 * JavaScript (bench/gateway/build-js.ts). Rows for issue 8's policies (memory / Redis rate limit) are
 * included when that engine is present.
 *
 * Bounded: SOURCEIP_BENCH_SECONDS per measurement (default 5), SOURCEIP_BENCH_ROUNDS rounds (default 5),
 * SOURCEIP_BENCH_CONNECTIONS (default 50). Writes the `gateway` section of bench/RESULTS.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ExternalProgram, freePort, startHaproxy, startNginx, waitForPort } from '../../test/gateway/external.ts';
import { requireProgram } from '../../test/support/programs.ts';
import { writeResultsSection } from '../results-file.ts';
import { buildJs } from './build-js.ts';

const SECONDS = Number(process.env.SOURCEIP_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.SOURCEIP_BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.SOURCEIP_BENCH_CONNECTIONS ?? 50);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Peer {
  readonly name: string;
  readonly port: number;
  readonly pids: () => number[];
  readonly stop: () => Promise<void>;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** CPU time of the peer's processes per request, µs (from /proc/PID/stat; robust to machine load). */
  cpuUs: number;
}

/** utime + stime of `pids`, in clock ticks (USER_HZ = 100 on Linux). */
function cpuTicks(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // process gone
    }
  }
  return ticks;
}

function program(name: string): string {
  const found = requireProgram(name);
  if (typeof found !== 'string') throw new Error(`${name} is needed for bench:gateway (${found.skip})`);
  return found;
}

/**
 * Starts a Node peer script (JavaScript copy) and waits for its `ready` line — or, with `port`, for the
 * port to open (the CLI, whose stdout is its access log).
 */
async function nodePeer(
  name: string,
  script: string,
  args: string[],
  count = 1,
  port = Number(args[0]),
): Promise<Peer> {
  const children: ChildProcess[] = [];
  const waitsForLine = port === Number(args[0]);
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', waitsForLine ? 'pipe' : 'ignore', 'inherit'],
    });
    children.push(child);
    if (!waitsForLine) break;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 10_000);
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    });
  }
  await waitForPort(port);
  return {
    name,
    port,
    pids: () => children.map((c) => c.pid!).filter(Boolean),
    stop: async () => {
      for (const child of children) {
        if (child.exitCode !== null) continue;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

function externalPeer(name: string, port: number, prog: ExternalProgram): Peer {
  return {
    name,
    port,
    // the master/parent and its workers
    pids: () => {
      const parent = prog.child.pid!;
      let out = '';
      try {
        out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(parent)], { encoding: 'utf8' });
      } catch {
        // no children (HAProxy with one thread)
      }
      return [
        parent,
        ...out
          .split('\n')
          .map((s) => Number(s.trim()))
          .filter((n) => n > 0),
      ];
    },
    stop: () => prog.stop(),
  };
}

/** Sum over `pids` of a /proc/PID/status field (kB), in MB. */
function statusMb(pids: readonly number[], field: 'VmHWM' | 'RssAnon'): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // process gone
    }
  }
  return kb / 1024;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

function measure(bin: string, peer: Peer, seconds: number): Sample {
  const pids = peer.pids();
  const before = cpuTicks(pids);
  const sample = wrk(bin, peer.port, seconds);
  const ticks = cpuTicks(pids) - before;
  sample.cpuUs = sample.requests > 0 ? (ticks * 10_000) / sample.requests : Number.NaN;
  return sample;
}

function wrk(bin: string, port: number, seconds: number): Sample {
  const out = execFileSync(
    bin,
    ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0);
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    cpuUs: Number.NaN,
    rps,
    p50: p50 ? toMs(p50[1]!, p50[2]!) : Number.NaN,
    p99: p99 ? toMs(p99[1]!, p99[2]!) : Number.NaN,
    errors,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const nginxBin = program('nginx');
  const haproxyBin = program('haproxy');
  const wrkBin = program('wrk');
  const js = buildJs();
  const peers: Peer[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let redisDir: string | undefined;
  try {
    // The upstream every proxy forwards to.
    const upPort = await freePort();
    const upstream = await startNginx(
      nginxBin,
      `server { listen 127.0.0.1:${upPort} backlog=4096; keepalive_requests 1000000; location / { return 200 "ok\\n"; } }`,
      [upPort],
    );
    cleanups.push(() => upstream.stop());
    const target = `127.0.0.1:${upPort}`;

    const gwPort = await freePort();
    peers.push(await nodePeer('sourceip gateway', js('bench/gateway/peers/sourceip.ts'), [String(gwPort), target]));

    // The engine with the real observer (access log + metrics): what observability costs per request.
    const observedPort = await freePort();
    peers.push(
      await nodePeer(
        'sourceip gateway (real observer: access log + metrics)',
        js('bench/gateway/peers/sourceip-observed.ts'),
        [String(observedPort), target],
      ),
    );

    // The real command: config file, JSON access log (to /dev/null), metrics, admin listener.
    const cliPort = await freePort();
    const configDir = mkdtempSync(join(tmpdir(), 'sip-bench-gw-'));
    cleanups.push(async () => rmSync(configDir, { recursive: true, force: true }));
    const configFile = join(configDir, 'sourceip.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        listeners: [{ name: 'public', host: '127.0.0.1', port: cliPort, trust: 'direct' }],
        upstreams: [{ name: 'app', targets: [target], keepAlive: 256 }],
        routes: [{ name: 'all', pathPrefix: '/', upstream: 'app' }],
        admin: { host: '127.0.0.1', port: await freePort() },
        log: { level: 'info', access: true },
      }),
    );
    peers.push(
      await nodePeer(
        'sourceip gateway command (access log + metrics)',
        js('bench/gateway/peers/sourceip-cli.ts'),
        ['gateway', '--config', configFile],
        1,
        cliPort,
      ),
    );

    const nginxPort = await freePort();
    const nginxProxy = await startNginx(
      nginxBin,
      `upstream up { server ${target}; keepalive 256; keepalive_requests 1000000; }
  server { listen 127.0.0.1:${nginxPort} backlog=4096; keepalive_requests 1000000;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } }`,
      [nginxPort],
    );
    peers.push(externalPeer('nginx (1 worker)', nginxPort, nginxProxy));

    const haproxyPort = await freePort();
    const haproxy = await startHaproxy(
      haproxyBin,
      `frontend fe
  bind 127.0.0.1:${haproxyPort}
  option forwardfor
  default_backend be
backend be
  http-reuse always
  server up ${target}`,
      [haproxyPort],
    );
    peers.push(externalPeer('HAProxy (1 thread)', haproxyPort, haproxy));

    for (const [name, script] of [
      ['node:http + undici Pool', 'bench/gateway/peers/node-undici.ts'],
      ['@fastify/http-proxy', 'bench/gateway/peers/fastify-proxy.ts'],
      ['http-proxy', 'bench/gateway/peers/http-proxy.ts'],
      ['node:net byte pipe (floor, no HTTP)', 'bench/gateway/peers/net-pipe.ts'],
    ] as const) {
      const port = await freePort();
      peers.push(await nodePeer(name, js(script), [String(port), target]));
    }

    const clusterPort = await freePort();
    const cores = Math.max(2, Math.min(4, (await import('node:os')).availableParallelism()));
    peers.push(
      await nodePeer(
        `sourceip gateway × ${cores} (SO_REUSEPORT)`,
        js('bench/gateway/peers/sourceip.ts'),
        [String(clusterPort), target, '--reuse-port'],
        cores,
      ),
    );

    // Issue 8 rows: the same gateway with a (never-triggering) rate limit, in memory and through Redis.
    if (existsSync(join(ROOT, 'src/gateway/policy/engine.ts'))) {
      const memPort = await freePort();
      peers.push(
        await nodePeer('sourceip gateway + memory rate limit', js('bench/gateway/peers/sourceip.ts'), [
          String(memPort),
          target,
          '--rate-limit',
          'memory',
        ]),
      );
      const redis = requireProgram('redis-server');
      if (typeof redis === 'string') {
        const redisPort = await freePort();
        redisDir = mkdtempSync(join(tmpdir(), 'sip-bench-redis-'));
        const child = spawn(
          redis,
          ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
          {
            stdio: 'ignore',
          },
        );
        cleanups.push(async () => {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          await exited;
        });
        await waitForPort(redisPort);
        const redisGwPort = await freePort();
        peers.push(
          await nodePeer('sourceip gateway + Redis rate limit', js('bench/gateway/peers/sourceip.ts'), [
            String(redisGwPort),
            target,
            '--rate-limit',
            'redis',
            '--redis',
            `redis://127.0.0.1:${redisPort}`,
          ]),
        );
      }
    }

    // Warm up every peer (JIT, pools), then interleaved rounds.
    for (const peer of peers) wrk(wrkBin, peer.port, 1);
    const samples = new Map<string, Sample[]>(peers.map((p) => [p.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const peer of peers) {
        const s = measure(wrkBin, peer, SECONDS);
        samples.get(peer.name)!.push(s);
        process.stderr.write(
          `round ${round + 1}/${ROUNDS} ${peer.name}: ${s.rps.toFixed(0)} req/s p50 ${s.p50.toFixed(2)} ms p99 ${s.p99.toFixed(2)} ms ${s.cpuUs.toFixed(1)} µs CPU/req\n`,
        );
      }
    }

    // Ratios are paired: each round's value over nginx's in the same round, then the median over rounds —
    // drift in machine load between rounds cancels out.
    const nginxSamples = samples.get(peers.find((p) => p.name.startsWith('nginx'))!.name)!;
    const NODE_PEERS = ['node:http + undici Pool', '@fastify/http-proxy', 'http-proxy'];
    const paired = (list: readonly Sample[], field: 'rps' | 'p99' | 'cpuUs') =>
      median(list.map((s, i) => s[field] / nginxSamples[i]![field]));
    const rows = peers.map((peer) => {
      const list = samples.get(peer.name)!;
      return {
        name: peer.name,
        rps: median(list.map((s) => s.rps)),
        p50: median(list.map((s) => s.p50)),
        p99: median(list.map((s) => s.p99)),
        cpuUs: median(list.map((s) => s.cpuUs)),
        rpsRatio: paired(list, 'rps'),
        p99Ratio: paired(list, 'p99'),
        cpuRatio: paired(list, 'cpuUs'),
        errors: list.reduce((n, s) => n + s.errors, 0),
        rss: statusMb(peer.pids(), 'VmHWM'),
        anon: statusMb(peer.pids(), 'RssAnon'),
      };
    });
    const gateway = rows[0]!;
    const gatewaySamples = samples.get(gateway.name)!;
    const nodeSamples = NODE_PEERS.map((name) => samples.get(name)!);
    // Per round: the gateway over the best Node proxy of that round (req/s), and the best Node proxy's CPU over ours.
    const vsNodeRps = median(gatewaySamples.map((s, i) => s.rps / Math.max(...nodeSamples.map((l) => l[i]!.rps))));
    const vsNodeCpu = median(gatewaySamples.map((s, i) => Math.min(...nodeSamples.map((l) => l[i]!.cpuUs)) / s.cpuUs));
    const lines = [
      `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s --latency, ${ROUNDS} interleaved rounds; columns are medians over the rounds, ` +
        'ratios are medians of the per-round ratios to nginx (paired, so load drift between rounds cancels); upstream ' +
        'nginx `return 200` on loopback; every proxy adds X-Forwarded-For (and X-Real-IP where it can). Peak RSS = VmHWM ' +
        'summed over the peer’s processes (it includes the program’s file-backed pages: ~35–47 MB of the node binary ' +
        'for every Node peer); anon = RssAnon (private memory) at the end of the run.',
      '',
      '| proxy | req/s | p50 ms | p99 ms | CPU µs/req | peak RSS MB | anon MB | req/s ÷ nginx | p99 ÷ nginx | CPU ÷ nginx | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuUs.toFixed(1)} | ${r.rss.toFixed(1)} | ${r.anon.toFixed(1)} | ${r.rpsRatio.toFixed(2)} | ${r.p99Ratio.toFixed(2)} | ${r.cpuRatio.toFixed(2)} | ${r.errors} |`,
      ),
      '',
      `Goals (one process): req/s ≥ 0.6× nginx → ${gateway.rpsRatio.toFixed(2)}× ${gateway.rpsRatio >= 0.6 ? '✓' : '✗'}; ` +
        `≥ 3× best Node proxy → ${vsNodeRps.toFixed(2)}× req/s ${vsNodeRps >= 3 ? '✓' : '✗'} ` +
        `(${vsNodeCpu.toFixed(2)}× less CPU per request); ` +
        `p99 ≤ 1.5× nginx → ${gateway.p99Ratio.toFixed(2)}× ${gateway.p99Ratio <= 1.5 ? '✓' : '✗'}; ` +
        `RSS ≤ 60 MB → ${gateway.rss.toFixed(1)} MB ${gateway.rss <= 60 ? '✓' : '✗'}.`,
      '',
      `Per-round req/s — gateway: ${gatewaySamples.map((s) => s.rps.toFixed(0)).join(' / ')}; nginx: ` +
        `${nginxSamples.map((s) => s.rps.toFixed(0)).join(' / ')}.`,
      '',
      'Reading the table: CPU µs/req is the steadiest column on a shared machine (req/s and p99 move with other ' +
        'load). The `node:net byte pipe` row copies bytes between one client and one upstream socket without any ' +
        'HTTP work: it is what Node’s socket layer costs here (two reads, two writes, the stream machinery) and bounds ' +
        'any Node proxy; the gateway’s HTTP work is the difference between its row and that one. Peak RSS counts the ' +
        'node binary’s file-backed pages (shared between processes); the pipe row is Node’s RSS floor.',
    ];
    const markdown = lines.join('\n');
    process.stdout.write(`${markdown}\n`);
    writeResultsSection('gateway', 'npm run bench:gateway', markdown);
  } finally {
    for (const peer of peers) await peer.stop().catch(() => {});
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  }
}

await main();
