/**
 * Benchmark peer: the sourceip gateway, one process. Args: <listenPort> <upstream host:port> [--reuse-port]
 * [--rate-limit memory|redis] [--redis URL] [--real-observer]. Prints `ready` when listening.
 * `--real-observer`: the gateway command's observer (JSON access log + metrics) instead of
 * `noopObserver`, lines to /dev/null — see sourceip-observed.ts.
 */
import type { GatewayConfig, RateLimitConfig } from '../../../src/gateway/config/types.ts';
import { compileRuntime, createListener, noopObserver } from '../../../src/gateway/engine.ts';
import type { PolicyEngine } from '../../../src/gateway/policy/types.ts';

const [portText, upstream, ...flags] = process.argv.slice(2);
const port = Number(portText);
const rateLimitStore = flags.includes('--rate-limit') ? flags[flags.indexOf('--rate-limit') + 1] : undefined;
const redisUrl = flags.includes('--redis') ? flags[flags.indexOf('--redis') + 1] : undefined;
const rateLimit: RateLimitConfig | undefined =
  rateLimitStore === 'memory' || rateLimitStore === 'redis'
    ? { name: 'bench', requests: 1e9, periodMs: 1000, burst: 1e9, ipv6Prefix: 64, store: rateLimitStore }
    : undefined;

const config: GatewayConfig = {
  listeners: [
    {
      name: 'bench',
      host: '127.0.0.1',
      port,
      proxyProtocol: { mode: 'off', trusted: [], timeoutMs: 5000 },
      trust: 'direct',
    },
  ],
  trustProfiles: [{ name: 'direct', semantics: 'strict', trusted: [], header: 'X-Forwarded-For', recursive: true }],
  upstreams: [{ name: 'up', targets: [upstream!], connectTimeoutMs: 2000, responseTimeoutMs: 10_000, keepAlive: 256 }],
  routes: [
    {
      name: 'all',
      pathPrefix: '/',
      upstream: 'up',
      forwarding: {
        xForwardedFor: 'append',
        xRealIp: true,
        forwarded: false,
        xForwardedProtoHostPort: true,
        stripUntrusted: [],
        requestId: true,
        proxyProtocol: 'off',
      },
      ...(rateLimit ? { rateLimit } : {}),
    },
  ],
  limits: {
    maxHeaderBytes: 16384,
    maxHeaderCount: 100,
    maxBodyBytes: 10 * 1024 * 1024,
    headerTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    requestTimeoutMs: 60_000,
  },
  log: { level: 'silent', access: false },
  drainTimeoutMs: 1000,
  ...(redisUrl ? { redis: { url: redisUrl, timeoutMs: 200, failMode: 'open' as const, maxMemoryKeys: 100_000 } } : {}),
};

let policies: PolicyEngine | undefined;
if (rateLimit) {
  // issue 8's policy engine, loaded only for the rate-limit rows
  const { compilePolicies } = await import('../../../src/gateway/policy/engine.ts');
  const compiled = compilePolicies(config);
  await compiled.ready?.(2000);
  policies = compiled;
}
const runtime = compileRuntime(config, policies ? { policies } : {});
let observer = noopObserver;
if (flags.includes('--real-observer')) {
  const { createGatewayLogger } = await import('../../../src/gateway/admin/access-log.ts');
  const { createMetrics } = await import('../../../src/gateway/admin/metrics.ts');
  const { createObserver } = await import('../../../src/gateway/admin/observer.ts');
  // The log goes to /dev/null, as the command row's stdout does (stdout is the runner's `ready` pipe).
  const { openSync } = await import('node:fs');
  const log = createGatewayLogger('info', openSync('/dev/null', 'w'));
  observer = createObserver(log.logger, createMetrics('bench'), { accessLog: true }, log.access);
}
const handle = createListener(config.listeners[0]!, () => runtime, observer);
handle.server.listen({ host: '127.0.0.1', port, reusePort: flags.includes('--reuse-port') }, () => {
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => process.exit(0));
