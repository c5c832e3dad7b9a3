import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { crc32c, crc32cBytewise } from './crc32c.ts';

// RFC 3720 Appendix B.4 and the usual check value.
const cases: { name: string; bytes: Uint8Array; want: number }[] = [
  { name: '"123456789" check value', bytes: new TextEncoder().encode('123456789'), want: 0xe3069283 },
  { name: '32 zero bytes (RFC 3720 B.4)', bytes: new Uint8Array(32), want: 0x8a9136aa },
  { name: '32 bytes of 0xFF (RFC 3720 B.4)', bytes: new Uint8Array(32).fill(0xff), want: 0x62a8ab43 },
  {
    name: '32 incrementing bytes (RFC 3720 B.4)',
    bytes: Uint8Array.from({ length: 32 }, (_, i) => i),
    want: 0x46dd794e,
  },
  {
    name: '32 decrementing bytes (RFC 3720 B.4)',
    bytes: Uint8Array.from({ length: 32 }, (_, i) => 31 - i),
    want: 0x113fdb5c,
  },
  { name: 'empty input', bytes: new Uint8Array(0), want: 0 },
];
for (const c of cases) {
  test(c.name, () => {
    assert.equal(crc32c(c.bytes), c.want);
    assert.equal(crc32cBytewise(c.bytes), c.want);
  });
}

test('slicing-by-8 equals the byte-wise reference for any bytes and any split', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
      const at = bytes.length === 0 ? 0 : cut % bytes.length;
      const whole = crc32cBytewise(bytes);
      assert.equal(crc32c(bytes), whole);
      assert.equal(crc32c(bytes, at, bytes.length, crc32c(bytes, 0, at)), whole);
    }),
    { numRuns: 300 },
  );
});
