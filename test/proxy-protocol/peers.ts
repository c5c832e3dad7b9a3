/**
 * Real nginx and HAProxy as PROXY protocol receivers for the sending-interop tests, started by
 * test/support/peers.ts.
 */
import { haproxyDefaults, startHaproxy, startNginx } from '../support/peers.ts';

export interface Peer {
  readonly name: string;
  /** Ports on 127.0.0.1 and ::1 that expect a PROXY header and answer `addr port`. */
  readonly port4: number;
  readonly port6: number;
  /** HAProxy only: answers `authority|unique-id` from the v2 TLVs (fc_pp_authority, fc_pp_unique_id). */
  readonly tlvPort?: number;
  stop(): Promise<void>;
  log(): string;
}

export async function startNginxReceiver(binary: string): Promise<Peer> {
  const nginx = await startNginx({
    binary,
    ports: { port4: '127.0.0.1', port6: '::1' },
    http: (p) => `  server {
    listen 127.0.0.1:${p.port4} proxy_protocol;
    listen [::1]:${p.port6} proxy_protocol;
    location / { return 200 "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port"; }
  }`,
  });
  return { name: 'nginx', ...nginx.ports, stop: nginx.stop, log: nginx.log };
}

export async function startHaproxyReceiver(binary: string): Promise<Peer> {
  const haproxy = await startHaproxy({
    binary,
    ports: { port4: '127.0.0.1', port6: '::1', tlvPort: '127.0.0.1' },
    config: (p) => `${haproxyDefaults('http', '5s')}frontend fe
  bind 127.0.0.1:${p.port4} accept-proxy
  bind [::1]:${p.port6} accept-proxy
  http-request return status 200 content-type text/plain lf-string "%[src] %[src_port] %[dst] %[dst_port]"
frontend fe_tlv
  bind 127.0.0.1:${p.tlvPort} accept-proxy
  http-request return status 200 content-type text/plain lf-string "%[fc_pp_authority]|%[fc_pp_unique_id]"
`,
  });
  return { name: 'haproxy', ...haproxy.ports, stop: haproxy.stop, log: haproxy.log };
}
