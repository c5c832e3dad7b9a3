/**
 * `sourceip probe`: checks a deployed chain from outside. A baseline request without forwarding
 * headers shows which client the app sees (compared with the address we connect from, or
 * `--expect-client`); then one request per forged header, each with its own canary address,
 * shows whether a client can choose the address the app sees. Only the URL given is contacted,
 * once per check, sequentially, each request under a deadline; redirects are not followed.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { isLoopback, parseIP } from '../core/ip/address.ts';
import { encodeProxyHeader } from '../core/proxy-protocol/encode.ts';
import { buildChecks, type Canaries, createCanaries, MAX_REQUESTS, type ProbeCheck } from './checks.ts';
import { type EchoKind, type EchoReading, excerpt, mentions, readEcho, sameAddress } from './echo.ts';
import { type SendResult, send, type Target } from './send.ts';

export interface ProbeOptions {
  readonly url: string;
  /** The address the app should report for us; default: our socket's local address. */
  readonly expectClient?: string;
  /** Local address to connect from. */
  readonly sourceAddress?: string;
  /** Also send a PROXY header of this version with a canary source. */
  readonly proxyProtocol?: 1 | 2;
  /** JSON pointer to the client address in a generic JSON echo. */
  readonly clientField?: string;
  /** Deadline per request. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Skip TLS certificate checks (a self-signed test endpoint). */
  readonly insecure?: boolean;
  /** Fixes the canaries (tests); default random. */
  readonly canarySeed?: number;
  readonly userAgent?: string;
}

/**
 * - baseline: `preserved` (ok), `not-preserved` / `no-client` (error), `unverified` (warning: NAT may sit in between).
 * - forged headers: `spoofable` (error: a canary became the client), `changed` (warning: the client
 *   moved but not to a canary), `forwarded` (info: a canary reached the app, unused), `ignored` (ok),
 *   `rejected` (ok: an HTTP error answer), `inconclusive` (warning: no usable answer).
 * - PROXY: `spoofable`, `refused` (info: the listener does not take PROXY from us), `ignored`, `forwarded`, `inconclusive`.
 */
export const CHECK_VERDICTS = [
  'preserved',
  'not-preserved',
  'no-client',
  'unverified',
  'spoofable',
  'changed',
  'forwarded',
  'ignored',
  'rejected',
  'refused',
  'inconclusive',
] as const;
export type CheckVerdict = (typeof CHECK_VERDICTS)[number];

export type Severity = 'ok' | 'info' | 'warning' | 'error';

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  /** What was sent besides the plain request: header lines, or the PROXY header in v1 notation. */
  readonly sent: readonly string[];
  /** HTTP status, or null when no answer came. */
  readonly status: number | null;
  /** The client the app reported; null when none (or no readable answer). */
  readonly appSaw: string | null;
  readonly verdict: CheckVerdict;
  readonly severity: Severity;
  readonly note: string;
}

export interface ProbeReport {
  readonly url: string;
  /** The address and port every request went to. */
  readonly address: string;
  readonly port: number;
  /** Our side of the baseline connection. */
  readonly localAddress: string | null;
  readonly expectedClient: string;
  /** `flag` (`--expect-client`) or `socket` (our local address). */
  readonly expectedFrom: 'flag' | 'socket';
  /** The target is not on loopback and the expectation came from our socket: NAT may change our address. */
  readonly natPossible: boolean;
  readonly echo: EchoKind;
  /** whoami only: the app's TCP peer on the baseline request (our address when nothing is in between). */
  readonly appPeer?: string | null;
  readonly checks: readonly CheckResult[];
  /** true / false from the baseline; null when it could not be verified (NAT). */
  readonly preserved: boolean | null;
  readonly spoofable: boolean;
  /** Checks with severity `error`. */
  readonly findings: number;
  readonly inconclusive: number;
  /** 0: preserved (or unverified) and nothing spoofable; 1: findings or inconclusive checks. */
  readonly exitCode: 0 | 1;
}

/** Source port of the PROXY header canary (any port would do; a fixed one is easy to grep in logs). */
const CANARY_PORT = 40001;

/** The target cannot be probed (bad URL, unreachable, an answer that is no echo): exit 2. */
export class ProbeError extends Error {
  override name = 'ProbeError';
}

/**
 * Runs the probe. Throws ProbeError when the target cannot be probed at all.
 * @example
 * const report = await runProbe({ url: 'http://127.0.0.1:8081/', sourceAddress: '127.0.0.2' });
 * report.spoofable // false
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const target = await resolveTarget(options.url, timeoutMs);
  const userAgent = options.userAgent ?? 'sourceip-probe';
  const request = (check: ProbeCheck | null, preamble?: Uint8Array): Promise<SendResult> =>
    send({
      target,
      headers: check?.headers ?? [],
      timeoutMs,
      userAgent,
      ...(preamble === undefined ? {} : { preamble }),
      ...(options.sourceAddress === undefined ? {} : { sourceAddress: options.sourceAddress }),
      ...(options.insecure === true ? { rejectUnauthorized: false } : {}),
    });

  const where = `${options.url} (${net.isIPv6(target.address) ? `[${target.address}]` : target.address}:${target.port})`;
  const baseline = await request(null);
  if (!baseline.ok) throw new ProbeError(`cannot reach ${where}: ${baseline.error}`);
  const first = readEcho(baseline.body, options.clientField);
  if (!first.ok) throw new ProbeError(`${where} answered HTTP ${baseline.status}, but ${first.error}`);
  const echo = first.echo;

  const local = canonical(baseline.localAddress);
  const expectedFrom = options.expectClient === undefined ? 'socket' : 'flag';
  const expectedClient = options.expectClient ?? local ?? '';
  const remote = parseIP(target.address);
  const natPossible = expectedFrom === 'socket' && !(remote !== null && isLoopback(remote));
  const results: CheckResult[] = [baselineResult(echo, baseline.status, expectedClient, expectedFrom, natPossible)];

  const canaries: Canaries = createCanaries(options.canarySeed);
  const checks = buildChecks(canaries, {
    ...(options.proxyProtocol === undefined ? {} : { proxyProtocol: options.proxyProtocol }),
    family: remote?.family ?? 4,
  }).slice(0, MAX_REQUESTS - 1);
  for (const check of checks) {
    let preamble: Uint8Array | undefined;
    let sent = check.headers.map(([name, value]) => `${name}: ${value}`);
    if (check.proxyProtocol !== undefined) {
      const header = {
        source: check.canaries[0]!,
        sourcePort: CANARY_PORT,
        destination: target.address,
        destinationPort: target.port,
      };
      preamble = encodeProxyHeader({ version: check.proxyProtocol, ...header });
      sent = [
        `PROXY v${check.proxyProtocol} ${header.source}:${header.sourcePort} → ${header.destination}:${header.destinationPort}`,
      ];
    }
    const answer = await request(check, preamble);
    results.push(judge(check, sent, answer, echo.client, options.clientField));
  }

  const findings = results.filter((r) => r.severity === 'error').length;
  const inconclusive = results.filter((r) => r.verdict === 'inconclusive').length;
  const base = results[0]!.verdict;
  return {
    url: options.url,
    address: target.address,
    port: target.port,
    localAddress: local,
    expectedClient,
    expectedFrom,
    natPossible,
    echo: echo.kind,
    ...(echo.peer === undefined ? {} : { appPeer: echo.peer }),
    checks: results,
    preserved: base === 'preserved' ? true : base === 'unverified' ? null : false,
    spoofable: results.some((r) => r.verdict === 'spoofable'),
    findings,
    inconclusive,
    exitCode: findings > 0 || inconclusive > 0 ? 1 : 0,
  };
}

/** The verdict of the baseline request. Exported for the unit table. */
export function baselineResult(
  echo: EchoReading,
  status: number,
  expected: string,
  expectedFrom: 'flag' | 'socket',
  natPossible: boolean,
): CheckResult {
  const common = { id: 'baseline', title: 'no forwarding headers', sent: [], status, appSaw: echo.client };
  let everything =
    echo.trustsEverything === true
      ? ' The app trusts every address (trust.trustsEverything): spoofable by design.'
      : '';
  if (typeof echo.peer === 'string' && echo.client !== null && !sameAddress(echo.peer, echo.client)) {
    everything = ` The app's TCP peer is ${shown(echo.peer)}: a proxy in between.${everything}`;
  }
  if (echo.client === null) {
    const why = echo.reason === undefined ? '' : ` (reason ${echo.reason})`;
    return {
      ...common,
      verdict: 'no-client',
      severity: 'error',
      note: `The app reports no client${why}; expected ${expected}.${everything}`,
    };
  }
  if (sameAddress(echo.client, expected)) {
    return {
      ...common,
      verdict: 'preserved',
      severity: 'ok',
      note: `The app sees ${expectedFrom === 'flag' ? 'the expected client' : 'our own address'}.${everything}`,
    };
  }
  if (natPossible) {
    return {
      ...common,
      verdict: 'unverified',
      severity: 'warning',
      note: `The app sees ${shown(echo.client)}, we connect from ${expected}: a NAT between us and the app (home router, cloud NAT, kube-proxy SNAT) would explain it — pass --expect-client with our public address to decide.${everything}`,
    };
  }
  return {
    ...common,
    verdict: 'not-preserved',
    severity: 'error',
    note: `The app sees ${shown(echo.client)}, not ${expected}: a hop in between replaces the client address (SNAT, a proxy whose header the app does not read).${everything}`,
  };
}

/** The verdict of one forged request. Exported for the unit table. */
export function judge(
  check: ProbeCheck,
  sent: readonly string[],
  answer: SendResult,
  baselineClient: string | null,
  clientField?: string,
): CheckResult {
  const common = { id: check.id, title: check.title, sent };
  const isProxy = check.proxyProtocol !== undefined;
  if (!answer.ok) {
    if (isProxy && answer.code !== 'ETIMEDOUT') {
      return {
        ...common,
        status: null,
        appSaw: null,
        verdict: 'refused',
        severity: 'info',
        note: `The connection was closed (${answer.code}): the listener does not accept a PROXY header from us — expected for a strict listener or one that takes PROXY only from its load balancer.`,
      };
    }
    return {
      ...common,
      status: null,
      appSaw: null,
      verdict: 'inconclusive',
      severity: 'warning',
      note: `No answer (${answer.code}: ${excerpt(answer.error)}): cannot tell whether this is spoofable.`,
    };
  }
  const read = readEcho(answer.body, clientField);
  if (!read.ok) {
    if (isProxy && answer.status === 400) {
      return {
        ...common,
        status: 400,
        appSaw: null,
        verdict: 'refused',
        severity: 'info',
        note: 'HTTP 400: the PROXY header reached the HTTP parser — the listener does not accept PROXY from us.',
      };
    }
    if (answer.status >= 400) {
      return {
        ...common,
        status: answer.status,
        appSaw: null,
        verdict: 'rejected',
        severity: 'ok',
        note: `HTTP ${answer.status}: the request was refused before the app answered.`,
      };
    }
    return {
      ...common,
      status: answer.status,
      appSaw: null,
      verdict: 'inconclusive',
      severity: 'warning',
      note: `The answer is unreadable: ${read.error}.`,
    };
  }
  const client = read.echo.client;
  const status = answer.status;
  const picked = check.canaries.findIndex((canary) => sameAddress(client, canary));
  if (picked !== -1) {
    const role = check.canaryRoles?.[picked];
    return {
      ...common,
      status,
      appSaw: client,
      verdict: 'spoofable',
      severity: 'error',
      note: isProxy
        ? 'The app took the PROXY header source as the client: this endpoint trusts PROXY headers from us — spoofable unless only the load balancer can reach it.'
        : `The app took the forged address${role === undefined ? '' : ` (the ${role})`} as the client: any client can choose the address the app sees.`,
    };
  }
  if (!sameAddress(client, baselineClient) && client !== baselineClient) {
    return {
      ...common,
      status,
      appSaw: client,
      verdict: 'changed',
      severity: 'warning',
      note: `The app's client changed from ${shown(baselineClient)} to ${shown(client)}: the header influences the answer, though not to our address.`,
    };
  }
  if (check.canaries.some((canary) => mentions(answer.body, canary))) {
    return {
      ...common,
      status,
      appSaw: client,
      verdict: 'forwarded',
      severity: 'info',
      note: isProxy
        ? 'The app decoded the PROXY header but did not use its source as the client.'
        : 'The forged address reached the app but was not taken as the client (safe unless other code reads this header).',
    };
  }
  return {
    ...common,
    status,
    appSaw: client,
    verdict: 'ignored',
    severity: 'ok',
    note: isProxy
      ? 'The connection was served, but the PROXY source did not show up.'
      : 'The forged address does not appear in the answer (removed on the way, or not echoed).',
  };
}

/** An address the app printed, for a note: cut short (the app may print anything; text output escapes controls). */
function shown(text: string | null): string {
  if (text === null) return 'none';
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

function canonical(address: string | null): string | null {
  if (address === null) return null;
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

async function resolveTarget(text: string, timeoutMs: number): Promise<Target> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProbeError(`invalid URL ${excerpt(text)}: give an absolute http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProbeError(`unsupported URL scheme ${excerpt(url.protocol)}: http:// or https:// only`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ProbeError('the URL carries credentials: probe sends no credentials, remove them');
  }
  const isTls = url.protocol === 'https:';
  const port = url.port === '' ? (isTls ? 443 : 80) : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (net.isIP(host) !== 0) return { url, address: host, port, tls: isTls };
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no DNS answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { url, address: found.address, port, tls: isTls };
  } catch (error) {
    throw new ProbeError(`cannot resolve ${excerpt(host)}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
