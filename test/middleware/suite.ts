/**
 * One table of cases run against every framework adapter, each app served by the real framework
 * on a real loopback socket. Each app answers:
 *   GET /        → the Resolution as the adapter stored it, serialized (plus `clientIp` where the
 *                  adapter sets one): a lazy trace must NOT appear here
 *   GET /trace   → `{ trace: resolution.trace }`: reading it computes it on demand
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { describe, test } from 'node:test';
import { encodeProxyHeader } from '../../src/core/proxy-protocol/encode.ts';
import { acceptProxyProtocol } from '../../src/core/proxy-protocol/listener.ts';
import type { SourceIpOptions } from '../../src/middleware/shared.ts';
import { getJson, type Json } from './support.ts';

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the app with the adapter configured by `options`. `setup`, when given, must be called
 * with the app's http.Server before it listens (the PROXY protocol tests wrap it).
 */
export type AppFactory = (options: SourceIpOptions, setup?: (server: Server) => void) => Promise<RunningApp>;

type Case = {
  name: string;
  options: SourceIpOptions;
  from: string;
  headers: Array<[string, string]>;
  want: { client: string | null; reason: string; peerTrusted: boolean; port?: number | null };
};

const cases: Case[] = [
  {
    name: 'strict: trusted peer with X-Forwarded-For → the header entry',
    options: { trusted: ['127.0.0.1'] },
    from: '127.0.0.1',
    headers: [
      ['X-Forwarded-For', '203.0.113.7'],
      ['X-Real-IP', '198.51.100.99'],
      ['Forwarded', 'for=198.51.100.98'],
    ],
    want: { client: '203.0.113.7', reason: 'rightmost-untrusted', peerTrusted: true },
  },
  {
    name: 'strict: untrusted peer with X-Forwarded-For → the peer, reason untrusted-peer',
    options: { trusted: ['127.0.0.1'] },
    from: '127.0.0.2',
    headers: [
      ['X-Forwarded-For', '203.0.113.7'],
      ['X-Real-IP', '198.51.100.99'],
    ],
    want: { client: '127.0.0.2', reason: 'untrusted-peer', peerTrusted: false },
  },
  {
    name: 'strict: trusted CIDR, two header lines, rightmost untrusted across lines',
    options: { trusted: ['127.0.0.0/8', '10.0.0.0/8'] },
    from: '127.0.0.3',
    headers: [
      ['X-Forwarded-For', '6.6.6.6, 198.51.100.7'],
      ['X-Forwarded-For', '10.1.2.3'],
    ],
    want: { client: '198.51.100.7', reason: 'rightmost-untrusted', peerTrusted: true },
  },
  {
    name: 'nginx: X-Real-IP from a trusted peer, X-Forwarded-For ignored',
    options: { semantics: 'nginx', trusted: ['127.0.0.1'], header: 'X-Real-IP' },
    from: '127.0.0.1',
    headers: [
      ['X-Forwarded-For', '198.51.100.1'],
      ['X-Real-IP', '203.0.113.5'],
    ],
    want: { client: '203.0.113.5', reason: 'rightmost-entry', peerTrusted: true },
  },
  {
    name: 'nginx: real_ip_recursive off takes the rightmost entry even when trusted',
    options: { semantics: 'nginx', trusted: ['127.0.0.1'] },
    from: '127.0.0.1',
    headers: [['X-Forwarded-For', '203.0.113.7, 127.0.0.1']],
    want: { client: '127.0.0.1', reason: 'rightmost-entry', peerTrusted: true },
  },
  {
    name: 'nginx: real_ip_recursive on walks past trusted entries',
    options: { semantics: 'nginx', trusted: ['127.0.0.1'], recursive: true },
    from: '127.0.0.1',
    headers: [['X-Forwarded-For', '198.51.100.1, 203.0.113.7, 127.0.0.1']],
    want: { client: '203.0.113.7', reason: 'rightmost-untrusted', peerTrusted: true },
  },
  {
    name: 'express: trust proxy loopback, as req.ip would answer',
    options: { semantics: 'express', trusted: ['loopback'] },
    from: '127.0.0.1',
    headers: [['X-Forwarded-For', '198.51.100.1, 203.0.113.7, 127.0.0.5']],
    want: { client: '203.0.113.7', reason: 'rightmost-untrusted', peerTrusted: true },
  },
  {
    name: 'express: a garbage entry reached by the walk is answered verbatim, as req.ip does (proxy-addr)',
    options: { semantics: 'express', trusted: ['loopback'] },
    from: '127.0.0.1',
    headers: [['X-Forwarded-For', 'garbage, 127.0.0.5']],
    want: { client: 'garbage', reason: 'invalid-entry-verbatim', peerTrusted: true },
  },
  {
    name: 'fail: strict refuses an invalid entry at the decision point',
    options: { trusted: ['127.0.0.1'] },
    from: '127.0.0.1',
    headers: [['X-Forwarded-For', '203.0.113.7, nope']],
    want: { client: null, reason: 'invalid-entry', peerTrusted: true },
  },
];

/** Registers the whole table for one framework. */
export function middlewareSuite(framework: string, start: AppFactory, extra?: (resolution: Json) => void): void {
  describe(`${framework} adapter over a loopback socket`, () => {
    for (const c of cases) {
      test(c.name, async () => {
        const app = await start(c.options);
        try {
          const { status, json } = await getJson(app.url, { localAddress: c.from, headers: c.headers });
          assert.equal(status, 200);
          assert.equal(json.client, c.want.client);
          assert.equal(json.reason, c.want.reason);
          assert.equal(json.peerTrusted, c.want.peerTrusted);
          assert.equal(json.peer, c.from);
          assert.equal('trace' in json, false, 'trace computed without being asked for');
          extra?.(json);
        } finally {
          await app.close();
        }
      });
    }

    test('trace on demand: reading resolution.trace computes it', async () => {
      const app = await start({ trusted: ['127.0.0.1'] });
      try {
        const { json } = await getJson(app.url, {
          path: '/trace',
          localAddress: '127.0.0.1',
          headers: [['X-Forwarded-For', '203.0.113.7, 127.0.0.1']],
        });
        assert.ok(Array.isArray(json.trace), 'trace is an array');
        assert.equal(json.trace[0].source, 'peer');
        assert.equal(json.trace[0].verdict, 'trusted');
        assert.ok(
          json.trace.some((step: { value: string; verdict: string }) => step.value === '203.0.113.7'),
          JSON.stringify(json.trace),
        );
      } finally {
        await app.close();
      }
    });

    test('trace: true computes it for every request', async () => {
      const app = await start({ trusted: ['127.0.0.1'], trace: true });
      try {
        const { json } = await getJson(app.url, {
          localAddress: '127.0.0.1',
          headers: [['X-Forwarded-For', '203.0.113.7']],
        });
        assert.ok(Array.isArray(json.trace) && json.trace.length >= 2, JSON.stringify(json));
      } finally {
        await app.close();
      }
    });

    test('PROXY protocol: the PROXY source is the resolver peer, its XFF counts only when trusted', async () => {
      let wrapped = false;
      const app = await start({ trusted: ['10.0.0.0/8'] }, (server) => {
        acceptProxyProtocol(server, { mode: 'required', trusted: ['127.0.0.1'] });
        wrapped = true;
      });
      try {
        assert.ok(wrapped, 'the factory did not hand over its server');
        const header = (source: string) =>
          encodeProxyHeader({ version: 2, source, sourcePort: 4242, destination: '10.0.0.1', destinationPort: 80 });
        const xff: Array<[string, string]> = [['X-Forwarded-For', '203.0.113.9']];
        const viaTrusted = await getJson(app.url, {
          localAddress: '127.0.0.1',
          preamble: header('10.1.2.3'),
          headers: xff,
        });
        assert.equal(viaTrusted.json.peer, '10.1.2.3');
        assert.equal(viaTrusted.json.peerTrusted, true);
        assert.equal(viaTrusted.json.client, '203.0.113.9');
        const viaUntrusted = await getJson(app.url, {
          localAddress: '127.0.0.1',
          preamble: header('198.51.100.4'),
          headers: xff,
        });
        assert.equal(viaUntrusted.json.client, '198.51.100.4');
        assert.equal(viaUntrusted.json.port, 4242);
        assert.equal(viaUntrusted.json.reason, 'untrusted-peer');
      } finally {
        await app.close();
      }
    });

    test('fail: a bad trust list is rejected at setup, not per request', async () => {
      await assert.rejects(start({ trusted: ['10.0.0.0/33'] }), /SIP_ERR_INVALID_CIDR|invalid CIDR/);
    });
  });
}
