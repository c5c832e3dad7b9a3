import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProxyHeader } from './decode.ts';
import { ascii, type DecodeVector, decodeVectors, v2 } from './decode.vectors.ts';
import type { ProxyDecodeResult, ProxyHeader } from './types.ts';

function checkHeader(header: ProxyHeader, want: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(want)) {
    if (key === 'tlvTypes') {
      assert.deepEqual(
        header.tlvs.map((t) => t.type),
        value,
      );
    } else if (key === 'ssl') {
      const w = value as { client: number; verify: number; subtlvTypes: number[] };
      assert.ok(header.ssl, 'ssl present');
      assert.equal(header.ssl.client, w.client);
      assert.equal(header.ssl.verify, w.verify);
      assert.deepEqual(
        header.ssl.subtlvs.map((t) => t.type),
        w.subtlvTypes,
      );
    } else {
      assert.deepEqual((header as unknown as Record<string, unknown>)[key], value, key);
    }
  }
}

function check(v: DecodeVector, got: ProxyDecodeResult): void {
  assert.equal(got.status, v.status, `status (${JSON.stringify(got)})`);
  if (got.status === 'invalid') assert.equal(got.reason, v.reason);
  if (got.status === 'ok' && v.header) checkHeader(got.header, v.header);
}

for (const v of decodeVectors) {
  test(v.name, () => check(v, decodeProxyHeader(v.bytes)));
}

test('every prefix of every vector answers incomplete or the final answer (same reason)', () => {
  for (const v of decodeVectors) {
    const final = decodeProxyHeader(v.bytes);
    // The shortest prefix with a final answer; anything longer gives the same.
    let decidedAt = -1;
    for (let n = 0; n <= v.bytes.length; n++) {
      const got = decodeProxyHeader(v.bytes.subarray(0, n));
      if (got.status === 'incomplete') {
        assert.equal(decidedAt, -1, `${v.name}: incomplete at ${n} after a final answer at ${decidedAt}`);
        continue;
      }
      if (decidedAt < 0) decidedAt = n;
      assert.deepEqual(got, final, `${v.name}: prefix ${n}`);
    }
  }
});

test('absent is decided at the first byte that cannot start a signature', () => {
  assert.equal(decodeProxyHeader(ascii('G')).status, 'absent');
  assert.equal(decodeProxyHeader(ascii('PA')).status, 'absent');
  assert.equal(decodeProxyHeader(ascii('PROXx')).status, 'absent');
  assert.equal(decodeProxyHeader(Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x01)).status, 'absent');
  assert.equal(decodeProxyHeader(Uint8Array.of(0x16, 0x03, 0x01)).status, 'absent');
});

test('v1: 107 bytes are enough for any answer; more bytes are never read', () => {
  const line = ascii(`PROXY TCP6 ${'1:'.repeat(40)}`);
  const got = decodeProxyHeader(line);
  assert.equal(got.status, 'invalid');
  const long = ascii(`PROXY UNKNOWN ${'a'.repeat(200)}`);
  assert.deepEqual(decodeProxyHeader(long.subarray(0, 107)), { status: 'invalid', reason: 'v1-too-long' });
  assert.deepEqual(decodeProxyHeader(long), { status: 'invalid', reason: 'v1-too-long' });
});

test('v2: maxLength refuses a big announced length as soon as the 16 fixed bytes are in', () => {
  const big = v2(0x21, 0x11, [], 4000).subarray(0, 16);
  assert.equal(decodeProxyHeader(big).status, 'incomplete');
  assert.deepEqual(decodeProxyHeader(big, { maxLength: 1024 }), { status: 'invalid', reason: 'v2-too-long' });
});

test('TLV values are copies, also from a Buffer: changing the input afterwards changes nothing', () => {
  const bytes = Buffer.from(v2(0x21, 0x11, [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0x02, 0, 1, 0x61]));
  const got = decodeProxyHeader(bytes);
  assert.equal(got.status, 'ok');
  bytes.fill(0);
  if (got.status === 'ok') assert.deepEqual([...(got.header.tlvs[0]?.value ?? [])], [0x61]);
});
