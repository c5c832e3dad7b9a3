/**
 * The programs of the lab, each in its namespace: `sourceip whoami` as the echo pods (Lab 1) and the
 * application pod, real nginx as the guide's "NGINX test application", the sourceip gateway as the
 * ingress pod (once with the config `sourceip config import --from ingress-nginx` makes of the guide's
 * ConfigMap, once with the lab's own listeners), HAProxy as the cloud load balancer and as a CDN edge.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessManager, Started } from './processes.ts';
import { addr, pods, type Topology } from './topology.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'sourceip.js');
export const GUIDE_CONFIGMAP = join(ROOT, 'examples', 'guide', 'lab2', 'ingress-nginx-configmap.yaml');

/** Ports inside the pods and on the VIP (the ingress LoadBalancer keeps the port). */
export const ports = {
  echo: 8080,
  nginxApp: 8080,
  whoamiApp: 8081,
  /** Gateway loaded with the imported guide ConfigMap (ingress-nginx's behaviour). */
  imported: 80,
  strict: 81,
  multiTier: 82,
  cdn: 83,
  public: 84,
  internal: 85,
  proxyRequired: 86,
  noProxy: 87,
  /** Real nginx rendered the way ingress-nginx renders the guide's ConfigMap (the reference for :80). */
  nginxIngress: 88,
  admin: 9480,
  /** On the cloud LB: HTTP with X-Forwarded-For, then TCP with/without PROXY v2. */
  lbHttp: 80,
  lbProxy: 90,
  lbProxyToPlain: 91,
  lbPlainToProxy: 92,
  /** PROXY v2 the way HAProxy sends it by default: the header alone, as soon as it connects. */
  lbProxyEager: 93,
  cdnHttp: 80,
} as const;

/** The lab gateway's own configuration (scenarios 4–9). */
export function labGatewayConfig(): string {
  return `# Written by lab/services.ts: the ingress pod's listeners, one per scenario.
listeners:
  - { name: strict, host: 0.0.0.0, port: ${ports.strict}, trust: strict }
  - { name: multitier, host: 0.0.0.0, port: ${ports.multiTier}, trust: internal }
  - { name: cdn, host: 0.0.0.0, port: ${ports.cdn}, trust: cdn }
  - { name: public, host: "::", port: ${ports.public}, trust: strict }
  - { name: internal, host: 0.0.0.0, port: ${ports.internal}, trust: internal }
  - name: proxy
    host: 0.0.0.0
    port: ${ports.proxyRequired}
    trust: strict
    proxyProtocol: { mode: required, trusted: [${addr.lb.lan}], timeoutMs: 2s }
  - { name: noproxy, host: 0.0.0.0, port: ${ports.noProxy}, trust: strict }
trustProfiles:
  - name: strict                # sourceip's strict profile: only the cloud LB is trusted
    semantics: strict
    trusted: [${addr.lb.lan}]
  - name: internal              # the internal range (nodes' segment) and the pod network
    semantics: strict
    trusted: [${addr.internalRange}, ${addr.podNetwork}]
  - name: cdn                   # CF-Connecting-IP, believed only from the CDN's range
    semantics: single
    header: CF-Connecting-IP
    trusted: [${addr.cdn.range}]
upstreams:
  - { name: nginx-app, targets: ["${pods.app.ip}:${ports.nginxApp}"] }
  - { name: whoami-app, targets: ["${pods.app.ip}:${ports.whoamiApp}"] }
routes:
  - { name: nginx, pathPrefix: /nginx, upstream: nginx-app }
  - { name: whoami, upstream: whoami-app }
forwarding: { xForwardedFor: append }
admin: { host: 127.0.0.1, port: ${ports.admin} }
log: { level: info, access: true }
drainTimeoutMs: 1s
`;
}

/** The guide's "NGINX test application" (examples/guide/lab2/nginx-test-app.yaml), pod network mapped. */
export function nginxAppConfig(dir: string): string {
  return `pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'nginx-body')};
  proxy_temp_path ${join(dir, 'nginx-proxy')};
  fastcgi_temp_path ${join(dir, 'nginx-fastcgi')};
  uwsgi_temp_path ${join(dir, 'nginx-uwsgi')};
  scgi_temp_path ${join(dir, 'nginx-scgi')};
  server {
    listen ${ports.nginxApp};
    listen [::]:${ports.nginxApp};
    # trust the ingress controller pods (the lab's pod network; the guide's 10.244.0.0/16)
    set_real_ip_from ${addr.podNetwork};
    set_real_ip_from ${addr.podNetwork6};
    real_ip_header X-Forwarded-For;
    real_ip_recursive on;
    location / {
      default_type text/plain;
      # the guide's two values, plus X-Real-IP (what the ingress itself decided)
      return 200 "remote_addr=$remote_addr xff=$http_x_forwarded_for x_real_ip=$http_x_real_ip\\n";
    }
  }
}
`;
}

/**
 * Real nginx configured the way ingress-nginx's nginx.tmpl renders the guide's ConfigMap
 * (`use-forwarded-headers`, `compute-full-forwarded-for`, `proxy-real-ip-cidr` unset = 0.0.0.0/0):
 * realip from 0.0.0.0/0 with `real_ip_recursive on`, `X-Real-IP $remote_addr`, and
 * `X-Forwarded-For $full_x_forwarded_for` (incoming header + `$realip_remote_addr`).
 */
export function nginxIngressConfig(dir: string): string {
  return `pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'nginx-body')};
  proxy_temp_path ${join(dir, 'nginx-proxy')};
  fastcgi_temp_path ${join(dir, 'nginx-fastcgi')};
  uwsgi_temp_path ${join(dir, 'nginx-uwsgi')};
  scgi_temp_path ${join(dir, 'nginx-scgi')};
  set_real_ip_from 0.0.0.0/0;
  real_ip_header X-Forwarded-For;
  real_ip_recursive on;
  map $http_x_forwarded_for $full_x_forwarded_for {
    default "$http_x_forwarded_for, $realip_remote_addr";
    '' "$realip_remote_addr";
  }
  server {
    listen ${ports.nginxIngress};
    location / {
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $full_x_forwarded_for;
      proxy_pass http://${pods.app.ip}:${ports.nginxApp};
    }
  }
}
`;
}

/** The cloud load balancer (HAProxy): HTTP with X-Forwarded-For, TCP with PROXY v2, and the two mismatches. */
export function lbConfig(): string {
  const vip = addr.vip;
  return `global
  maxconn 512
defaults
  timeout connect 2s
  timeout client 5s
  timeout server 5s
frontend web
  mode http
  bind ${addr.lb.wan}:${ports.lbHttp}
  bind [${addr.lb.wan6}]:${ports.lbHttp}
  option forwardfor
  default_backend multitier
backend multitier
  mode http
  server vip ${vip}:${ports.multiTier}
listen proxy_v2
  mode tcp
  bind ${addr.lb.wan}:${ports.lbProxy}
  bind [${addr.lb.wan6}]:${ports.lbProxy}
  server vip ${vip}:${ports.proxyRequired} send-proxy-v2
listen proxy_v2_eager
  mode tcp
  bind ${addr.lb.wan}:${ports.lbProxyEager}
  server vip ${vip}:${ports.proxyRequired} send-proxy-v2
listen proxy_to_plain
  mode tcp
  bind ${addr.lb.wan}:${ports.lbProxyToPlain}
  server vip ${vip}:${ports.noProxy} send-proxy-v2
listen plain_to_proxy
  mode tcp
  bind ${addr.lb.wan}:${ports.lbPlainToProxy}
  server vip ${vip}:${ports.proxyRequired}
`;
}

/** A CDN edge (HAProxy): sets CF-Connecting-IP to the connecting client, appends X-Forwarded-For. */
export function cdnConfig(): string {
  return `global
  maxconn 256
defaults
  timeout connect 2s
  timeout client 5s
  timeout server 5s
frontend edge
  mode http
  bind ${addr.cdn.ip}:${ports.cdnHttp}
  option forwardfor
  http-request set-header CF-Connecting-IP %[src]
  default_backend origin
backend origin
  mode http
  server vip ${addr.vip}:${ports.cdn}
`;
}

/** Runs `sourceip config import --from ingress-nginx` on the guide's ConfigMap; returns the YAML. */
export function importGuideConfig(): string {
  return execFileSync(
    process.execPath,
    [
      CLI,
      'config',
      'import',
      '--from',
      'ingress-nginx',
      GUIDE_CONFIGMAP,
      '--listen',
      `0.0.0.0:${ports.imported}`,
      '--upstream',
      `${pods.app.ip}:${ports.nginxApp}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 },
  );
}

export interface Services {
  readonly dir: string;
  readonly all: Started[];
  /** What `sourceip config import` printed for the guide's ConfigMap. */
  readonly importedConfig: string;
}

/** Writes the configs and starts every program; resolves once each one is ready. */
export async function startServices(t: Topology, pm: ProcessManager, dir: string): Promise<Services> {
  mkdirSync(dir, { recursive: true });
  const node = process.execPath;
  // Each whoami pod gets its own UTS namespace named like the pod, so whoami's `host` says which pod answered.
  const whoami = (name: string, ns: string, port: number, extra: readonly string[]) =>
    pm.start(
      name,
      ns,
      [
        'unshare',
        '--uts',
        'sh',
        '-c',
        'hostname "$0" && exec "$@"',
        name,
        node,
        CLI,
        'whoami',
        '--listen',
        '::',
        '--port',
        String(port),
        '--log-level',
        'info',
        ...extra,
      ],
      CLI,
    );
  const importedPath = join(dir, 'ingress-nginx-imported.yaml');
  const importedConfig = importGuideConfig();
  writeFileSync(importedPath, importedConfig);
  const labPath = join(dir, 'sourceip-lab.yaml');
  writeFileSync(labPath, labGatewayConfig());
  const nginxPath = join(dir, 'nginx-app.conf');
  writeFileSync(nginxPath, nginxAppConfig(dir));
  const ingressDir = join(dir, 'nginx-ingress');
  mkdirSync(ingressDir, { recursive: true });
  const nginxIngressPath = join(ingressDir, 'nginx.conf');
  writeFileSync(nginxIngressPath, nginxIngressConfig(ingressDir));
  const lbPath = join(dir, 'haproxy-lb.cfg');
  writeFileSync(lbPath, lbConfig());
  const cdnPath = join(dir, 'haproxy-cdn.cfg');
  writeFileSync(cdnPath, cdnConfig());

  const ready: Promise<void>[] = [];
  const all: Started[] = [];
  const add = (s: Started, re: RegExp) => {
    all.push(s);
    ready.push(s.waitFor(re, 20_000));
  };
  const listening = /whoami listening on/;
  // Lab 1's echo app: what the pod sees of the TCP peer (like the guide's Flask echo), nothing trusted.
  add(whoami('echo1', t.ns('echo1'), ports.echo, []), listening);
  add(whoami('echo2', t.ns('echo2'), ports.echo, []), listening);
  add(whoami('echo3', t.ns('echo3'), ports.echo, []), listening);
  // The application behind the ingress: believes the ingress pods' X-Real-IP.
  add(
    whoami('app', t.ns('app'), ports.whoamiApp, [
      '--semantics',
      'single',
      '--header',
      'X-Real-IP',
      '--trusted',
      `${addr.podNetwork},${addr.podNetwork6}`,
    ]),
    listening,
  );
  add(
    pm.start(
      'gateway-imported',
      t.ns('ingress'),
      [node, CLI, 'gateway', '--config', importedPath, '--log-level', 'info'],
      importedPath,
    ),
    /gateway ready/,
  );
  add(
    pm.start(
      'gateway-lab',
      t.ns('ingress'),
      [node, CLI, 'gateway', '--config', labPath, '--log-level', 'info'],
      labPath,
    ),
    /gateway ready/,
  );
  const nginx = pm.start(
    'nginx-app',
    t.ns('app'),
    ['/usr/sbin/nginx', '-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', nginxPath, '-g', 'daemon off;'],
    nginxPath,
  );
  all.push(nginx);
  all.push(
    pm.start(
      'nginx-ingress',
      t.ns('ingress'),
      [
        '/usr/sbin/nginx',
        '-p',
        ingressDir,
        '-e',
        join(ingressDir, 'nginx-error.log'),
        '-c',
        nginxIngressPath,
        '-g',
        'daemon off;',
      ],
      nginxIngressPath,
    ),
  );
  const lb = pm.start('haproxy-lb', t.ns('lb'), ['/usr/sbin/haproxy', '-db', '-f', lbPath], lbPath);
  all.push(lb);
  const cdn = pm.start('haproxy-cdn', t.ns('cdn'), ['/usr/sbin/haproxy', '-db', '-f', cdnPath], cdnPath);
  all.push(cdn);
  await Promise.all(ready);
  return { dir, all, importedConfig };
}
