/**
 * The admin listener: `/metrics` (Prometheus text), `/healthz` (the process answers) and
 * `/readyz` (listeners bound and not draining: Kubernetes stops sending traffic when it fails).
 * It runs on its own address so that metrics and probes are never exposed on a public listener.
 */
import { createServer, type Server } from 'node:http';
import type { GatewayMetrics } from './metrics.ts';

export interface HealthState {
  /** True once every listener is bound. */
  ready: boolean;
  /** True from SIGTERM/SIGINT on: readiness fails while in-flight requests finish. */
  draining: boolean;
}

/**
 * @param routes extra JSON endpoints (path → body), e.g. the policies' `/debug/top-limited`
 * @example
 * const admin = createAdminServer(metrics, state);
 * admin.listen(9480, '127.0.0.1');
 */
export function createAdminServer(
  metrics: GatewayMetrics,
  state: HealthState,
  routes: Readonly<Record<string, () => unknown>> = {},
): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (path === '/healthz') return send(200, 'text/plain; charset=utf-8', 'ok\n');
    if (path === '/readyz') {
      if (state.draining) return send(503, 'text/plain; charset=utf-8', 'draining\n');
      if (!state.ready) return send(503, 'text/plain; charset=utf-8', 'starting\n');
      return send(200, 'text/plain; charset=utf-8', 'ready\n');
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => send(200, metrics.registry.contentType, text),
        () => send(500, 'text/plain; charset=utf-8', 'metrics unavailable\n'),
      );
      return;
    }
    const route = path !== undefined && Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route !== undefined) {
      let body: string;
      try {
        body = `${JSON.stringify(route(), null, 2)}\n`;
      } catch {
        return send(500, 'text/plain; charset=utf-8', 'unavailable\n');
      }
      return send(200, 'application/json; charset=utf-8', body);
    }
    send(404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz, /readyz\n');
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}
