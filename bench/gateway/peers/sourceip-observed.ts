/**
 * Benchmark peer: the sourceip engine with the real observer (JSON access log to stdout, Prometheus
 * metrics), without the rest of the command (config file, admin listener): what observability costs
 * per request. Args: <listenPort> <upstream host:port>.
 */
process.argv.push('--real-observer');
await import('./sourceip.ts');
