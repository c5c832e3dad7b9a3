/**
 * The gateway's request path, as seen from outside (OPS: `sourceip gateway`, logs, metrics, lifecycle).
 *
 * - `compileRuntime(config)` turns a validated {@link GatewayConfig} into an immutable runtime: trust
 *   profiles become resolvers, routes a lookup table, upstreams keep-alive pools. It throws `ConfigError`.
 * - `createListener(listener, getRuntime, observer)` returns a `net.Server` (not yet listening) running the
 *   lean HTTP/1.1 engine (src/gateway/http1). Each connection captures `getRuntime()` when it is accepted and
 *   keeps it until it closes, so a reload never changes the rules under an open connection.
 *
 * @example
 * ```ts
 * let runtime = compileRuntime(config);
 * const handle = createListener(config.listeners[0], () => runtime, noopObserver);
 * handle.server.listen(8080, '127.0.0.1');
 * // SIGHUP: const old = runtime; runtime = compileRuntime(next); later old.close();
 * // SIGTERM: handle.server.close(); handle.drain(); … handle.destroyAll();
 * ```
 */
import type { ListenerConfig } from './config/types.ts';
import { createListenerImpl } from './listen/listener.ts';
import type { GatewayObserver, GatewayRuntime, ListenerHandle } from './types.ts';

export { compileRuntime } from './runtime.ts';
export type * from './types.ts';

/** Observer that ignores everything (tests, benchmarks). */
export const noopObserver: GatewayObserver = {
  requestDone() {},
  proxyProtocol() {},
  spoofAttempt() {},
  strictRefusal() {},
  upstreamError() {},
  badRequest() {},
};

/**
 * Creates one listener: a `net.Server` running PROXY protocol (when configured), TLS (when configured)
 * and the lean HTTP/1.1 engine. Connections use the runtime current at accept time.
 */
export function createListener(
  listener: ListenerConfig,
  getRuntime: () => GatewayRuntime,
  observer: GatewayObserver,
): ListenerHandle {
  return createListenerImpl(listener, getRuntime, observer);
}
