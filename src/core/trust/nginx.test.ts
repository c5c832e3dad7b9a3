import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createNginxResolver } from './nginx.ts';
import { NGINX_VECTOR_CONFIGS, NGINX_VECTORS } from './nginx.vectors.ts';
import { createResolver } from './resolver.ts';

const PEER_PORT = 40_000;

// Recorded from nginx 1.22 (test/resolve/record-vectors.ts); the differential test checks thousands more.
for (const v of NGINX_VECTORS) {
  test(`nginx vector: ${v.name}`, () => {
    const options = NGINX_VECTOR_CONFIGS[v.config];
    assert.ok(options, v.config);
    const got = createNginxResolver(options).resolve({
      peer: v.peer,
      peerPort: PEER_PORT,
      rawHeaders: v.headers.flat(),
    });
    assert.equal(got.client, v.want);
    assert.equal(got.port, v.wantPort === 'peer' ? PEER_PORT : v.wantPort);
  });
}

test('nginx through createResolver: dispatch and the same answer', () => {
  const v = NGINX_VECTORS[0];
  assert.ok(v);
  const options = NGINX_VECTOR_CONFIGS[v.config];
  assert.ok(options);
  const resolver = createResolver(options);
  assert.equal(resolver.semantics, 'nginx');
  assert.equal(resolver.resolve({ peer: v.peer, rawHeaders: v.headers.flat() }).client, v.want);
});

const base = { semantics: 'nginx' as const, trusted: ['127.0.0.1', '10.0.0.0/8'], recursive: true };

test('nginx reasons: each stop rule names itself', () => {
  const r = createNginxResolver(base);
  const reason = (peer: string, xff?: string): string =>
    r.resolve({ peer, rawHeaders: xff === undefined ? [] : ['X-Forwarded-For', xff] }).reason;
  assert.equal(reason('127.0.0.1', '1.1.1.1, 10.0.0.2'), 'rightmost-untrusted');
  assert.equal(reason('127.0.0.1', '10.0.0.1, 10.0.0.2'), 'all-trusted-leftmost');
  assert.equal(reason('127.0.0.1', '1.1.1.1, bogus, 10.0.0.2'), 'invalid-entry-kept-last');
  assert.equal(reason('127.0.0.1', 'bogus'), 'invalid-entry-kept-last');
  assert.equal(reason('127.0.0.1'), 'trusted-peer-no-header');
  assert.equal(reason('9.9.9.9', '1.1.1.1'), 'untrusted-peer');
  const off = createNginxResolver({ ...base, recursive: false });
  assert.equal(
    off.resolve({ peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, 10.0.0.2'] }).reason,
    'rightmost-entry',
  );
});

test('nginx peer: a Node dual-stack ::ffff: peer is the IPv4 connection it is', () => {
  const r = createNginxResolver(base);
  const got = r.resolve({ peer: '::ffff:127.0.0.1', peerPort: 5000, rawHeaders: ['X-Real-IP', '2.2.2.2'] });
  assert.deepEqual([got.client, got.port, got.peer, got.peerTrusted], ['127.0.0.1', 5000, '127.0.0.1', true]);
});

test('nginx peer: a Unix-socket peer prints unix: and is trusted only by unix:', () => {
  const untrusted = createNginxResolver(base).resolve({ peer: undefined, rawHeaders: ['X-Forwarded-For', '1.1.1.1'] });
  assert.deepEqual([untrusted.client, untrusted.port], ['unix:', null]);
  const trusted = createNginxResolver({ ...base, trusted: ['unix:'] }).resolve({
    peer: undefined,
    rawHeaders: ['X-Forwarded-For', '1.1.1.1'],
  });
  assert.equal(trusted.client, '1.1.1.1');
});

test('fail: nginx peer that is not an address gives null with peer-not-ip', () => {
  const got = createNginxResolver(base).resolve({ peer: 'garbage', rawHeaders: ['X-Forwarded-For', '1.1.1.1'] });
  assert.deepEqual([got.client, got.reason], [null, 'peer-not-ip']);
});

test('fail: set_real_ip_from values nginx would not load are setup errors', () => {
  for (const bad of ['10.0.0.0/33', 'example.com', '::/129', '10.0.0.0/', '1.2.3.4/8x', '255.255.255.255/32']) {
    assert.throws(() => createNginxResolver({ ...base, trusted: [bad] }), { code: 'SIP_ERR_INVALID_CIDR' }, bad);
  }
  assert.throws(() => createNginxResolver({ ...base, header: 'proxy_protocol' }), { code: 'SIP_ERR_INVALID_OPTION' });
});

test('nginx trace: peer, trusted hops and the client, with the matching range', () => {
  const got = createNginxResolver(base).resolve(
    { peer: '127.0.0.1', rawHeaders: ['X-Forwarded-For', '1.1.1.1, 10.0.0.2'] },
    { trace: true },
  );
  assert.deepEqual(
    got.trace?.map((s) => [s.source, s.value, s.verdict, s.range ?? '']),
    [
      ['peer', '127.0.0.1', 'trusted', '127.0.0.1'],
      ['header', '10.0.0.2', 'trusted', '10.0.0.0/8'],
      ['header', '1.1.1.1', 'client', ''],
    ],
  );
});

test('nginx: trustsEverything only when both 0.0.0.0/0 and ::/0 are trusted', () => {
  assert.equal(createNginxResolver({ ...base, trusted: ['0.0.0.0/0'] }).trustsEverything, false);
  assert.equal(createNginxResolver({ ...base, trusted: ['0.0.0.0/0', '::/0'] }).trustsEverything, true);
});

test('nginx resolve never throws, whatever the input', () => {
  const r = createNginxResolver(base);
  const runs = Number(process.env.SOURCEIP_FUZZ_RUNS ?? 300);
  fc.assert(
    fc.property(
      fc.option(fc.string(), { nil: undefined }),
      fc.array(fc.string(), { maxLength: 8 }),
      fc.anything(),
      (peer, raw, junk) => {
        const got = r.resolve({ peer, rawHeaders: raw });
        assert.ok(got.client === null || typeof got.client === 'string');
        const bad = r.resolve({ peer, rawHeaders: junk as string[] });
        assert.ok(typeof bad.reason === 'string');
      },
    ),
    { numRuns: runs },
  );
});

test('fail: a trusted list that is not an array of strings is a setup error', () => {
  for (const bad of ['10.0.0.0/8', [5], [null]]) {
    assert.throws(() => createNginxResolver({ ...base, trusted: bad as unknown as string[] }), {
      code: 'SIP_ERR_INVALID_OPTION',
    });
  }
});
