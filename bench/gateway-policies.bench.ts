/**
 * Question: what does a rate limit cost the gateway — in memory, and through Redis on loopback?
 * Goal (issue 8): ≤ 5 % with the in-memory store, ≤ 15 % with Redis.
 *
 * Method: three `sourceip gateway` processes in front of one Node upstream process — no policy,
 * an in-memory limit, a Redis limit (both far too high to trigger, so every request is counted
 * and admitted with its RateLimit headers) — measured with wrk on loopback in interleaved rounds
 * (A B C A B C …), so that machine-load drift hits all three alike. Reported per row: median
 * req/s and median gateway CPU time per request (from /proc/<pid>/stat; req/s moves with the
 * load of a shared machine, CPU per request much less), each relative to the unlimited gateway
 * in the same run; for Redis also the redis-server CPU per request.
 *
 * A second table isolates the policy's own work in-process (mitata p50 per check: the rate-limit
 * chain with its RateLimit fields, an access list of 1 000 ranges), and sets it against the
 * gateway's CPU per request measured above: on a shared, loaded machine the end-to-end rows move
 * by more than the cost being measured, the in-process numbers do not.
 *
 * Bounded: SOURCEIP_BENCH_HTTP_SECONDS per round (default 3), SOURCEIP_BENCH_ROUNDS rounds (default 5).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '../test/gateway/external.ts';
import { ping } from '../test/policy/support.ts';
import { requireProgram } from '../test/support/programs.ts';

const BIN = fileURLToPath(new URL('../bin/sourceip.js', import.meta.url));
const SECONDS = Number(process.env.SOURCEIP_BENCH_HTTP_SECONDS ?? 3);
const ROUNDS = Number(process.env.SOURCEIP_BENCH_ROUNDS ?? 5);
/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s. */
const TICK_US = 10_000;

const UPSTREAM = `
const http = require('node:http');
const body = Buffer.from('ok\\n');
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }); res.end(body); })
  .listen(Number(process.argv[1]), '127.0.0.1');
`;

interface Row {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly rps: number[];
  /** Gateway CPU µs per request, per round. */
  readonly cpu: number[];
  /** redis-server CPU µs per request, per round. */
  readonly redisCpu: number[];
}

/** utime + stime of a process, in ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function wrk(port: number): number {
  const out = execFileSync('wrk', ['-t1', '-c32', `-d${SECONDS}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) throw new Error(`bench: ${non2xx[1]} non-2xx answers on port ${port} (a limit triggered?)`);
  return match ? Number(match[1]) : 0;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** In-process p50 of one policy check (ns), against the gateway's CPU per request. */
async function microTable(gatewayCpuUs: number): Promise<string[]> {
  const { measure, do_not_optimize } = await import('mitata');
  const { compilePolicies } = await import('../src/gateway/policy/engine.ts');
  const { policyRequest } = await import('../src/gateway/policy/policy-request.vectors.ts');
  const ranges = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
  const config = {
    listeners: [],
    trustProfiles: [],
    upstreams: [],
    routes: [
      {
        name: 'limit',
        rateLimit: { name: 'limit', requests: 1e9, periodMs: 1000, burst: 1e9, ipv6Prefix: 64, store: 'memory' },
      },
      { name: 'access', access: { deny: ranges, allow: ['0.0.0.0/0', '::/0'] } },
    ],
  } as unknown as Parameters<typeof compilePolicies>[0];
  const engine = compilePolicies(config);
  const v4 = policyRequest('198.51.100.7', '198.51.100.7');
  const v6 = policyRequest('2001:db8:1:2::7', '2001:db8:1:2::7');
  const limit = engine.forRoute('limit')!;
  const access = engine.forRoute('access')!;
  const rows: Array<[string, () => unknown]> = [
    ['rate limit (memory), IPv4 client', () => limit.check(v4)],
    ['rate limit (memory), IPv6 client (/64 key)', () => limit.check(v6)],
    ['access list, 1 000 deny ranges + allow', () => access.check(v4)],
  ];
  const out = ["| in-process check | p50 ns | share of the gateway's CPU per request |", '|---|---:|---:|'];
  for (const [name, fn] of rows) {
    const stats = await measure(() => do_not_optimize(fn()), { min_cpu_time: 300_000_000 });
    out.push(`| ${name} | ${stats.p50.toFixed(0)} | ${((stats.p50 / 1000 / gatewayCpuUs) * 100).toFixed(1)} % |`);
  }
  await engine.close();
  return out;
}

export async function run(): Promise<string> {
  const redisBin = requireProgram('redis-server');
  if (typeof redisBin !== 'string') return `Skipped: ${redisBin.skip}.`;
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-bench-policies-'));
  const children: ChildProcess[] = [];
  try {
    const redisPort = await freePort();
    const redis = spawn(
      redisBin,
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    children.push(redis);
    const upstreamPort = await freePort();
    children.push(spawn(process.execPath, ['-e', UPSTREAM, String(upstreamPort)], { stdio: 'ignore' }));
    await waitForPort(upstreamPort);
    for (let i = 0; i < 100 && !(await ping(redisPort)); i++) await new Promise((r) => setTimeout(r, 50));

    const high = { requests: 100_000_000, periodMs: '1s', burst: 100_000_000 };
    const variants: Array<[string, Record<string, unknown> | undefined]> = [
      ['gateway, no policy', undefined],
      ['gateway + in-memory rate limit', { ...high, store: 'memory' }],
      ['gateway + Redis rate limit (loopback)', { ...high, store: 'redis' }],
    ];
    const rows: Row[] = [];
    for (const [name, rateLimit] of variants) {
      const port = await freePort();
      const config = {
        listeners: [{ name: 'public', host: '127.0.0.1', port, trust: 'direct' }],
        upstreams: [{ name: 'app', targets: [`127.0.0.1:${upstreamPort}`], keepAlive: 64 }],
        routes: [{ name: 'api', pathPrefix: '/', upstream: 'app', ...(rateLimit ? { rateLimit } : {}) }],
        redis: { url: `redis://127.0.0.1:${redisPort}`, timeoutMs: 200 },
        log: { level: 'warn', access: false },
      };
      const file = join(dir, `${rows.length}.yaml`);
      writeFileSync(file, JSON.stringify(config));
      const gateway = spawn(process.execPath, [BIN, 'gateway', '--config', file], { stdio: 'ignore' });
      children.push(gateway);
      await waitForPort(port, 10_000);
      rows.push({ name, port, pid: gateway.pid!, rps: [], cpu: [], redisCpu: [] });
    }
    for (const row of rows) wrk(row.port); // warm-up (JIT, keep-alive pools, Redis script cache)
    for (let round = 0; round < ROUNDS; round++) {
      for (const row of rows) {
        const before = cpuTicks(row.pid);
        const redisBefore = cpuTicks(redis.pid!);
        const rps = wrk(row.port);
        const requests = rps * SECONDS;
        row.rps.push(rps);
        row.cpu.push(((cpuTicks(row.pid) - before) * TICK_US) / requests);
        row.redisCpu.push(((cpuTicks(redis.pid!) - redisBefore) * TICK_US) / requests);
      }
    }

    const base = median(rows[0]!.rps);
    const baseCpu = median(rows[0]!.cpu);
    const pct = (value: number, ref: number) => `${(((value - ref) / ref) * 100).toFixed(1)} %`;
    const lines = [
      `Three \`sourceip gateway\` processes → one Node upstream, wrk -t1 -c32, ${ROUNDS} interleaved rounds × ${SECONDS} s; every request admitted (limits far above the load). Cost = more CPU per request (or fewer req/s) than the gateway without policy in the same run.`,
      '',
      '| gateway | median req/s | req/s vs no policy | gateway CPU µs/req | CPU cost | redis-server CPU µs/req | goal |',
      '|---|---:|---:|---:|---:|---:|---|',
    ];
    const goals = ['—', '≤ 5 %', '≤ 15 %'];
    rows.forEach((row, i) => {
      const rps = median(row.rps);
      const cpu = median(row.cpu);
      const redisCpu = i === 2 ? median(row.redisCpu).toFixed(1) : '—';
      lines.push(
        `| ${row.name} | ${rps.toFixed(0)} | ${i === 0 ? '—' : pct(rps, base)} | ${cpu.toFixed(1)} | ${i === 0 ? '—' : pct(cpu, baseCpu)} | ${redisCpu} | ${goals[i]} |`,
      );
    });
    lines.push('', ...(await microTable(baseCpu)));
    lines.push(
      '',
      `Per-round req/s: ${rows.map((row) => `${row.name}: ${row.rps.map((r) => r.toFixed(0)).join(' / ')}`).join('; ')}.`,
    );
    return lines.join('\n');
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
