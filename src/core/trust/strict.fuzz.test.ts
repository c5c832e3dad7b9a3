/**
 * Properties of the strict strategy, the walk and the header parsers (fast-check). Time-boxed:
 * SOURCEIP_FUZZ_RUNS (default 200) runs per property; `npm run fuzz` runs many more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseForwarded } from '../headers/forwarded.ts';
import { ListHeaderCursor, parseCanonicalIPv6 } from '../headers/forwarded-for.ts';
import { formatIP, parseIP, parseIPv4Number } from '../ip/address.ts';
import type { IPAddress } from '../ip/types.ts';
import { REASONS } from './reasons.ts';
import { createResolver } from './resolver.ts';
import type { ResolverOptions } from './types.ts';
import { isCanonicalIPv6 } from './walk.ts';

const RUNS = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 200);
const params = { numRuns: RUNS };

type Kind = 'trusted' | 'untrusted' | 'invalid';
interface Entry {
  readonly text: string;
  readonly kind: Kind;
  /** Canonical client text when untrusted. */
  readonly canonical?: string;
  readonly port?: number;
}

const TRUSTED = ['10.0.0.0/8', 'fd00::/8'];
const byte = fc.integer({ min: 0, max: 255 });
const byte1 = fc.integer({ min: 1, max: 254 });
const hex = fc.integer({ min: 1, max: 0xffff }).map((n) => n.toString(16));

const trustedEntry: fc.Arbitrary<Entry> = fc.oneof(
  fc.tuple(byte, byte, byte1).map(([a, b, c]) => ({ text: `10.${a}.${b}.${c}`, kind: 'trusted' as const })),
  hex.map((h) => ({ text: `fd00::${h}`, kind: 'trusted' as const })),
  fc.tuple(byte, byte1).map(([a, b]) => ({ text: `::ffff:10.1.${a}.${b}`, kind: 'trusted' as const })),
);
const untrustedEntry: fc.Arbitrary<Entry> = fc.oneof(
  fc
    .tuple(byte, byte1)
    .map(([a, b]) => ({ text: `198.51.${a}.${b}`, kind: 'untrusted' as const, canonical: `198.51.${a}.${b}` })),
  fc.tuple(byte, byte1, fc.integer({ min: 0, max: 65535 })).map(([a, b, p]) => ({
    text: `203.0.${a}.${b}:${p}`,
    kind: 'untrusted' as const,
    canonical: `203.0.${a}.${b}`,
    port: p,
  })),
  hex.map((h) => ({ text: `2001:db8::${h}`, kind: 'untrusted' as const, canonical: `2001:db8::${h}` })),
  fc.tuple(hex, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => ({
    text: `[2001:DB8:0::${h.toUpperCase()}]:${p}`,
    kind: 'untrusted' as const,
    canonical: `2001:db8::${h}`,
    port: p,
  })),
);
const invalidEntry: fc.Arbitrary<Entry> = fc
  .constantFrom(
    '',
    'unknown',
    'nope',
    '1.2.3',
    '01.1.1.1',
    '1.1.1.1:99999',
    '[1.2.3.4]',
    '0.0.0.0',
    '::',
    '2001:db8::1%',
    '_hidden',
  )
  .map((text) => ({ text, kind: 'invalid' as const }));
const anyEntry = fc.oneof(
  { arbitrary: trustedEntry, weight: 3 },
  { arbitrary: untrustedEntry, weight: 2 },
  invalidEntry,
);

/** The rule strict must follow, written out plainly: right to left, first non-trusted decides. */
function model(entries: readonly Entry[]): { client: string | null; reason: string; port: number | null } {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.kind === 'trusted') continue;
    if (e.kind === 'invalid')
      return { client: null, reason: e.text === 'unknown' ? 'unknown-entry' : 'invalid-entry', port: null };
    return { client: e.canonical!, reason: 'rightmost-untrusted', port: e.port ?? null };
  }
  return { client: null, reason: 'all-trusted', port: null };
}

/** Split entries into 1–3 header lines at entry boundaries. */
function toLines(entries: readonly Entry[], cuts: readonly number[]): string[] {
  const texts = entries.map((e) => e.text);
  const at = [...new Set(cuts.map((c) => c % (texts.length + 1)))]
    .filter((c) => c > 0 && c < texts.length)
    .sort((a, b) => a - b);
  const lines: string[] = [];
  let from = 0;
  for (const c of [...at, texts.length]) {
    lines.push(texts.slice(from, c).join(', '));
    from = c;
  }
  return lines;
}

const strict = createResolver({ trusted: TRUSTED });

test('strict equals the plain right-to-left model; never answers an entry left of an untrusted one', () => {
  fc.assert(
    fc.property(
      fc.array(anyEntry, { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 2 }),
      (entries, cuts) => {
        const raw = ['Host', 'h'];
        for (const line of toLines(entries, cuts)) raw.push('X-Forwarded-For', line);
        const r = strict.resolve({ peer: '10.0.0.1', rawHeaders: raw }, { trace: true });
        const want = model(entries);
        assert.deepEqual({ client: r.client, reason: r.reason, port: r.port }, want);
        // Every header step before the decision is a trusted verdict.
        const steps = (r.trace ?? []).filter((s) => s.source === 'header');
        for (const s of steps.slice(0, -1)) assert.equal(s.verdict, 'trusted');
      },
    ),
    params,
  );
});

test('split or joined, the lines give the same answer', () => {
  fc.assert(
    fc.property(
      fc.array(anyEntry, { minLength: 1, maxLength: 10 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      (entries, cuts) => {
        const joined = strict.resolve({
          peer: '10.0.0.1',
          rawHeaders: ['X-Forwarded-For', entries.map((e) => e.text).join(',')],
        });
        const raw: string[] = [];
        for (const line of toLines(entries, cuts)) raw.push('x-forwarded-for', line);
        const split = strict.resolve({ peer: '10.0.0.1', rawHeaders: raw });
        assert.deepEqual([split.client, split.port, split.reason], [joined.client, joined.port, joined.reason]);
      },
    ),
    params,
  );
});

test('Forwarded: elements split across lines at commas give the same elements and answer', () => {
  const forwarded = createResolver({ semantics: 'forwarded', trusted: TRUSTED });
  // RFC 7239 spelling of an entry: IPv6 bracketed, anything with `:` or `[` quoted.
  const quote = (e: Entry) => {
    if (/^[0-9.]+$/.test(e.text) || e.text === 'unknown') return e.text;
    const colons = e.text.split(':').length - 1;
    const node = colons > 1 && !e.text.startsWith('[') ? `[${e.text}]` : e.text;
    return `"${node}"`;
  };
  fc.assert(
    fc.property(fc.array(anyEntry, { minLength: 1, maxLength: 8 }), fc.nat(), (entries, cut) => {
      const elements = entries.map((e) => `for=${quote(e)};proto=https`);
      const c = cut % (elements.length + 1);
      const one = forwarded.resolve({ peer: '10.0.0.1', rawHeaders: ['Forwarded', elements.join(', ')] });
      const two = forwarded.resolve({
        peer: '10.0.0.1',
        rawHeaders: ['Forwarded', elements.slice(0, c).join(', '), 'Forwarded', elements.slice(c).join(', ')],
      });
      assert.deepEqual([two.client, two.port, two.reason], [one.client, one.port, one.reason]);
      assert.deepEqual([one.client, one.port, one.reason], Object.values(modelFor(entries)));
    }),
    params,
  );
  function modelFor(entries: readonly Entry[]) {
    const m = model(entries);
    // Forwarded cannot carry `[1.2.3.4]`-style junk differently, but `_hidden` is an obfuscated node there.
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if (e.kind === 'trusted') continue;
      if (e.text === '_hidden') return { client: null, port: null, reason: 'obfuscated-entry' };
      break;
    }
    return { client: m.client, port: m.port, reason: m.reason };
  }
});

test('an untrusted peer is always the client, whatever the headers say', () => {
  const header = fc.tuple(fc.constantFrom('X-Forwarded-For', 'Forwarded', 'X-Real-IP', 'x-forwarded-for'), fc.string());
  fc.assert(
    fc.property(
      fc.tuple(byte, byte1).map(([a, b]) => `192.0.${a}.${b}`),
      fc.array(header, { maxLength: 6 }),
      fc.constantFrom<ResolverOptions>(
        { trusted: TRUSTED },
        { semantics: 'forwarded', trusted: TRUSTED },
        { semantics: 'hops', hops: 2, trusted: TRUSTED },
        { semantics: 'single', header: 'X-Real-IP', trusted: TRUSTED },
      ),
      (peer, headers, options) => {
        const r = createResolver(options).resolve({ peer, rawHeaders: headers.flat() });
        assert.deepEqual([r.client, r.reason, r.peerTrusted], [peer, 'untrusted-peer', false]);
      },
    ),
    params,
  );
});

test('parsers and resolvers never throw on arbitrary input, and answer a known reason', () => {
  const resolvers = [
    createResolver({ trusted: ['any'] }),
    createResolver({ semantics: 'forwarded', trusted: ['any'] }),
    createResolver({ semantics: 'hops', hops: 3, trusted: ['any'] }),
    createResolver({ semantics: 'single', header: 'CloudFront-Viewer-Address', trusted: ['any'] }),
    createResolver({ semantics: 'nginx', trusted: ['0.0.0.0/0', '::/0'], recursive: true }),
    createResolver({ semantics: 'express', trustAll: true }),
  ];
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.stringMatching(/^[0-9a-fA-F:.[\]%,;="\\ \t_]{0,40}$/),
  );
  const names = fc.constantFrom('X-Forwarded-For', 'Forwarded', 'CloudFront-Viewer-Address', 'forwarded', 'X');
  fc.assert(
    fc.property(fc.option(text), fc.array(fc.tuple(names, text), { maxLength: 6 }), (peer, headers) => {
      for (const r of resolvers) {
        const res = r.resolve({ peer: peer ?? undefined, rawHeaders: headers.flat() }, { trace: true });
        assert.ok(REASONS.includes(res.reason), `${r.semantics}: ${res.reason}`);
        assert.ok(res.client === null || typeof res.client === 'string');
      }
      parseForwarded(headers.map(([, v]) => v));
    }),
    params,
  );
});

test('isCanonicalIPv6 agrees with formatIP', () => {
  const word = fc.integer({ min: 0, max: 0xffffffff });
  const sparse = fc.oneof(word, fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.tuple(sparse, sparse, sparse, sparse), fc.boolean(), ([w0, w1, w2, w3], upper) => {
      const ip: IPAddress = { family: 6, w0, w1, w2, w3, zone: '' };
      const text = formatIP(ip);
      const mapped = w0 === 0 && w1 === 0 && w2 === 0xffff;
      assert.equal(isCanonicalIPv6(text, ip), !mapped);
      // Any other spelling of the same address is not canonical.
      const other = upper ? text.toUpperCase() : text.replace('::', ':0:0:');
      const reparsed = parseIP(other);
      if (other !== text && reparsed !== null) assert.equal(isCanonicalIPv6(other, reparsed), false);
    }),
    params,
  );
});

test('parseCanonicalIPv6 accepts exactly the RFC 5952 texts, with the same address as parseIP', () => {
  const word = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.tuple(word, word, word, word), ([w0, w1, w2, w3]) => {
      const ip: IPAddress = { family: 6, w0, w1, w2, w3, zone: '' };
      const text = formatIP(ip);
      const fast = parseCanonicalIPv6(text, 0, text.length);
      const mapped = w0 === 0 && w1 === 0 && w2 === 0xffff;
      if (mapped || text === '::') assert.equal(fast, null);
      else assert.deepEqual(fast, ip);
    }),
    params,
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9a-fA-F:.%]{0,41}$/), (text) => {
      const fast = parseCanonicalIPv6(text, 0, text.length);
      if (fast === null) return;
      const slow = parseIP(text);
      assert.ok(slow !== null, text);
      assert.deepEqual(fast, slow);
      assert.equal(formatIP(slow), text);
    }),
    params,
  );
});

test('parseCanonicalIPv6 on near-canonical spellings: accepts iff the text is formatIP of its address', () => {
  const word = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  const mutate = fc.constantFrom('upper', 'zero', 'expand', 'zone', 'none', 'compress-one', 'trailing');
  fc.assert(
    fc.property(fc.tuple(word, word, word, word), mutate, fc.nat(), ([w0, w1, w2, w3], how, at) => {
      let text = formatIP({ family: 6, w0, w1, w2, w3, zone: '' });
      if (how === 'upper') text = text.toUpperCase();
      else if (how === 'zero') {
        const groups = text.split(':');
        const k = at % groups.length;
        if (groups[k] !== '') groups[k] = `0${groups[k]}`;
        text = groups.join(':');
      } else if (how === 'expand') text = text.replace('::', ':0:0:');
      else if (how === 'zone') text = `${text}%eth0`;
      else if (how === 'compress-one') text = text.replace(/(^|:)0(:|$)/, '$1:$2');
      else if (how === 'trailing') text = `${text}:`;
      const fast = parseCanonicalIPv6(text, 0, text.length);
      const slow = parseIP(text);
      const mapped = slow !== null && slow.w0 === 0 && slow.w1 === 0 && slow.w2 === 0xffff;
      const canonical = slow !== null && slow.zone === '' && !mapped && text !== '::' && formatIP(slow) === text;
      assert.equal(fast !== null, canonical, text);
      if (fast !== null) assert.deepEqual(fast, slow);
    }),
    params,
  );
});

test('the cursor reads an IPv4 entry exactly as parseIPv4Number does', () => {
  const entry = fc.oneof(
    fc.stringMatching(/^[0-9.]{0,17}$/),
    fc.tuple(byte, byte, byte, byte).map((p) => p.join('.')),
    fc
      .tuple(byte, byte, byte, byte, fc.nat(3))
      .map(([a, b, c, d, k]) => [a, b, c, d].map((x, i) => (i === k ? `0${x}` : x)).join('.')),
  );
  const ows = fc.constantFrom('', ' ', '\t', ' \t ');
  fc.assert(
    fc.property(fc.array(fc.tuple(ows, entry, ows), { minLength: 1, maxLength: 5 }), (parts) => {
      const line = parts.map(([a, e, b]) => `${a}${e}${b}`).join(',');
      const cursor = new ListHeaderCursor('X-Forwarded-For');
      cursor.reset(['X-Forwarded-For', line]);
      let k = parts.length - 1;
      while (cursor.next()) {
        const text = parts[k--]![1];
        const status = cursor.parse();
        const n = parseIPv4Number(text);
        if (n > 0) {
          assert.equal(status, 0, text);
          assert.equal(cursor.v4, n, text);
        } else {
          assert.equal(cursor.v4, -1, text);
        }
      }
      assert.equal(k, -1);
    }),
    params,
  );
});
