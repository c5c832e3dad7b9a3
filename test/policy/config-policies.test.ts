/**
 * The policy keys of the config file (issue 8) through the real loader: CDN presets on trust
 * profiles, rate-limit key header, access-list files, Redis Sentinel/Cluster; and the warnings
 * compilePolicies derives from them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { checkConfigObject } from '../../src/gateway/config/load.ts';
import { compileRuntime } from '../../src/gateway/engine.ts';
import { compilePolicies } from '../../src/gateway/policy/engine.ts';
import { policyRequest } from '../../src/gateway/policy/policy-request.vectors.ts';
import type { PolicyOutcome } from '../../src/gateway/policy/types.ts';

const base = {
  listeners: [{ name: 'public', port: 0, host: '127.0.0.1', trust: 'cdn' }],
  upstreams: [{ name: 'app', targets: ['127.0.0.1:9'] }],
  routes: [{ name: 'api', upstream: 'app' }],
};

test('preset: cloudflare fills semantics, header and trusted; the resolver trusts Cloudflare only', () => {
  const result = checkConfigObject({ ...base, trustProfiles: [{ name: 'cdn', preset: 'cloudflare' }] }, '<test>', {});
  assert.deepEqual(result.errors, []);
  const profile = result.config!.trustProfiles.find((p) => p.name === 'cdn')!;
  assert.deepEqual(
    { semantics: profile.semantics, header: profile.header, trusted: profile.trusted, preset: profile.preset },
    { semantics: 'single', header: 'CF-Connecting-IP', trusted: ['cloudflare'], preset: 'cloudflare' },
  );
  const runtime = compileRuntime(result.config!);
  const resolver = runtime.listeners.get('public')!.resolver;
  const fromCloudflare = resolver.resolve({ peer: '173.245.48.1', rawHeaders: ['CF-Connecting-IP', '198.51.100.7'] });
  assert.equal(fromCloudflare.client, '198.51.100.7');
  const spoofed = resolver.resolve({ peer: '203.0.113.9', rawHeaders: ['CF-Connecting-IP', '198.51.100.7'] });
  assert.equal(spoofed.client, '203.0.113.9');
  runtime.close();
});

test('preset keys explicitly set win over the preset defaults; unknown preset is a config error', () => {
  const result = checkConfigObject(
    { ...base, trustProfiles: [{ name: 'cdn', preset: 'cloudflare', trusted: ['cloudflare', '10.0.0.0/8'] }] },
    '<test>',
    {},
  );
  assert.deepEqual(result.config!.trustProfiles.find((p) => p.name === 'cdn')!.trusted, ['cloudflare', '10.0.0.0/8']);
  const bad = checkConfigObject({ ...base, trustProfiles: [{ name: 'cdn', preset: 'cdnx' }] }, '<test>', {});
  assert.equal(bad.config, null);
  assert.match(bad.errors[0]!.message, /preset/);
});

test('client-settable preset headers warn until headerOverwritten; stale lists warn', async () => {
  const warningsFor = async (profile: Record<string, unknown>) => {
    const result = checkConfigObject({ ...base, trustProfiles: [{ name: 'cdn', ...profile }] }, '<test>', {});
    const engine = compilePolicies(result.config!);
    await engine.close();
    return engine.warnings;
  };
  const akamai = await warningsFor({ preset: 'akamai' });
  assert.ok(
    akamai.some((w) => w.includes('True-Client-IP is client-settable')),
    akamai.join('\n'),
  );
  assert.ok(akamai.some((w) => w.includes('no ranges (akamai publishes none')));
  const acknowledged = await warningsFor({ preset: 'akamai', headerOverwritten: true });
  assert.ok(!acknowledged.some((w) => w.includes('client-settable')));
  const fastly = await warningsFor({ preset: 'fastly' });
  assert.ok(fastly.some((w) => w.includes('Fastly-Client-IP is client-settable')));
  assert.ok(fastly.some((w) => w.includes('2023-06-06')));
});

test('rate limit keyHeader, access files and Redis Sentinel/Cluster keys reach the runtime config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-config-policies-'));
  try {
    const deny = join(dir, 'deny.txt');
    writeFileSync(deny, '203.0.113.0/24\n');
    const result = checkConfigObject(
      {
        ...base,
        trustProfiles: [{ name: 'cdn', trusted: [] }],
        routes: [
          {
            name: 'api',
            upstream: 'app',
            access: { denyFiles: [deny] },
            rateLimit: { requests: 1, periodMs: '1m', keyHeader: 'X-Api-Key' },
          },
        ],
        redis: {
          url: 'redis://:secret@127.0.0.1:6379',
          sentinels: [{ host: '127.0.0.1', port: 26379 }],
          sentinelName: 'main',
          cluster: ['127.0.0.1:7000', '[::1]:7001'],
        },
      },
      '<test>',
      {},
    );
    assert.deepEqual(result.errors, []);
    const route = result.config!.routes[0]!;
    assert.equal(route.rateLimit!.keyHeader, 'X-Api-Key');
    assert.deepEqual(route.access!.denyFiles, [deny]);
    assert.deepEqual(result.config!.redis!.sentinels, [{ host: '127.0.0.1', port: 26379 }]);
    assert.deepEqual(result.config!.redis!.cluster, ['127.0.0.1:7000', '[::1]:7001']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keyHeader splits one client into several budgets; files are read at compile time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-config-policies-'));
  try {
    const deny = join(dir, 'deny.txt');
    writeFileSync(deny, '203.0.113.0/24\n');
    const result = checkConfigObject(
      {
        ...base,
        trustProfiles: [{ name: 'cdn', trusted: [] }],
        routes: [
          {
            name: 'api',
            upstream: 'app',
            access: { denyFiles: [deny] },
            rateLimit: { requests: 1, periodMs: '1m', keyHeader: 'X-Api-Key' },
          },
        ],
      },
      '<test>',
      {},
    );
    const engine = compilePolicies(result.config!, { clock: () => 0 });
    const chain = engine.forRoute('api')!;
    const check = async (client: string, key: string) =>
      ((await chain.check(policyRequest(client, client, { 'x-api-key': key }))) as PolicyOutcome).decision;
    assert.equal(await check('198.51.100.1', 'a'), 'allow');
    assert.equal(await check('198.51.100.1', 'a'), 'limit');
    assert.equal(await check('198.51.100.1', 'b'), 'allow');
    assert.equal(await check('203.0.113.5', 'c'), 'deny');
    await engine.close();
    // A reload compiles again: an edited file takes effect, a broken one fails the compile.
    writeFileSync(deny, '198.51.100.0/24\n');
    const again = compilePolicies(result.config!, { clock: () => 0 });
    assert.equal(
      ((await again.forRoute('api')!.check(policyRequest('198.51.100.1', '198.51.100.1'))) as PolicyOutcome).decision,
      'deny',
    );
    await again.close();
    writeFileSync(deny, 'not-a-range\n');
    assert.throws(() => compilePolicies(result.config!), /deny\.txt:1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
