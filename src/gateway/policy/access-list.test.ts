import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import type { AccessListConfig } from '../config/types.ts';
import { getPreset } from '../presets/preset.ts';
import { type AccessReason, compileAccessList } from './access-list.ts';
import { policyRequest } from './policy-request.vectors.ts';

type Case = {
  name: string;
  acl: AccessListConfig;
  client: string | null;
  peer: string | null;
  want: AccessReason | null;
};
const spoof = { 'x-forwarded-for': '10.9.9.9', 'x-real-ip': '10.9.9.9' };
const cases: Case[] = [
  { name: 'no lists: everyone passes', acl: {}, client: '203.0.113.1', peer: '203.0.113.1', want: null },
  {
    name: 'allow list: member passes',
    acl: { allow: ['10.0.0.0/8'] },
    client: '10.1.2.3',
    peer: '10.1.2.3',
    want: null,
  },
  {
    name: 'fail: allow list: outsider refused even with an allowed address in spoofed headers',
    acl: { allow: ['10.0.0.0/8'] },
    client: '203.0.113.1',
    peer: '203.0.113.1',
    want: 'not-allowed',
  },
  {
    name: 'fail: deny list: member refused',
    acl: { deny: ['203.0.113.0/24'] },
    client: '203.0.113.1',
    peer: '192.0.2.1',
    want: 'denied',
  },
  {
    name: 'deny list: outsider passes',
    acl: { deny: ['203.0.113.0/24'] },
    client: '198.51.100.1',
    peer: '198.51.100.1',
    want: null,
  },
  {
    name: 'fail: deny wins over allow',
    acl: { allow: ['10.0.0.0/8'], deny: ['10.6.6.0/24'] },
    client: '10.6.6.6',
    peer: '10.6.6.6',
    want: 'denied',
  },
  {
    name: 'IPv4-mapped client matches an IPv4 allow entry',
    acl: { allow: ['10.0.0.0/8'] },
    client: '::ffff:10.1.1.1',
    peer: '::1',
    want: null,
  },
  {
    name: 'IPv6 client in an IPv6 allow entry, zone ignored',
    acl: { allow: ['fe80::/10'] },
    client: 'fe80::1%eth0',
    peer: 'fe80::1%eth0',
    want: null,
  },
  {
    name: 'fail: IPv4 client never matches ::/0',
    acl: { allow: ['::/0'] },
    client: '192.0.2.1',
    peer: '192.0.2.1',
    want: 'not-allowed',
  },
  { name: 'named range: private', acl: { allow: ['private'] }, client: '192.168.1.1', peer: '192.168.1.1', want: null },
  {
    name: 'fail: named range: public outside private',
    acl: { allow: ['private'] },
    client: '8.8.8.8',
    peer: '8.8.8.8',
    want: 'not-allowed',
  },
  {
    name: 'fail: client unknown never passes an allow list',
    acl: { allow: ['0.0.0.0/0', '::/0'] },
    client: null,
    peer: '10.0.0.2',
    want: 'client-unknown',
  },
  {
    name: 'client unknown: a deny list cannot match',
    acl: { deny: ['10.0.0.0/8'] },
    client: null,
    peer: '10.0.0.2',
    want: null,
  },
  {
    name: 'peerAllow: the CDN may connect',
    acl: { peerAllow: ['cloudflare'] },
    client: '203.0.113.1',
    peer: '173.245.48.1',
    want: null,
  },
  {
    name: 'fail: peerAllow: a direct client is refused although its client address is fine',
    acl: { peerAllow: ['cloudflare'], allow: ['203.0.113.0/24'] },
    client: '203.0.113.1',
    peer: '203.0.113.1',
    want: 'peer-not-allowed',
  },
  {
    name: 'fail: peerAllow: no peer address (unix socket)',
    acl: { peerAllow: ['loopback'] },
    client: null,
    peer: null,
    want: 'peer-not-allowed',
  },
  {
    name: 'peerAllow checked on the peer, allow on the client',
    acl: { peerAllow: ['10.0.0.0/8'], allow: ['198.51.100.0/24'] },
    client: '198.51.100.4',
    peer: '10.0.0.2',
    want: null,
  },
];
for (const c of cases) {
  test(`access: ${c.name}`, () => {
    const acl = compileAccessList(c.acl, 'routes[0].access');
    assert.equal(acl.check(policyRequest(c.client, c.peer, spoof)), c.want);
  });
}

test('dry-run flag is carried', () => {
  assert.equal(compileAccessList({ deny: ['10.0.0.0/8'], dryRun: true }, 'k').dryRun, true);
  assert.equal(compileAccessList({ deny: ['10.0.0.0/8'] }, 'k').dryRun, false);
});

test('preset names expand to the shipped ranges', () => {
  const acl = compileAccessList({ allow: ['cloudfront'] }, 'k');
  const first = getPreset('cloudfront').data.ranges[0]!.split('/')[0]!;
  assert.equal(acl.check(policyRequest(first, first)), null);
  assert.equal(acl.check(policyRequest('192.0.2.1', '192.0.2.1')), 'not-allowed');
});

test('files of CIDRs: comments and blank lines skipped; entries join the inline ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-acl-'));
  try {
    const file = join(dir, 'deny.txt');
    writeFileSync(file, '# blocked\n\n203.0.113.0/24  # abuse\n2001:db8:bad::/48\n');
    const acl = compileAccessList({ deny: ['198.51.100.9'], denyFiles: [file] } as AccessListConfig, 'k');
    assert.equal(acl.check(policyRequest('203.0.113.7', '203.0.113.7')), 'denied');
    assert.equal(acl.check(policyRequest('2001:db8:bad:1::1', '::1')), 'denied');
    assert.equal(acl.check(policyRequest('198.51.100.9', '198.51.100.9')), 'denied');
    assert.equal(acl.check(policyRequest('198.51.100.8', '198.51.100.8')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fail: a bad line in a file is a ConfigError naming file and line, input escaped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-acl-'));
  try {
    const file = join(dir, 'allow.txt');
    writeFileSync(file, '10.0.0.0/8\n10.0.0.0/33\u001b[31m\n');
    assert.throws(
      () => compileAccessList({ allowFiles: [file] } as AccessListConfig, 'routes[1].access'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.line === 2 &&
        error.file === file &&
        error.key === 'routes[1].access.allowFiles' &&
        !error.message.includes('\u001b'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fail: a missing file is a ConfigError', () => {
  assert.throws(
    () => compileAccessList({ denyFiles: ['/nonexistent/sourceip-deny.txt'] } as AccessListConfig, 'k'),
    (error: unknown) => error instanceof ConfigError && /ENOENT/.test(error.message),
  );
});

test('fail: a bad inline entry is a ConfigError with the key', () => {
  assert.throws(
    () => compileAccessList({ allow: ['10.0.0.300'] }, 'listeners[0].access'),
    (error: unknown) => error instanceof ConfigError && error.key === 'listeners[0].access.allow',
  );
});
