/**
 * What a scenario gets: requests made from inside a namespace (lab/client.ts), the replies parsed
 * (whoami JSON, the nginx app's line), and the lab gateway's Prometheus counters.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ports, ROOT } from './services.ts';
import type { NsName, Topology } from './topology.ts';

export interface LabRequest {
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly retryUntilMs?: number;
  /** Connect, wait this long, then send the request (raw HTTP/1.1). */
  readonly delayWriteMs?: number;
}

export type LabResult = { ok: true; status: number; body: string } | { ok: false; error: string };

/** One line of the report: the guide's expectation next to what the application answered. */
export interface Row {
  readonly scenario: number;
  readonly name: string;
  readonly expected: string;
  readonly observed: string;
  readonly pass: boolean;
  /** Why the result is what it is (Markdown report only). */
  readonly note?: string;
}

/** The row's verdict word. */
export function verdictOf(r: Row): 'ok' | 'MISMATCH' {
  return r.pass ? 'ok' : 'MISMATCH';
}

export interface Scenario {
  readonly id: number;
  readonly title: string;
  run(ctx: LabContext): Promise<Row[]>;
}

/** The parts of whoami's JSON (docs/whoami.md) the lab reads. */
export interface WhoamiReply {
  peer: { ip: string | null; port: number | null };
  proxyProtocol: { source?: string; family: string; version: number } | null;
  headers: [string, string][];
  client: { ip: string | null; reason: string };
  spoofAttempts: { header: string; value: string }[];
  /** The pod that answered (each whoami pod has its own UTS namespace). */
  host: string;
}

const CLIENT = join(ROOT, 'lab', 'client.ts');

export class LabContext {
  readonly t: Topology;
  /** What `sourceip config import --from ingress-nginx` printed for the guide's ConfigMap. */
  readonly importedConfig: string;
  constructor(t: Topology, importedConfig: string) {
    this.t = t;
    this.importedConfig = importedConfig;
  }

  /** Makes the requests from inside namespace `ns`, one after another. */
  requests(ns: NsName, reqs: readonly LabRequest[]): Promise<LabResult[]> {
    return new Promise((resolve, reject) => {
      execFile(
        'ip',
        ['netns', 'exec', this.t.ns(ns), process.execPath, CLIENT, JSON.stringify(reqs)],
        { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`client in ${ns}: ${stderr || error.message}`));
          else resolve(JSON.parse(stdout) as LabResult[]);
        },
      );
    });
  }

  async request(ns: NsName, req: LabRequest): Promise<LabResult> {
    const [r] = await this.requests(ns, [req]);
    return r as LabResult;
  }

  /** A whoami reply (JSON), or null with the failure as text. */
  async whoami(ns: NsName, req: LabRequest): Promise<{ reply: WhoamiReply | null; result: LabResult }> {
    const url = req.url.includes('?') ? `${req.url}&format=json` : `${req.url}?format=json`;
    const result = await this.request(ns, { ...req, url });
    if (!result.ok || result.status !== 200) return { reply: null, result };
    return { reply: JSON.parse(result.body) as WhoamiReply, result };
  }

  /** The lab gateway's counter `name{labels}` (0 when absent), read from its admin listener. */
  async metric(name: string, labels: Record<string, string>): Promise<number> {
    const r = await this.request('ingress', { url: `http://127.0.0.1:${ports.admin}/metrics` });
    if (!r.ok) throw new Error(`metrics: ${r.error}`);
    return readMetric(r.body, name, labels);
  }

  /** All counters of one metric family, by label string. */
  async metricText(): Promise<string> {
    const r = await this.request('ingress', { url: `http://127.0.0.1:${ports.admin}/metrics` });
    if (!r.ok) throw new Error(`metrics: ${r.error}`);
    return r.body;
  }
}

/** Sum of the samples of `name` whose labels include every given label. */
export function readMetric(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf('}');
    const labelText = close > 0 ? line.slice(name.length + 1, close) : '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      sum += Number(line.slice(close > 0 ? close + 1 : name.length).trim());
    }
  }
  return sum;
}

/** The nginx test app's answer: `remote_addr=… xff=… x_real_ip=…`. */
export function parseNginxApp(body: string): { remoteAddr: string; xff: string; xRealIp: string } {
  const m = /^remote_addr=(\S*) xff=(.*) x_real_ip=(.*)$/m.exec(body.trim());
  if (!m) throw new Error(`unexpected nginx app answer: ${JSON.stringify(body.slice(0, 200))}`);
  return { remoteAddr: m[1] ?? '', xff: m[2] ?? '', xRealIp: m[3] ?? '' };
}

/** A header's value in whoami's header list (first line with that name), or ''. */
export function headerOf(reply: WhoamiReply, name: string): string {
  const lower = name.toLowerCase();
  return reply.headers.find(([n]) => n.toLowerCase() === lower)?.[1] ?? '';
}

/** How a failed or odd result reads in the table. */
export function describe(result: LabResult): string {
  if (!result.ok) return result.error === 'timeout' ? 'no answer (timed out)' : `connection failed (${result.error})`;
  return `HTTP ${result.status}`;
}
