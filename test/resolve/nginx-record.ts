/** Sends generated cases to a running nginx and records what it printed (for differential tests). */
import assert from 'node:assert/strict';
import type { NginxServerConfig, RunningNginx } from './nginx-runner.ts';
import { pipeline, rawRequest } from './raw-http.ts';

/** One request as nginx answered it: `$remote_addr` and `$remote_port` as printed. */
export interface RecordedCase {
  readonly config: string;
  readonly peer: string;
  readonly peerPort: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly remoteAddr: string;
  readonly remotePort: string;
}

/** Send every case of one config, grouped per source address on pipelined keep-alive sockets. */
export async function recordNginx(
  running: RunningNginx,
  config: NginxServerConfig,
  cases: readonly { peer: string; headers: [string, string][] }[],
): Promise<RecordedCase[]> {
  const port = running.ports[config.name] as number;
  const byPeer = new Map<string, number[]>();
  cases.forEach((c, i) => {
    const list = byPeer.get(c.peer) ?? [];
    list.push(i);
    byPeer.set(c.peer, list);
  });
  const out: RecordedCase[] = new Array(cases.length);
  await Promise.all(
    [...byPeer].map(async ([peer, indexes]) => {
      const host = peer.includes(':') ? '::1' : '127.0.0.1';
      const requests = indexes.map((i) => rawRequest((cases[i] as { headers: [string, string][] }).headers));
      const { responses, localPort } = await pipeline(host, port, peer, requests);
      indexes.forEach((caseIndex, k) => {
        const response = responses[k] as { status: number; body: string };
        assert.equal(response.status, 200, `nginx answered ${response.status} to ${JSON.stringify(requests[k])}`);
        const [remoteAddr = '', remotePort = '', realipAddr = '', realipPort = ''] = response.body.split('|');
        assert.equal(realipAddr, peer, 'nginx saw another source address than the one bound');
        assert.equal(realipPort, String(localPort));
        const c = cases[caseIndex] as { peer: string; headers: [string, string][] };
        out[caseIndex] = { config: config.name, peer, peerPort: localPort, headers: c.headers, remoteAddr, remotePort };
      });
    }),
  );
  return out;
}
