/**
 * Debian's nginx for differential tests: one `server` block per realip configuration (each on its
 * own port, on 127.0.0.1 and [::1]), every block answering
 * `$remote_addr|$remote_port|$realip_remote_addr|$realip_remote_port`. Started, stopped and
 * cleaned up by test/support/peers.ts.
 */
import { type RunningPeer, startNginx as startPeer } from '../support/peers.ts';

/** One server block: the realip directives it carries. */
export interface NginxServerConfig {
  readonly name: string;
  /** `set_real_ip_from` values; empty = module off. */
  readonly trusted: readonly string[];
  /** `real_ip_header` value. */
  readonly header: string;
  readonly recursive: boolean;
}

/** `ports` holds the port of each configuration, by name. */
export type RunningNginx = RunningPeer;

function serverBlock(config: NginxServerConfig, port: number): string {
  const lines = [
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    listen [::1]:${port};`,
    ...config.trusted.map((t) => `    set_real_ip_from ${t};`),
    `    real_ip_header ${config.header};`,
    `    real_ip_recursive ${config.recursive ? 'on' : 'off'};`,
    '    location / {',
    '      return 200 "$remote_addr|$remote_port|$realip_remote_addr|$realip_remote_port";',
    '    }',
    '  }',
  ];
  return lines.join('\n');
}

/** Start nginx with the given server blocks. Always call `stop()` (e.g. in `after`). */
export function startNginx(nginxPath: string, configs: readonly NginxServerConfig[]): Promise<RunningNginx> {
  return startPeer({
    binary: nginxPath,
    ports: Object.fromEntries(configs.map((c) => [c.name, ['127.0.0.1', '::1']])),
    http: (ports) =>
      [
        '  keepalive_requests 1000000;',
        '  keepalive_timeout 120s;',
        '  large_client_header_buffers 8 32k;',
        '  default_type text/plain;',
        ...configs.map((c) => serverBlock(c, ports[c.name] as number)),
      ].join('\n'),
  });
}
