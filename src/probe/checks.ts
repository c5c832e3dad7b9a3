/**
 * The probe's fixed list of requests: one baseline without forwarding headers, then one request
 * per forged header, each carrying its own canary address. Canaries come from the benchmarking
 * range 198.18.0.0/15 (RFC 2544) and the documentation prefix 2001:db8::/32 (RFC 3849): never a
 * real host, so a canary that comes back as "the client" can only have come from our forgery.
 */
import { randomInt } from 'node:crypto';

/** What a check sends besides the request line. */
export interface ProbeCheck {
  /** Stable id (public: JSON output, docs/probe.md). */
  readonly id: string;
  /** One line for the table. */
  readonly title: string;
  /** Header lines to add, wire order; the same name twice means two separate lines. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Canary addresses in this request, in the order they appear. */
  readonly canaries: readonly string[];
  /** PROXY protocol version to send before the request (source = `canaries[0]`). */
  readonly proxyProtocol?: 1 | 2;
  /** How to name each canary when the app picks it (`leftmost`, `first line`, …). */
  readonly canaryRoles?: readonly string[];
}

/** The canary generator of one run: unique addresses, all with the same random third octet. */
export interface Canaries {
  v4(): string;
  v6(): string;
}

/**
 * Canaries `198.18.R.100`, `198.18.R.101`, … and `2001:db8:R::100`, … with R random per run, so
 * two probes of the same app (or a cache) do not see each other's addresses. The last part has
 * three digits: no canary is a prefix of another.
 * @example const c = createCanaries(7); c.v4() // '198.18.7.100'
 */
export function createCanaries(seed: number = randomInt(0, 512)): Canaries {
  const second = 18 + ((seed >> 8) & 1);
  const third = seed & 0xff;
  let next = 100;
  return {
    v4: () => `198.${second}.${third}.${next++}`,
    // The group after 2001:db8 is never 0, so the text stays RFC 5952 canonical.
    v6: () => `2001:db8:${((seed & 0x1ff) + 1).toString(16)}::${next++}`,
  };
}

/** At most this many requests per run (the baseline, the header checks, one PROXY check). */
export const MAX_REQUESTS = 20;

export interface BuildOptions {
  /** Add a PROXY header check of this version. */
  readonly proxyProtocol?: 1 | 2;
  /** Family of the target's address: a PROXY header carries source and destination of one family. Default 4. */
  readonly family?: 4 | 6;
}

/**
 * The checks after the baseline, in order. `proxyProtocol` adds one PROXY header check.
 * @example buildChecks(createCanaries(), { proxyProtocol: 2 }).length // 15
 */
export function buildChecks(canaries: Canaries, options: BuildOptions = {}): ProbeCheck[] {
  const single = (id: string, header: string, format: (ip: string) => string = (ip) => ip): ProbeCheck => {
    const ip = canaries.v4();
    return { id, title: `${header}: <canary>`, headers: [[header, format(ip)]], canaries: [ip] };
  };
  const checks: ProbeCheck[] = [];
  checks.push(single('xff-single', 'X-Forwarded-For'));
  {
    const left = canaries.v4();
    const right = canaries.v4();
    checks.push({
      id: 'xff-two-entries',
      title: 'X-Forwarded-For: <canary>, <canary>',
      headers: [['X-Forwarded-For', `${left}, ${right}`]],
      canaries: [left, right],
      canaryRoles: ['leftmost entry', 'rightmost entry'],
    });
  }
  {
    const first = canaries.v4();
    const second = canaries.v4();
    checks.push({
      id: 'xff-two-lines',
      title: 'X-Forwarded-For twice (two header lines)',
      headers: [
        ['X-Forwarded-For', first],
        ['X-Forwarded-For', second],
      ],
      canaries: [first, second],
      canaryRoles: ['first line', 'second line'],
    });
  }
  {
    const ip = canaries.v6();
    checks.push({
      id: 'xff-ipv6',
      title: 'X-Forwarded-For: <IPv6 canary>',
      headers: [['X-Forwarded-For', ip]],
      canaries: [ip],
    });
  }
  checks.push(single('x-real-ip', 'X-Real-IP'));
  checks.push({
    ...single('forwarded', 'Forwarded', (ip) => `for=${ip};proto=http`),
    title: 'Forwarded: for=<canary>',
  });
  {
    const ip = canaries.v6();
    checks.push({
      id: 'forwarded-ipv6',
      title: 'Forwarded: for="[<IPv6 canary>]"',
      headers: [['Forwarded', `for="[${ip}]"`]],
      canaries: [ip],
    });
  }
  checks.push(single('cf-connecting-ip', 'CF-Connecting-IP'));
  checks.push(single('true-client-ip', 'True-Client-IP'));
  checks.push(single('fastly-client-ip', 'Fastly-Client-IP'));
  checks.push(single('x-client-ip', 'X-Client-IP'));
  checks.push(single('x-cluster-client-ip', 'X-Cluster-Client-IP'));
  // CloudFront sends `ip:port` (IPv6 unbracketed); the port is part of the format.
  checks.push({
    ...single('cloudfront-viewer-address', 'CloudFront-Viewer-Address', (ip) => `${ip}:443`),
    title: 'CloudFront-Viewer-Address: <canary>:443',
  });
  if (options.proxyProtocol !== undefined) {
    const ip = options.family === 6 ? canaries.v6() : canaries.v4();
    checks.push({
      id: `proxy-protocol-v${options.proxyProtocol}`,
      title: `PROXY v${options.proxyProtocol} header, source <canary>`,
      headers: [],
      canaries: [ip],
      proxyProtocol: options.proxyProtocol,
    });
  }
  return checks;
}
