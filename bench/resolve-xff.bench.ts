/**
 * Question: how fast is resolving the client from X-Forwarded-For, against the Node libraries
 * people use today, on the same inputs in the same run?
 *
 * Inputs: a trusted peer and an XFF chain of 1, 3 and 10 entries (the client leftmost, the rest
 * trusted proxies, so every resolver that walks must walk the whole chain), IPv4 and IPv6.
 * Peers: proxy-addr (Express `req.ip`), @fastify/proxy-addr (Fastify `request.ip`) — both with the
 * trust list compiled once, as the frameworks do — and request-ip (no trust list: leftmost).
 * Ours: `strict` (and `nginx` / `express` when those strategies are present), through the
 * public `resolve()` with rawHeaders, as the middleware calls it.
 * Method: mitata `measure`, interleaved rounds (every implementation of a scenario measured once
 * per round, rounds repeated), median of the per-round p50 in ns/op; ratios = peer / ours.
 * Note: behind a proxy the peer is the same few addresses, so our resolver's one-entry peer cache
 * hits, as it would in production; every header entry is parsed on every call.
 */
import fastifyProxyAddr from '@fastify/proxy-addr';
import { do_not_optimize, measure } from 'mitata';
import proxyAddr from 'proxy-addr';
import requestIp from 'request-ip';
import { createResolver } from '../src/core/trust/resolver.ts';
import type { Resolver, ResolverOptions } from '../src/core/trust/types.ts';

const ROUNDS = Number(process.env.SOURCEIP_BENCH_ROUNDS ?? 5);
const MIN_CPU_NS = 25e6;

interface Scenario {
  name: string;
  family: 4 | 6;
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
    family,
    peer: family === 4 ? '10.0.0.1' : 'fd00::1',
    xff: [client, ...proxies].join(', '),
    trusted: family === 4 ? ['10.0.0.0/8'] : ['fd00::/8'],
    client,
  };
}

interface Impl {
  name: string;
  ours: boolean;
  /** The timed function (calls do_not_optimize itself). */
  make(s: Scenario): () => unknown;
  /** The client it answers, for the same-answer check. */
  answer(s: Scenario): unknown;
}

/**
 * Each implementation gets its own closure *code* (not one shared factory closure): a call site
 * that sees several implementations goes megamorphic and adds the same constant to everyone,
 * which flattens the ratios of the fastest.
 */
function ourImpl(
  name: string,
  extra: ResolverOptions,
  make: (s: Scenario, r: Resolver, input: Input) => () => unknown,
): Impl | null {
  try {
    createResolver({ ...extra, trusted: ['10.0.0.0/8'] });
  } catch {
    return null; // strategy not present in this checkout
  }
  return {
    name,
    ours: true,
    make(s) {
      const resolver = createResolver({ ...extra, trusted: s.trusted });
      const input = { peer: s.peer, rawHeaders: ['Host', 'example.com', 'X-Forwarded-For', s.xff, 'Accept', '*/*'] };
      return make(s, resolver, input);
    },
    answer(s) {
      const resolver = createResolver({ ...extra, trusted: s.trusted });
      return resolver.resolve({ peer: s.peer, rawHeaders: ['X-Forwarded-For', s.xff] }).client;
    },
  };
}

interface Input {
  peer: string;
  rawHeaders: string[];
}

const fakeReq = (s: Scenario) => ({
  socket: { remoteAddress: s.peer },
  connection: { remoteAddress: s.peer },
  headers: { host: 'example.com', 'x-forwarded-for': s.xff, accept: '*/*' },
});

const peers: Impl[] = [
  {
    name: 'proxy-addr',
    ours: false,
    make(s) {
      const trust = proxyAddr.compile(s.trusted);
      const req = fakeReq(s);
      return () => do_not_optimize(proxyAddr(req as never, trust));
    },
    answer: (s) => proxyAddr(fakeReq(s) as never, proxyAddr.compile(s.trusted)),
  },
  {
    name: '@fastify/proxy-addr',
    ours: false,
    make(s) {
      const trust = fastifyProxyAddr.compile(s.trusted);
      const req = fakeReq(s);
      return () => do_not_optimize(fastifyProxyAddr(req as never, trust));
    },
    answer: (s) => fastifyProxyAddr(fakeReq(s) as never, fastifyProxyAddr.compile(s.trusted)),
  },
  {
    name: 'request-ip',
    ours: false,
    make(s) {
      const req = fakeReq(s);
      return () => do_not_optimize(requestIp.getClientIp(req as never));
    },
    answer: (s) => requestIp.getClientIp(fakeReq(s) as never),
  },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);

export async function run(): Promise<string> {
  const ours = [
    ourImpl('sourceip strict', {}, (_s, r, input) => () => do_not_optimize(r.resolve(input).client)),
    ourImpl('sourceip nginx (recursive)', { semantics: 'nginx', recursive: true }, (_s, r, input) => () => {
      do_not_optimize(r.resolve(input).client);
    }),
    ourImpl('sourceip express', { semantics: 'express' }, (_s, r, input) => () => {
      const client = r.resolve(input).client;
      do_not_optimize(client);
    }),
  ].filter((i): i is Impl => i !== null);
  const impls = [...ours, ...peers];
  const scenarios = [scenario(4, 1), scenario(4, 3), scenario(4, 10), scenario(6, 1), scenario(6, 3), scenario(6, 10)];

  // Same answer everywhere (request-ip is leftmost by design, which is the client here too).
  for (const s of scenarios) {
    for (const impl of impls) {
      const got = String(impl.answer(s));
      const want = s.client;
      if (got !== want) throw new Error(`${impl.name} on ${s.name}: got ${got}, want ${want}`);
    }
  }
  const fns = scenarios.map((s) => impls.map((impl) => impl.make(s)));

  const samples = scenarios.map(() => impls.map(() => [] as number[]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < scenarios.length; i++) {
      for (let j = 0; j < impls.length; j++) {
        const fn = fns[i]![j]!;
        const stats = await measure(fn, { min_cpu_time: MIN_CPU_NS });
        samples[i]![j]!.push(stats.p50);
      }
    }
  }

  const strictIndex = 0;
  const header = ['scenario', ...impls.map((i) => i.name), ...peers.map((p) => `${p.name} / strict`)];
  const rows = scenarios.map((s, i) => {
    const med = impls.map((_, j) => median(samples[i]![j]!));
    const base = med[strictIndex]!;
    const ratios = peers.map((p) => `${(med[impls.indexOf(p)]! / base).toFixed(1)}×`);
    return [s.name, ...med.map(fmt), ...ratios];
  });
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  return [
    'Resolve the client from `X-Forwarded-For` (client leftmost, the other entries trusted proxies, trusted peer).',
    `Median of ${ROUNDS} interleaved rounds of mitata p50, ns/op (lower is better); ratio = peer ÷ sourceip strict.`,
    'request-ip takes the leftmost entry without any trust check (it is fast because it is spoofable).',
    '',
    table,
  ].join('\n');
}
