/**
 * Interop, sending: our encoder in front of real nginx (`listen … proxy_protocol`,
 * `$proxy_protocol_addr/_port`) and real HAProxy (`accept-proxy`, `%[src]`): they report the
 * addresses we sent, v1 and v2, IPv4 and IPv6, over IPv4 and IPv6 loopback. Then the probes:
 * headers where the two programs depart from the spec, pinned next to our decoder's answer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeProxyHeader } from '../../src/core/proxy-protocol/decode.ts';
import { encodeProxyHeader } from '../../src/core/proxy-protocol/encode.ts';
import { requireProgram } from '../support/programs.ts';
import { rawExchange } from './helpers.ts';
import { type Peer, startHaproxyReceiver, startNginxReceiver } from './peers.ts';
import { probes } from './probes.vectors.ts';

const nginxBin = requireProgram('nginx');
const haproxyBin = requireProgram('haproxy');
const skip = typeof nginxBin !== 'string' ? nginxBin.skip : typeof haproxyBin !== 'string' ? haproxyBin.skip : false;

const GET = 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
const peers: Peer[] = [];

before(
  async () => {
    if (skip) return;
    peers.push(await startNginxReceiver(nginxBin as string));
    peers.push(await startHaproxyReceiver(haproxyBin as string));
  },
  { timeout: 30_000 },
);

after(
  async () => {
    for (const p of peers) await p.stop();
  },
  { timeout: 30_000 },
);

/** Sends header + GET to the peer; returns the reply body, or 'reject' when closed without a reply. */
async function send(peer: Peer, header: Uint8Array, over: 4 | 6 = 4): Promise<{ body: string; status?: number }> {
  const r = await rawExchange(
    over === 4 ? peer.port4 : peer.port6,
    [Buffer.concat([Buffer.from(header), Buffer.from(GET)])],
    {
      host: over === 4 ? '127.0.0.1' : '::1',
      timeoutMs: 4000,
    },
  );
  const m = /^HTTP\/1\.[01] (\d+)[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(r.data);
  if (m === null) return { body: r.data === '' ? 'reject' : `garbage ${JSON.stringify(r.data.slice(0, 60))}` };
  return { status: Number(m[1]), body: m[2] ?? '' };
}

const sends = [
  { version: 1, source: '203.0.113.7', sourcePort: 51234, destination: '198.18.0.10', destinationPort: 443 },
  { version: 1, source: '2001:db8::7', sourcePort: 1, destination: '2001:db8:1::10', destinationPort: 8443 },
  { version: 2, source: '198.51.100.200', sourcePort: 65535, destination: '192.0.2.1', destinationPort: 80 },
  {
    version: 2,
    source: '2001:db8:85a3::8a2e:370:7334',
    sourcePort: 40000,
    destination: '2001:db8::1',
    destinationPort: 443,
  },
] as const;

for (const s of sends) {
  for (const over of [4, 6] as const) {
    test(`v${s.version} ${s.source} over IPv${over} loopback: nginx and HAProxy report what we sent`, {
      skip,
    }, async () => {
      const header = encodeProxyHeader({
        ...s,
        ...(s.version === 2 ? { crc32c: true, tlvs: [{ type: 0x05, value: Buffer.from('id-1') }] } : {}),
      });
      for (const peer of peers) {
        const r = await send(peer, header, over);
        assert.equal(r.status, 200, `${peer.name}: ${r.body} ${peer.log()}`);
        assert.equal(r.body, `${s.source} ${s.sourcePort} ${s.destination} ${s.destinationPort}`, peer.name);
      }
    });
  }
}

test('v2 TLVs we encode are the TLVs HAProxy reads: AUTHORITY and UNIQUE_ID, with CRC32C', { skip }, async () => {
  const haproxy = peers.find((p) => p.name === 'haproxy');
  assert.ok(haproxy?.tlvPort);
  const header = encodeProxyHeader({
    version: 2,
    source: '203.0.113.7',
    sourcePort: 1,
    destination: '198.18.0.10',
    destinationPort: 443,
    tlvs: [
      { type: 0x02, value: Buffer.from('api.example.com') },
      { type: 0x04, value: Buffer.alloc(3) },
      { type: 0x05, value: Buffer.from('conn-42') },
      { type: 0xea, value: Buffer.from('\x01vpce-0123', 'latin1') },
    ],
    crc32c: true,
  });
  const r = await rawExchange(haproxy.tlvPort, [Buffer.concat([Buffer.from(header), Buffer.from(GET)])], {
    timeoutMs: 4000,
  });
  assert.match(r.data, /\r\n\r\napi\.example\.com\|conn-42$/);
});

for (const p of probes) {
  test(`probe: ${p.name} (spec: ${p.spec}) — nginx ${p.nginx} · HAProxy ${p.haproxy} · ours ${p.ours}`, {
    skip,
  }, async () => {
    const ours = decodeProxyHeader(p.bytes);
    assert.equal(ours.status === 'ok' ? 'ok' : ours.status === 'invalid' ? ours.reason : ours.status, p.ours);
    assert.equal(ours.status === 'ok' ? 'accept' : 'reject', p.spec, 'our decoder follows the spec');
    for (const peer of peers) {
      const want = peer.name === 'nginx' ? p.nginx : p.haproxy;
      const r = await send(peer, p.bytes);
      if (want === 'reject') {
        assert.equal(r.body, 'reject', peer.name);
      } else if (want === 'empty') {
        assert.equal(r.body, '   ', peer.name);
      } else if (want === 'real') {
        assert.match(r.body, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/, peer.name);
      } else {
        assert.equal(r.body, want, peer.name);
      }
    }
  });
}
