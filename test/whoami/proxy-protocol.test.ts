/**
 * whoami behind PROXY protocol (issue 4 part 4): the listener decodes the header, whoami shows its
 * fields (version, addresses, TLVs), resolves with the header's source as the peer and keeps the
 * load balancer as the direct peer. Headers come from our encoder over real loopback sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeProxyHeader } from '../../src/core/proxy-protocol/encode.ts';
import { type RunningWhoami, startWhoami } from '../../src/whoami/server.ts';
import { getJson, request } from '../middleware/support.ts';

const LB = '127.0.0.1';

describe('whoami --proxy-protocol required, LB 127.0.0.1 trusted to send PROXY, client range trusted for XFF', () => {
  let whoami: RunningWhoami;
  before(async () => {
    whoami = await startWhoami({
      port: 0,
      proxyProtocol: 'required',
      proxyProtocolTrusted: [LB],
      trusted: ['10.0.0.0/8'],
      host: 'pp-host',
    });
  });
  after(() => whoami.close());

  test('v2 with TLVs: fields shown, client = PROXY source, LB = direct peer', async () => {
    const preamble = encodeProxyHeader({
      version: 2,
      source: '203.0.113.7',
      sourcePort: 51234,
      destination: '198.18.0.10',
      destinationPort: 443,
      tlvs: [
        { type: 0x01, value: Buffer.from('h2') },
        { type: 0x05, value: Buffer.from([1, 2, 3, 4]) },
        { type: 0xea, value: Buffer.from([0x01, 0x76, 0x70, 0x63]) },
      ],
      crc32c: true,
    });
    const { status, json } = await getJson(whoami.url, {
      path: '/?format=json',
      localAddress: LB,
      preamble,
      headers: [['X-Forwarded-For', '6.6.6.6']],
    });
    assert.equal(status, 200);
    assert.equal(json.peer.ip, LB, 'the load balancer is the direct peer');
    assert.equal(json.proxyProtocol.version, 2);
    assert.equal(json.proxyProtocol.command, 'PROXY');
    assert.equal(json.proxyProtocol.family, 'TCP4');
    assert.equal(json.proxyProtocol.source, '203.0.113.7');
    assert.equal(json.proxyProtocol.sourcePort, 51234);
    assert.equal(json.proxyProtocol.destination, '198.18.0.10');
    assert.equal(json.proxyProtocol.destinationPort, 443);
    assert.equal(json.proxyProtocol.headerLength, preamble.length);
    assert.deepEqual(json.proxyProtocol.tlvs.slice(0, 3), [
      { type: 1, name: 'ALPN', hex: '6832', text: 'h2' },
      { type: 5, name: 'UNIQUE_ID', hex: '01020304', text: '\u0001\u0002\u0003\u0004' },
      { type: 0xea, name: 'AWS', hex: '01767063' },
    ]);
    assert.equal(json.proxyProtocol.tlvs[3].name, 'CRC32C');
    // The PROXY source is the resolver's peer: untrusted for XFF, so it is the client and the
    // X-Forwarded-For it sent is a spoof attempt.
    assert.equal(json.client.ip, '203.0.113.7');
    assert.equal(json.client.port, 51234);
    assert.equal(json.client.reason, 'untrusted-peer');
    assert.deepEqual(json.spoofAttempts, [{ header: 'X-Forwarded-For', value: '6.6.6.6' }]);
    assert.deepEqual(json.trust.proxyProtocol, { mode: 'required', trusted: [LB] });
  });

  test('v1 TCP6: source shown in RFC 5952 form; a trusted PROXY source makes its XFF count', async () => {
    const preamble = encodeProxyHeader({
      version: 1,
      source: '10.1.2.3',
      sourcePort: 40000,
      destination: '10.0.0.1',
      destinationPort: 80,
    });
    const { json } = await getJson(whoami.url, {
      path: '/?format=json',
      localAddress: LB,
      preamble,
      headers: [['X-Forwarded-For', '198.51.100.23']],
    });
    assert.equal(json.proxyProtocol.version, 1);
    assert.equal(json.proxyProtocol.source, '10.1.2.3');
    assert.equal(json.client.ip, '198.51.100.23');
    assert.equal(json.client.reason, 'rightmost-untrusted');
    assert.deepEqual(json.spoofAttempts, []);
  });

  test('v2 LOCAL (health check): the real connection is used, PROXY fields still shown', async () => {
    const preamble = encodeProxyHeader({ version: 2, command: 'LOCAL' });
    const { json } = await getJson(whoami.url, { path: '/?format=json', localAddress: LB, preamble });
    assert.equal(json.proxyProtocol.command, 'LOCAL');
    assert.equal(json.client.ip, LB);
  });

  test('text and HTML show the PROXY section', async () => {
    const preamble = encodeProxyHeader({
      version: 2,
      source: '2001:db8::7',
      sourcePort: 1,
      destination: '2001:db8::1',
      destinationPort: 443,
      tlvs: [{ type: 0x02, value: Buffer.from('example.com\u001b') }],
    });
    const text = await request(whoami.url, { path: '/?format=text', localAddress: LB, preamble });
    assert.match(text.body, /^PROXY protocol: v2 PROXY TCP6 \(\d+ bytes\)$/m);
    assert.match(text.body, /^ {2}source: \[2001:db8::7\]:1$/m);
    assert.match(text.body, /^ {2}TLV 0x02 AUTHORITY: "example\.com\\x1b"$/m);
    assert.match(text.body, /^Client: \[2001:db8::7\]:1 \(untrusted-peer\)$/m);
    const html = await request(whoami.url, { path: '/?format=html', localAddress: LB, preamble });
    assert.match(html.body, /<h2>PROXY protocol<\/h2>/);
    assert.match(html.body, /<td>&quot;example\.com\\x1b&quot;<\/td>/);
  });

  test('fail: no PROXY header on a required listener: the connection is closed, counted as missing', async () => {
    const before = whoami.proxyCounters().missing;
    const reply = await request(whoami.url, { path: '/?format=json', localAddress: LB });
    assert.equal(reply.status, 0, 'no HTTP answer without the header');
    assert.equal(whoami.proxyCounters().missing, before + 1);
  });

  test('fail: a PROXY header from an untrusted source is rejected', async () => {
    const before = whoami.proxyCounters().rejected;
    const preamble = encodeProxyHeader({
      version: 1,
      source: '1.2.3.4',
      sourcePort: 1,
      destination: '10.0.0.1',
      destinationPort: 80,
    });
    const reply = await request(whoami.url, { path: '/?format=json', localAddress: '127.0.0.2', preamble });
    assert.equal(reply.status, 0);
    assert.equal(whoami.proxyCounters().rejected, before + 1);
  });
});

describe('whoami --proxy-protocol optional', () => {
  test('trusted LB without a header: proxyProtocol null, socket peer used', async () => {
    const whoami = await startWhoami({ port: 0, proxyProtocol: 'optional', proxyProtocolTrusted: [LB] });
    try {
      const { json } = await getJson(whoami.url, { path: '/?format=json', localAddress: LB });
      assert.equal(json.proxyProtocol, null);
      assert.equal(json.client.ip, LB);
      const untrusted = await getJson(whoami.url, { path: '/?format=json', localAddress: '127.0.0.2' });
      assert.equal(untrusted.json.client.ip, '127.0.0.2');
    } finally {
      await whoami.close();
    }
  });

  test('fail: required mode without --proxy-protocol-trusted is a setup error', async () => {
    await assert.rejects(startWhoami({ port: 0, proxyProtocol: 'required' }), /SIP_ERR_INVALID_OPTION|trusted/);
  });
});
