import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createExpressResolver, ExpressCursor } from './express.ts';
import { EXPRESS_VECTOR_CONFIGS, EXPRESS_VECTORS } from './express.vectors.ts';
import { createResolver } from './resolver.ts';

// Recorded from Express 5 (test/resolve/record-vectors.ts); the differential test checks thousands more.
for (const v of EXPRESS_VECTORS) {
  test(`express vector: ${v.name}`, () => {
    const options = EXPRESS_VECTOR_CONFIGS[v.config];
    assert.ok(options, v.config);
    const got = createExpressResolver(options).resolve({ peer: v.peer, rawHeaders: v.headers.flat() });
    assert.equal(got.client, v.want);
    assert.equal(got.port, null);
  });
}

test('express through createResolver: dispatch and the same answer', () => {
  const v = EXPRESS_VECTORS.find((x) => x.config === 'loopback');
  assert.ok(v);
  const options = EXPRESS_VECTOR_CONFIGS[v.config];
  assert.ok(options);
  const resolver = createResolver(options);
  assert.equal(resolver.semantics, 'express');
  assert.equal(resolver.resolve({ peer: v.peer, rawHeaders: v.headers.flat() }).client, v.want);
});

/** Model: Node's `req.headers['x-forwarded-for']` (lines trimmed of SP/HTAB, joined with ", "). */
function nodeJoined(raw: readonly string[]): string | undefined {
  let joined: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() !== 'x-forwarded-for') continue;
    const v = (raw[i + 1] as string).replace(/^[ \t]+|[ \t]+$/g, '');
    joined = joined === undefined ? v : `${joined}, ${v}`;
  }
  return joined;
}

/** Model: forwarded 0.2.0 — split at commas, trim spaces only, drop empty items, right to left. */
function forwardedModel(header: string): string[] {
  return header
    .split(',')
    .map((e) => e.replace(/^ +| +$/g, ''))
    .filter((e) => e !== '')
    .reverse();
}

function cursorEntries(raw: readonly string[]): string[] {
  const cursor = new ExpressCursor(true);
  const out: string[] = [];
  if (cursor.reset(raw) === 0) return out;
  while (cursor.next()) out.push(cursor.text());
  return out;
}

test('ExpressCursor yields what proxy-addr sees: Node-joined lines cut by forwarded', () => {
  const raw = [
    'X-Forwarded-For',
    ' \t1.1.1.1\t',
    'X-Real-IP',
    '9.9.9.9',
    'x-forwarded-for',
    '',
    'X-FORWARDED-FOR',
    'a b ,, c,\tx , ',
  ];
  assert.deepEqual(cursorEntries(raw), ['\tx', 'c', 'a b', '1.1.1.1']);
  assert.deepEqual(cursorEntries(['X_Forwarded_For', '1.1.1.1']), []);
  const runs = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 300);
  const line = fc.stringMatching(/^[ \t,ab1.:]{0,12}$/);
  const name = fc.constantFrom('X-Forwarded-For', 'x-forwarded-for', 'X-Real-IP', 'X_Forwarded_For');
  fc.assert(
    fc.property(fc.array(fc.tuple(name, line), { maxLength: 5 }), (lines) => {
      const raw = lines.flat();
      const joined = nodeJoined(raw);
      assert.deepEqual(cursorEntries(raw), joined === undefined ? [] : forwardedModel(joined));
    }),
    { numRuns: runs },
  );
});

test('express reasons and the undefined socket (Unix) → null', () => {
  const loop = createExpressResolver({ semantics: 'express', trusted: ['loopback'] });
  const reason = (peer: string | undefined, xff: string): [string | null, string] => {
    const r = loop.resolve({ peer, rawHeaders: ['X-Forwarded-For', xff] });
    return [r.client, r.reason];
  };
  assert.deepEqual(reason('127.0.0.1', '1.1.1.1'), ['1.1.1.1', 'rightmost-untrusted']);
  assert.deepEqual(reason('127.0.0.1', 'nope'), ['nope', 'invalid-entry-verbatim']);
  assert.deepEqual(reason('127.0.0.1', '127.0.0.3'), ['127.0.0.3', 'all-trusted-leftmost']);
  assert.deepEqual(reason('127.0.0.1', 'nope, 1.1.1.1'), ['1.1.1.1', 'rightmost-untrusted']);
  assert.deepEqual(reason('127.0.0.1', '1.1.1.1, nope, 127.0.0.2'), ['nope', 'invalid-entry-verbatim']);
  assert.deepEqual(reason('9.9.9.9', '1.1.1.1'), ['9.9.9.9', 'untrusted-peer']);
  assert.deepEqual(reason(undefined, '1.1.1.1'), [null, 'peer-not-ip']);
  const all = createExpressResolver({ semantics: 'express', trustAll: true });
  assert.equal(all.trustsEverything, true);
  assert.equal(all.resolve({ peer: undefined, rawHeaders: ['X-Forwarded-For', '1.1.1.1'] }).client, '1.1.1.1');
  assert.equal(all.resolve({ peer: undefined, rawHeaders: [] }).client, null);
  const hops = createExpressResolver({ semantics: 'express', hops: 1 });
  assert.deepEqual(
    [hops.resolve({ peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, 2.2.2.2'] }).reason],
    ['hop-count'],
  );
});

test('express trace: each address with its verdict and range', () => {
  const r = createExpressResolver({ semantics: 'express', trusted: ['loopback', '10.0.0.0/8'] });
  const got = r.resolve(
    { peer: '::ffff:127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, 10.0.0.2'] },
    { trace: true },
  );
  assert.deepEqual(
    got.trace?.map((s) => [s.source, s.value, s.verdict, s.range ?? '']),
    [
      ['peer', '::ffff:127.0.0.1', 'trusted', 'loopback'],
      ['header', '10.0.0.2', 'trusted', '10.0.0.0/8'],
      ['header', '1.1.1.1', 'client', ''],
    ],
  );
  assert.equal(got.peer, '127.0.0.1');
});

test('express: a one-item trusted list is read as the CSV string form', () => {
  const r = createExpressResolver({ semantics: 'express', trusted: ['loopback, 10.0.0.0/8'] });
  assert.equal(
    r.resolve({ peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, 10.0.0.2'] }).client,
    '1.1.1.1',
  );
  assert.throws(() => createExpressResolver({ semantics: 'express', trusted: ['loopback, 10.0.0.0/8', '::1'] }));
  assert.throws(() => createExpressResolver({ semantics: 'express', trusted: [''] }));
});

test('express resolve never throws, whatever the input', () => {
  const r = createExpressResolver({ semantics: 'express', trusted: ['loopback', '10.0.0.0/8'] });
  const runs = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 300);
  fc.assert(
    fc.property(
      fc.option(fc.string(), { nil: undefined }),
      fc.array(fc.string(), { maxLength: 8 }),
      fc.anything(),
      (peer, raw, junk) => {
        const got = r.resolve({ peer, rawHeaders: ['X-Forwarded-For', ...raw] });
        assert.ok(got.client === null || typeof got.client === 'string');
        const bad = r.resolve({ peer, rawHeaders: junk as string[] });
        assert.ok(typeof bad.reason === 'string');
      },
    ),
    { numRuns: runs },
  );
});
