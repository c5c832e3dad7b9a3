import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListHeaderCursor } from '../headers/forwarded-for.ts';
import { formatIP, parseIP } from '../ip/address.ts';
import { PrefixSet } from '../ip/prefix-set.ts';
import type { ResolveInput } from './types.ts';
import { createWalk, type WalkConfig } from './walk.ts';

const trusted = PrefixSet.compile(['10.0.0.0/8', '127.0.0.0/8']);
const base: WalkConfig = {
  parsePeer: (raw) => parseIP(raw),
  canonical: formatIP,
  isTrusted: (ip) => ip !== null && trusted.has(ip),
  trustedRange: (ip) => (ip === null ? undefined : trusted.match(ip)),
  formatClient: (ip) => formatIP(ip),
  onInvalid: 'refuse',
  onAllTrusted: 'refuse',
  recursive: true,
  hops: 0,
  maxEntries: 64,
};

function run(config: Partial<WalkConfig>, xff: string, peer = '127.0.0.1') {
  const walk = createWalk({ ...base, ...config }, new ListHeaderCursor('X-Forwarded-For'));
  return walk({ peer, rawHeaders: ['X-Forwarded-For', xff] }, false);
}

test('keep-last: an invalid entry answers the last trusted hop (nginx recursive)', () => {
  const r = run({ onInvalid: 'keep-last' }, '1.1.1.1, bogus, 10.0.0.2');
  assert.deepEqual([r.client, r.reason], ['10.0.0.2', 'invalid-entry-kept-last']);
});

test('keep-last with nothing trusted yet: the peer', () => {
  const r = run({ onInvalid: 'keep-last' }, '1.1.1.1, bogus');
  assert.deepEqual([r.client, r.reason], ['127.0.0.1', 'invalid-entry-kept-last']);
});

test('verbatim: an invalid entry is returned as text (proxy-addr)', () => {
  const r = run({ onInvalid: 'verbatim' }, 'myrouter, 127.0.0.1, proxy');
  assert.deepEqual([r.client, r.reason, r.port], ['proxy', 'invalid-entry-verbatim', null]);
});

test('leftmost: every entry trusted answers the leftmost', () => {
  const r = run({ onAllTrusted: 'leftmost' }, '10.0.0.3, 10.0.0.2');
  assert.deepEqual([r.client, r.reason], ['10.0.0.3', 'all-trusted-leftmost']);
});

test('non-recursive: one step, the rightmost entry even when trusted (nginx off)', () => {
  const r = run({ recursive: false }, '1.1.1.1, 10.0.0.2');
  assert.deepEqual([r.client, r.reason], ['10.0.0.2', 'rightmost-entry']);
});

test('isTrusted gets the chain index: peer 0, rightmost entry 1 (express hop count)', () => {
  const seen: number[] = [];
  const isTrusted = (_ip: unknown, i: number) => {
    seen.push(i);
    return i < 2;
  };
  const r = run({ isTrusted }, '1.1.1.1, 2.2.2.2, 3.3.3.3', '9.9.9.9');
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(r.client, '2.2.2.2');
});

test('trace: one step per visited entry with verdict, range, why, line and index', () => {
  const walk = createWalk(base, new ListHeaderCursor('X-Forwarded-For'));
  const r = walk(
    { peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '6.6.6.6, nope', 'X-Forwarded-For', '10.0.0.2'] },
    true,
  );
  assert.equal(r.reason, 'invalid-entry');
  assert.deepEqual(r.trace, [
    { source: 'peer', value: '127.0.0.1', verdict: 'trusted', range: '127.0.0.0/8' },
    {
      source: 'header',
      header: 'X-Forwarded-For',
      line: 1,
      index: 0,
      value: '10.0.0.2',
      verdict: 'trusted',
      range: '10.0.0.0/8',
    },
    {
      source: 'header',
      header: 'X-Forwarded-For',
      line: 0,
      index: 1,
      value: 'nope',
      verdict: 'invalid',
      why: 'not-an-ip',
    },
  ]);
});

test('hop-count trace marks the skipped positions', () => {
  const walk = createWalk({ ...base, hops: 3 }, new ListHeaderCursor('X-Forwarded-For'));
  const r = walk({ peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, 2.2.2.2, junk, 4.4.4.4'] }, true);
  assert.equal(r.client, '2.2.2.2');
  assert.deepEqual(
    r.trace?.map((s) => `${s.verdict}:${s.value}`),
    ['trusted:127.0.0.1', 'skipped:4.4.4.4', 'skipped:junk', 'client:2.2.2.2'],
  );
});

test('the peer cache does not leak between peers', () => {
  const walk = createWalk(base, new ListHeaderCursor('X-Forwarded-For'));
  const input = (peer: string): ResolveInput => ({ peer, rawHeaders: ['X-Forwarded-For', '6.6.6.6'] });
  assert.equal(walk(input('10.0.0.1'), false).client, '6.6.6.6');
  assert.equal(walk(input('9.9.9.9'), false).client, '9.9.9.9');
  assert.equal(walk(input('10.0.0.1'), false).client, '6.6.6.6');
});

test('never throws: bad input shapes become a reason', () => {
  const walk = createWalk(base, new ListHeaderCursor('X-Forwarded-For'));
  const weird = [
    { peer: '10.0.0.1', rawHeaders: null },
    { peer: '10.0.0.1', rawHeaders: 42 },
    { peer: 42, rawHeaders: [] },
    { peer: '10.0.0.1', rawHeaders: [null, undefined, {}, 'X-Forwarded-For'] },
    null,
  ] as unknown as ResolveInput[];
  for (const input of weird) {
    const r = walk(input, true);
    assert.equal(typeof r.reason, 'string');
  }
  assert.equal(walk(null as unknown as ResolveInput, false).reason, 'unexpected-input');
  assert.equal(walk({ peer: 42 } as unknown as ResolveInput, false).reason, 'peer-not-ip');
});

test('resolve() never throws on odd options either', async () => {
  const { createResolver } = await import('./resolver.ts');
  const r = createResolver({ trusted: ['10.0.0.0/8'] });
  const input = { peer: '10.0.0.1', rawHeaders: ['X-Forwarded-For', '6.6.6.6'] };
  for (const options of [null, 1, 'trace', { trace: 'yes' }] as unknown as undefined[]) {
    const res = r.resolve(input, options);
    assert.deepEqual([res.client, res.trace], ['6.6.6.6', undefined]);
  }
});
