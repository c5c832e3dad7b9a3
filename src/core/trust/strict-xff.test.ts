/**
 * The strict fast path (strict-xff.ts) against the general walk on random requests: the same
 * Resolution, field for field. A request with `{ trace: true }` always takes the general walk, so
 * `resolve(input)` (fast path when it answers) is compared with `resolve(input, { trace: true })`
 * minus its trace, and the fast path itself with a walk built without it. Time-boxed:
 * SOURCEIP_FUZZ_RUNS (default 300) runs per property.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  ListHeaderCursor,
  lastQuadStart,
  parseCanonicalIPv6Words,
  scanCanonicalIPv6Left,
  scanQuadLeft,
} from '../headers/forwarded-for.ts';
import { formatIP, parseIPv4Number } from '../ip/address.ts';
import { PrefixSet } from '../ip/prefix-set.ts';
import { createResolver } from './resolver.ts';
import { createStrictListFastPath } from './strict-xff.ts';
import type { Resolution, ResolveInput } from './types.ts';
import { canonicalClient, createWalk, MAX_ENTRIES, prefixTrustHooks, type TrustContext } from './walk.ts';

const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 300);

const TRUST_LISTS = [['10.0.0.0/8', 'fd00::/8'], ['loopback', '2001:db8::/32', '192.0.2.0/24'], ['0.0.0.0/0'], []];

const entry = fc.oneof(
  // What the fast path answers: canonical dotted quads and RFC 5952 IPv6, trusted or not.
  fc.constantFrom('10.0.0.1', '10.255.3.4', '203.0.113.7', '192.0.2.9', '127.0.0.1', '1.2.3.4', '255.255.255.255'),
  fc.constantFrom('fd00::1', 'fd12:3456::7334', '2001:db8::1', '2001:db8:85a3::8a2e:370:7334', '::1', '1::'),
  fc.constantFrom('2001:db8:0:1:1:1:1:1', 'fe80::1', 'ff02::1:2', '::2:3:4:5:6:7', '2001:db8::ffff:1'),
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.1`),
  fc.integer({ min: 1, max: 0xffff }).map((h) => `fd00::${h.toString(16)}`),
  // What it must hand to the walk (or answer the same way).
  fc.constantFrom('0.0.0.0', '::', '010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4:80', '[fd00::1]:443'),
  fc.constantFrom('[2001:db8::1]', '2001:DB8::1', '2001:db8:0::1', '0:0:0:0:0:0:0:1', '::ffff:10.0.0.1', '::1.2.3.4'),
  fc.constantFrom('fe80::1%eth0', 'unknown', 'UNKNOWN', '_hidden', '', 'nope', '1.2.3.4x', 'x1.2.3.4', '1234', '::0'),
  fc.constantFrom('2001:db8::0:1', '2001:db8:0:0:1::1', 'fd00::01', '1.2.3.4 5.6.7.8', '10.0.0.1\t', '"1.2.3.4"'),
  fc.string({ maxLength: 8 }),
);
const pad = fc.constantFrom('', '', ' ', '  ', '\t', ' \t');
const padded = fc.tuple(pad, entry, pad).map(([a, e, b]) => a + e + b);
const line = fc.oneof(
  { weight: 8, arbitrary: fc.array(padded, { minLength: 1, maxLength: 12 }).map((es) => es.join(',')) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', ',', ', 10.0.0.1', `1.2.3.4, ${'10.0.0.1, '.repeat(900)}10.0.0.2`) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 70 }).map((n) => Array(n).fill('10.0.0.1').join(', ')) },
);
const name = fc.constantFrom(
  'X-Forwarded-For',
  'X-Forwarded-For',
  'x-forwarded-for',
  'X-FORWARDED-FOR',
  'X-Forwarded-Fox',
  'X-Original-Forwarded-For',
  'Host',
);
const rawHeaders = fc
  .array(fc.tuple(name, line), { maxLength: 4 })
  .map((pairs) => ['Host', 'example.com', ...pairs.flat(), 'Accept', '*/*']);
const peer = fc.constantFrom('10.0.0.2', '::ffff:10.0.0.2', 'fd00::9', '127.0.0.1', '203.0.113.1', '::1', 'x', '');
const input: fc.Arbitrary<ResolveInput> = fc.record(
  { peer: fc.option(peer, { nil: undefined }), rawHeaders, peerPort: fc.option(fc.nat(65535), { nil: undefined }) },
  { requiredKeys: ['peer', 'rawHeaders'] },
);
const options = fc.record({
  trusted: fc.constantFrom(...TRUST_LISTS),
  header: fc.constantFrom('X-Forwarded-For', 'X-Original-Forwarded-For'),
});

function withoutTrace(r: Resolution): Resolution {
  const { trace: _trace, ...rest } = r;
  return rest;
}

test('strict resolve() without trace equals the traced (general) walk minus its trace', () => {
  fc.assert(
    fc.property(options, fc.array(input, { minLength: 1, maxLength: 4 }), (opts, inputs) => {
      const resolver = createResolver(opts);
      // Several requests on one resolver: the peer caches carry over between them.
      for (const i of inputs) {
        assert.deepEqual(resolver.resolve(i), withoutTrace(resolver.resolve(i, { trace: true })));
      }
    }),
    { numRuns: RUNS },
  );
});

function contextOf(trusted: string[], header: string): TrustContext {
  const set = PrefixSet.compile(trusted);
  return {
    options: { trusted, header },
    semantics: 'strict',
    trusted: set,
    trustUnix: false,
    trustAll: false,
    trustsEverything: set.trustsEverything,
    header,
    maxEntries: MAX_ENTRIES,
  };
}

test('the fast path answers exactly as the walk whenever it answers, and answers the usual requests', () => {
  let answered = 0;
  let total = 0;
  fc.assert(
    fc.property(options, fc.array(input, { minLength: 1, maxLength: 4 }), (opts, inputs) => {
      const ctx = contextOf(opts.trusted, opts.header);
      const fast = createStrictListFastPath(ctx);
      const walk = createWalk(
        {
          ...prefixTrustHooks(ctx),
          formatClient: canonicalClient,
          canonicalText: true,
          onInvalid: 'refuse',
          onAllTrusted: 'refuse',
          recursive: true,
          hops: 0,
          maxEntries: ctx.maxEntries,
        },
        new ListHeaderCursor(opts.header),
      );
      for (const i of inputs) {
        total++;
        const got = fast(i);
        if (got === null) continue;
        answered++;
        assert.deepEqual(got, walk(i, false));
      }
    }),
    { numRuns: RUNS },
  );
  // Both outcomes occur: the comparison above is not vacuous, and the fast path is not dead code.
  assert.ok(answered > total / 10 && answered < total, `fast path answered ${answered} of ${total}`);
});

test('the fast path answers the benchmark-shaped requests (no silent fallback)', () => {
  const ctx4 = contextOf(['10.0.0.0/8'], 'X-Forwarded-For');
  const ctx6 = contextOf(['fd00::/8'], 'X-Forwarded-For');
  const cases: Array<[TrustContext, string, string, string]> = [
    [ctx4, '10.0.0.1', '203.0.113.7, 10.0.1.2, 10.0.1.3', '203.0.113.7'],
    [ctx4, '::ffff:10.0.0.1', '203.0.113.7', '203.0.113.7'],
    [ctx6, 'fd00::1', '2001:db8:85a3::8a2e:370:7334, fd00::2, fd00::3', '2001:db8:85a3::8a2e:370:7334'],
    [ctx6, 'fd00::1', ' 2001:db8::1 ,\tfd00::2 ', '2001:db8::1'],
  ];
  for (const [ctx, peerText, xff, want] of cases) {
    const r = createStrictListFastPath(ctx)({ peer: peerText, rawHeaders: ['Host', 'a', 'X-Forwarded-For', xff] });
    assert.equal(r?.client, want, xff);
    assert.equal(r?.reason, 'rightmost-untrusted');
  }
});

test('scanCanonicalIPv6Left finds the same address, start and words as parseCanonicalIPv6Words', () => {
  const word = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  const canonical = fc
    .tuple(word, word, word, word)
    .map(([w0, w1, w2, w3]) => formatIP({ family: 6, w0, w1, w2, w3, zone: '' }));
  // Canonical texts, near-misses (upper case, leading zero, `:0:` for `::`, stray colons, a
  // dotted tail) and junk, behind a prefix that may or may not continue the address.
  const body = fc.oneof(
    canonical,
    canonical.map((t) => t.toUpperCase()),
    canonical.map((t) => t.replace('::', ':0:0:')),
    canonical.map((t) => t.replace(/:([1-9a-f])/, ':0$1')),
    canonical.map((t) => `${t}:`),
    canonical.map((t) => `:${t}`),
    fc.constantFrom('::ffff:1.2.3.4', '::1.2.3.4', ':::1', '1:::2', '::', '1::2::3', '12345::1', 'fd00::'),
    fc.stringMatching(/^[0-9a-f:]{0,40}$/),
  );
  const prefix = fc.constantFrom('', ' ', ', ', 'x', '1', 'a:', ':', '.');
  const w1 = new Uint32Array(4);
  const w2 = new Uint32Array(4);
  let accepted = 0;
  fc.assert(
    fc.property(prefix, body, (pre, text) => {
      const line = pre + text;
      const start = scanCanonicalIPv6Left(line, line.length, w1);
      // The run of [0-9a-f:] that ends the line, parsed forward.
      let runStart = line.length;
      while (runStart > 0 && /[0-9a-f:]/.test(line[runStart - 1]!)) runStart--;
      const ok = parseCanonicalIPv6Words(line, runStart, line.length, w2);
      if (!ok) {
        assert.equal(start, -1, line);
        return;
      }
      accepted++;
      assert.equal(start, runStart, line);
      assert.deepEqual([...w1], [...w2], line);
    }),
    { numRuns: RUNS * 3 },
  );
  assert.ok(accepted > RUNS / 5, `accepted ${accepted}`);
});

test('scanQuadLeft reads the dotted quad that parseIPv4Number accepts at the end of the text', () => {
  const part = fc.oneof(
    { weight: 6, arbitrary: fc.nat(255).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('0', '00', '01', '256', '999', '1000', '') },
  );
  const quad = fc
    .oneof({ weight: 3, arbitrary: fc.array(part, { minLength: 4, maxLength: 4 }) }, fc.array(part, { maxLength: 5 }))
    .map((ps) => ps.join('.'));
  const prefix = fc.constantFrom('', ' ', ', ', 'x', '1', '12', '.', ':', '1.');
  let accepted = 0;
  fc.assert(
    fc.property(prefix, quad, (pre, text) => {
      const line = pre + text;
      const got = scanQuadLeft(line, line.length);
      const start = lastQuadStart();
      if (got >= 0) {
        accepted++;
        assert.equal(parseIPv4Number(line, start, line.length), got, line);
      }
      // A quad that stands alone at the end (no digit on its left) is always found, whole.
      for (let k = 0; k < line.length; k++) {
        const n = parseIPv4Number(line, k, line.length);
        if (n >= 0 && (k === 0 || !/[0-9]/.test(line[k - 1]!))) {
          assert.equal(got, n, line);
          assert.equal(start, k, line);
        }
      }
    }),
    { numRuns: RUNS * 3 },
  );
  assert.ok(accepted > RUNS / 5, `accepted ${accepted}`);
});
