/**
 * The nginx fast path (createNginxFastPath in nginx.ts) against the general nginx walk on random
 * requests: whenever it answers, the same Resolution; and `resolve(input)` equals
 * `resolve(input, { trace: true })` minus the trace (a traced request always takes the walk).
 * Time-boxed: SOURCEIP_FUZZ_RUNS (default 300) runs per property.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compileNginxRealIp, createNginxFastPath, createNginxResolver, createNginxWalk } from './nginx.ts';
import type { Resolution, ResolveInput, ResolverOptions } from './types.ts';

const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 300);

const entry = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom('10.0.0.1', '10.1.2.3', '203.0.113.7', '127.0.0.1', '10.255.3.4') },
  fc.constantFrom('10.0.0.1', '10.255.3.4', '203.0.113.7', '192.0.2.9', '127.0.0.1', '1.2.3.4', '10.1.2.3'),
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.${a}.${b}.1`),
  fc.constantFrom('0.0.0.0', '255.255.255.255', '010.0.0.1', '1..2.3', '1.2.3', '256.1.1.1', '1.2.3.4:80', '1.2.3.4:0'),
  fc.constantFrom('[::1]:80', '::1', '2001:db8::1', '::ffff:10.0.0.1', 'unknown', '', 'x', '1.2.3.4x', '1234.1.1.1'),
  fc.constantFrom('\t1.2.3.4', '1.2.3.4\t', '10.0.0.1.', '.10.0.0.1'),
  // IPv6: canonical (answered when not opening with `::`), other spellings, nginx's dotted forms.
  { weight: 6, arbitrary: fc.constantFrom('fd00::1', '2001:db8:85a3::8a2e:370:7334', '2001:db8::1', 'fe80::1:2') },
  fc.integer({ min: 1, max: 0xffff }).map((h) => `fd00::${h.toString(16)}`),
  fc.constantFrom('::102', '::1.2.3.4', '::ffff:1.2.3.4', '1::', '1:0:0:1::1', '2001:DB8::1', '2001:db8:0::1', '::'),
  fc.constantFrom('fd00:0:0:0:0:0:0:1', '::fd00:1', '1:2:3:4:5:6:7:8', '[fd00::1]', 'fd00::1%eth0', ':1:2:3:4:5:6:7:8'),
);
const sep = fc.oneof({ weight: 4, arbitrary: fc.constant(', ') }, fc.constantFrom(',', ' ', ' , ', ',,', '  '));
const line = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(entry, sep), { maxLength: 10 }), entry, fc.constantFrom('', ' ', ',', ', ', ' ,'))
      .map(([pairs, last, tail]) => pairs.map(([e, s]) => e + s).join('') + last + tail),
  },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', ',1.2.3.4', ', 1.2.3.4', ' ,10.0.0.1, 1.2.3.4', '1.2.3.4 ') },
);
const name = fc.constantFrom(
  'X-Forwarded-For',
  'X-Forwarded-For',
  'x-forwarded-for',
  'X-FORWARDED-FOR',
  'X-Real-IP',
  'Host',
);
const rawHeaders = fc
  .array(fc.tuple(name, line), { maxLength: 3 })
  .map((pairs) => ['Host', 'example.com', ...pairs.flat(), 'Accept', '*/*']);
const peer = fc.constantFrom(
  '10.0.0.2',
  '10.0.0.2',
  '127.0.0.1',
  '::ffff:10.0.0.2',
  '127.0.0.1',
  '203.0.113.1',
  '::1',
  'x',
  '',
);
const input: fc.Arbitrary<ResolveInput> = fc.record(
  { peer: fc.option(peer, { nil: undefined }), rawHeaders, peerPort: fc.option(fc.nat(65535), { nil: undefined }) },
  { requiredKeys: ['peer', 'rawHeaders'] },
);
const options: fc.Arbitrary<ResolverOptions> = fc.record({
  semantics: fc.constant('nginx' as const),
  trusted: fc.constantFrom(
    ['10.0.0.0/8', '127.0.0.1'],
    ['10.1.2.3/8', '::1', 'unix:'],
    ['10.0.0.1', '10.255.3.4', '127.0.0.0/8', '2001:db8::/32'],
    ['fd00::/8', '10.0.0.0/8', '::ffff:10.1.0.0/112', '::/127'],
    ['0.0.0.0/0'],
    ['loopback', 'private'],
  ),
  header: fc.constantFrom('X-Forwarded-For', 'X-Forwarded-For', 'x-forwarded-for'),
  recursive: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
});

function withoutTrace(r: Resolution): Resolution {
  const { trace: _trace, ...rest } = r;
  return rest;
}

test('nginx resolve() without trace equals the traced (general) walk minus its trace', () => {
  fc.assert(
    fc.property(options, fc.array(input, { minLength: 1, maxLength: 4 }), (opts, inputs) => {
      const resolver = createNginxResolver(opts);
      for (const i of inputs) {
        assert.deepEqual(resolver.resolve(i), withoutTrace(resolver.resolve(i, { trace: true })));
      }
    }),
    { numRuns: RUNS },
  );
});

test('the nginx fast path answers exactly as the walk whenever it answers, and answers the usual requests', () => {
  let answered = 0;
  let total = 0;
  fc.assert(
    fc.property(options, fc.array(input, { minLength: 1, maxLength: 4 }), (opts, inputs) => {
      const config = compileNginxRealIp(opts);
      const fast = createNginxFastPath(config);
      const walk = createNginxWalk(config);
      for (const i of inputs) {
        total++;
        const got = fast === null ? null : fast(i);
        if (got === null) continue;
        answered++;
        assert.deepEqual(got, walk(i, false));
      }
    }),
    { numRuns: RUNS },
  );
  assert.ok(answered > total / 50 && answered < total, `fast path answered ${answered} of ${total}`);
});

test('the nginx fast path answers the benchmark-shaped requests', () => {
  const config = compileNginxRealIp({ trusted: ['10.0.0.0/8'], recursive: true });
  const fast = createNginxFastPath(config);
  const rawHeaders = ['Host', 'a', 'X-Forwarded-For', '203.0.113.7, 10.0.1.2, 10.0.1.3'];
  const r = fast?.({ peer: '10.0.0.1', rawHeaders });
  assert.equal(r?.client, '203.0.113.7');
  assert.equal(r?.reason, 'rightmost-untrusted');
  const fast6 = createNginxFastPath(compileNginxRealIp({ trusted: ['fd00::/8'], recursive: true }));
  const xff6 = '2001:db8:85a3::8a2e:370:7334, fd00::2, fd00::3';
  const r6 = fast6?.({ peer: 'fd00::1', rawHeaders: ['Host', 'a', 'X-Forwarded-For', xff6] });
  assert.equal(r6?.client, '2001:db8:85a3::8a2e:370:7334');
});
