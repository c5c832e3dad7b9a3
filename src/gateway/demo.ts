/**
 * `npm start` (`sourceip demo`): the gateway on 127.0.0.1:8080 in front of whoami on
 * 127.0.0.1:8081, from the embedded defaults, plus a second listener on 127.0.0.1:8082 that
 * plays "behind a load balancer" (it trusts 127.0.0.3 only). It prints curl commands that show
 * the real client, a spoof attempt being ignored and the trace, and one human line per request.
 * whoami trusts only the gateway and reads the X-Real-IP the gateway sets, so what whoami shows
 * as the client is the gateway's verdict.
 */
import { Writable } from 'node:stream';
import { startWhoami } from '../whoami/server.ts';
import { EMBEDDED_DEFAULTS } from './config/defaults.ts';
import { type RunningGateway, startGateway } from './gateway.ts';

export interface DemoPorts {
  readonly gateway: number;
  readonly whoami: number;
  readonly lb: number;
  readonly admin: number;
}

export const DEMO_PORTS: DemoPorts = { gateway: 8080, whoami: 8081, lb: 8082, admin: 9480 };

export interface GatewayDemoIo {
  /** Human lines (stdout). */
  readonly write: (line: string) => void;
  /** Ports to use; default {@link DEMO_PORTS}. When one is taken, every port moves up by 10 (up to `attempts` times). */
  readonly ports?: DemoPorts;
  readonly attempts?: number;
  /** Stops the demo (tests); otherwise SIGTERM/SIGINT do. */
  readonly stop?: AbortSignal;
  readonly onReady?: (running: { gateway: RunningGateway; whoamiUrl: string; ports: DemoPorts }) => void;
  readonly version?: string;
}

/** The demo's config: the embedded defaults plus the `behind-lb` listener. */
export function demoConfig(ports: DemoPorts): Record<string, unknown> {
  const defaults = structuredClone(EMBEDDED_DEFAULTS) as Record<string, unknown> & {
    listeners: Array<Record<string, unknown>>;
    trustProfiles: Array<Record<string, unknown>>;
  };
  return {
    ...defaults,
    listeners: [
      { ...defaults.listeners[0], port: ports.gateway },
      { name: 'behind-lb', host: '127.0.0.1', port: ports.lb, trust: 'lb' },
    ],
    trustProfiles: [...defaults.trustProfiles, { name: 'lb', semantics: 'strict', trusted: ['127.0.0.3'] }],
    upstreams: [{ name: 'whoami', targets: [`127.0.0.1:${ports.whoami}`] }],
    admin: { host: '127.0.0.1', port: ports.admin },
    log: { level: 'info', access: true },
  };
}

/** Runs until SIGTERM/SIGINT (or `io.stop`); throws when the ports stay taken. */
export async function runGatewayDemo(io: GatewayDemoIo): Promise<void> {
  const attempts = io.attempts ?? 5;
  let ports = io.ports ?? DEMO_PORTS;
  for (let attempt = 1; ; attempt++) {
    const whoami = await startWhoami({
      listen: '127.0.0.1',
      port: ports.whoami,
      semantics: 'single',
      header: 'X-Real-IP',
      trusted: ['127.0.0.1'],
    }).catch((error: NodeJS.ErrnoException) => error);
    if (whoami instanceof Error) {
      if (whoami.code !== 'EADDRINUSE' || attempt >= attempts) throw whoami;
      ports = shift(ports, io);
      continue;
    }
    let gateway: RunningGateway;
    try {
      gateway = await startGateway({
        configObject: demoConfig({ ...ports, whoami: whoami.port }),
        env: {},
        logDestination: humanLog(io.write),
        handleSignals: io.stop === undefined,
        version: io.version ?? 'demo',
      });
    } catch (error) {
      await whoami.close();
      if (!/already in use/.test(String((error as Error).message)) || attempt >= attempts) throw error;
      ports = shift(ports, io);
      continue;
    }
    const bound = Object.fromEntries(gateway.listeners().map((l) => [l.name, l.port]));
    const actual: DemoPorts = {
      gateway: bound.public!,
      lb: bound['behind-lb']!,
      whoami: whoami.port,
      admin: gateway.admin()?.port ?? ports.admin,
    };
    for (const line of demoInstructions(actual)) io.write(line);
    io.onReady?.({ gateway, whoamiUrl: whoami.url, ports: actual });
    io.stop?.addEventListener('abort', () => void gateway.shutdown('demo stopped'), { once: true });
    await gateway.closed;
    await whoami.close();
    return;
  }
}

function shift(ports: DemoPorts, io: GatewayDemoIo): DemoPorts {
  if (ports.gateway === 0) return ports;
  const next = { gateway: ports.gateway + 10, whoami: ports.whoami + 10, lb: ports.lb + 10, admin: ports.admin + 10 };
  io.write(`a demo port is in use; trying ${next.gateway}/${next.whoami}/${next.lb}/${next.admin}`);
  return next;
}

/** The banner: what runs, and the curl commands that show each behaviour. */
export function demoInstructions(ports: DemoPorts): string[] {
  const gw = `http://127.0.0.1:${ports.gateway}/`;
  const lb = `http://127.0.0.1:${ports.lb}/`;
  return [
    '',
    `sourceip gateway is listening on ${gw} in front of whoami on http://127.0.0.1:${ports.whoami}/`,
    `  listener "public"    ${gw}  trusts nobody: the client is the TCP peer`,
    `  listener "behind-lb" ${lb}  trusts the load balancer 127.0.0.3 only`,
    `  metrics and health   http://127.0.0.1:${ports.admin}/metrics  /healthz  /readyz`,
    'whoami trusts only the gateway and shows the X-Real-IP it sets: the gateway\u2019s verdict.',
    '',
    'Try:',
    '  # the real client: the TCP peer (Linux answers on all of 127.0.0.0/8; elsewhere add the alias first)',
    `  curl --interface 127.0.0.2 ${gw}`,
    '',
    '  # a spoof attempt: the client sets X-Forwarded-For; the gateway ignores it, strips X-Real-IP, counts it',
    `  curl --interface 127.0.0.2 -H 'X-Forwarded-For: 1.2.3.4' -H 'X-Real-IP: 1.2.3.4' ${gw}`,
    `  curl -s http://127.0.0.1:${ports.admin}/metrics | grep sourceip_spoof_attempts_total`,
    '',
    '  # behind a load balancer: the LB (127.0.0.3) says who the client is, and that counts',
    `  curl --interface 127.0.0.3 -H 'X-Forwarded-For: 203.0.113.7' ${lb}`,
    '',
    '  # the same header from anyone else does not count',
    `  curl --interface 127.0.0.2 -H 'X-Forwarded-For: 203.0.113.7' ${lb}`,
    '',
    '  # the trace: whoami\u2019s report as JSON (headers the gateway sent, how the client was resolved)',
    `  curl --interface 127.0.0.3 -H 'X-Forwarded-For: 203.0.113.7' '${lb}?format=json'`,
    '',
    'Each request also prints one line here: client, peer, incoming chain and the resolver\u2019s reason.',
    'Stop with Ctrl-C (the gateway drains in-flight requests first).',
    '',
  ];
}

/** pino JSON lines → one human line per request, plus warnings and lifecycle. */
function humanLog(write: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk, _encoding, callback) {
      pending += String(chunk);
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const text = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          const human = describe(line);
          if (human !== null) write(human);
        } catch {
          // Not a JSON line: nothing to show.
        }
      }
      callback();
    },
  });
}

function describe(line: Record<string, unknown>): string | null {
  if (line.msg === 'request') {
    const chain = line['forwarded.chain'] as string[];
    const chainText = chain.length === 0 ? '' : ` chain ${JSON.stringify(chain)}`;
    return (
      `${line.listener}: ${line['http.method']} ${JSON.stringify(line['url.path'])} → ${line['http.status']}  ` +
      `client ${line['client.ip'] ?? '(refused)'} peer ${line['peer.ip']}${chainText} (${line['resolve.reason']})`
    );
  }
  if (line.level === 'warn' || line.level === 'error') return `gateway ${line.level}: ${String(line.msg)}`;
  if (line.msg === 'draining' || line.msg === 'stopped') return `gateway ${String(line.msg)}`;
  return null;
}
