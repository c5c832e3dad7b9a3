import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import type { PresetName } from './preset.ts';
import { parseRangeFile, refreshPreset } from './refresh.ts';

type Case = { name: string; text: string; preset?: PresetName; format?: string; want?: string[]; error?: RegExp };
const cases: Case[] = [
  {
    name: 'Cloudflare text list with comments, blank lines and CRLF',
    text: '# ips-v4\r\n173.245.48.0/20\r\n\r\n103.21.244.0/22 # edge\n',
    format: 'text',
    want: ['173.245.48.0/20', '103.21.244.0/22'],
  },
  {
    name: 'bare addresses become host networks; duplicates dropped',
    text: '192.0.2.1\n192.0.2.1/32\n2001:DB8::1\n',
    format: 'text',
    want: ['192.0.2.1/32', '2001:db8::1/128'],
  },
  {
    name: 'AWS ip-ranges.json: only CLOUDFRONT entries, both families',
    preset: 'cloudfront',
    text: JSON.stringify({
      syncToken: '1',
      prefixes: [
        { ip_prefix: '13.32.0.0/15', region: 'GLOBAL', service: 'CLOUDFRONT' },
        { ip_prefix: '3.5.140.0/22', region: 'ap-northeast-2', service: 'AMAZON' },
        { ip_prefix: '13.32.0.0/15', region: 'GLOBAL', service: 'AMAZON' },
      ],
      ipv6_prefixes: [
        { ipv6_prefix: '2600:9000:1000::/36', service: 'CLOUDFRONT' },
        { ipv6_prefix: '2600:1f00::/40', service: 'EC2' },
      ],
    }),
    format: 'aws-ip-ranges',
    want: ['13.32.0.0/15', '2600:9000:1000::/36'],
  },
  {
    name: 'Fastly public-ip-list',
    preset: 'fastly',
    text: '{"addresses":["151.101.0.0/16","23.235.32.0/20"],"ipv6_addresses":["2a04:4e40::/32"]}',
    format: 'fastly-public-ip-list',
    want: ['151.101.0.0/16', '23.235.32.0/20', '2a04:4e40::/32'],
  },
  {
    name: 'Cloudflare ips API',
    preset: 'cloudflare',
    text: '{"result":{"ipv4_cidrs":["173.245.48.0/20"],"ipv6_cidrs":["2400:cb00::/32"],"etag":"x"},"success":true}',
    format: 'cloudflare-api',
    want: ['173.245.48.0/20', '2400:cb00::/32'],
  },
  { name: 'fail: host bits set', text: '10.0.0.1/8\n', error: /host bits/ },
  { name: 'fail: netmask notation', text: '10.0.0.0/255.0.0.0\n', error: /netmask/ },
  { name: 'fail: legacy IPv4 form', text: '010.0.0.0/8\n', error: /CIDR/ },
  { name: 'fail: prefix out of range', text: '2001:db8::/129\n', error: /CIDR/ },
  { name: 'fail: garbage escaped in the message', text: '1.2.3.4\n\u001b[2Jevil\n', error: /\\u001b/ },
  {
    name: 'fail: a Fastly list given for cloudflare',
    preset: 'cloudflare',
    text: '{"addresses":["151.101.0.0/16"]}',
    error: /Fastly.*not cloudflare/,
  },
  { name: 'fail: ip-ranges.json for fastly', preset: 'fastly', text: '{"prefixes":[]}', error: /not fastly/ },
  {
    name: 'fail: ip-ranges.json without CloudFront',
    preset: 'cloudfront',
    text: '{"prefixes":[{"ip_prefix":"3.5.140.0/22","service":"AMAZON"}]}',
    error: /no CLOUDFRONT/,
  },
  { name: 'fail: unknown JSON', text: '{"cidrs":["10.0.0.0/8"]}', error: /unknown JSON format/ },
  { name: 'fail: broken JSON', text: '{"addresses":[', error: /not valid JSON/ },
  { name: 'fail: non-string entry', text: '{"addresses":[42]}', error: /non-string/ },
];
for (const c of cases) {
  test(`parseRangeFile: ${c.name}`, () => {
    if (c.error) {
      assert.throws(
        () => parseRangeFile(c.text, 'in.txt', c.preset),
        (e: unknown) => e instanceof ConfigError && c.error!.test(e.message) && !e.message.includes('\u001b'),
      );
      return;
    }
    const parsed = parseRangeFile(c.text, 'in.txt', c.preset);
    assert.equal(parsed.format, c.format);
    assert.deepEqual(parsed.ranges, c.want);
  });
}

test('a bad line names the file and line', () => {
  assert.throws(
    () => parseRangeFile('10.0.0.0/8\n\n300.1.1.1\n', 'ips-v4'),
    (e: unknown) => e instanceof ConfigError && e.file === 'ips-v4' && e.line === 3,
  );
});

test('refreshPreset merges files and writes the data file with its date and source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-presets-'));
  try {
    writeFileSync(join(dir, 'ips-v4'), '173.245.48.0/20\n');
    writeFileSync(join(dir, 'ips-v6'), '2400:cb00::/32\n');
    const out = refreshPreset({
      preset: 'cloudflare',
      files: [join(dir, 'ips-v4'), join(dir, 'ips-v6')],
      dataDir: dir,
      takenAt: '2026-11-01',
      source: ['https://www.cloudflare.com/ips-v4', 'https://www.cloudflare.com/ips-v6'],
    });
    const written = JSON.parse(readFileSync(join(dir, 'cloudflare.json'), 'utf8'));
    assert.deepEqual(written.ranges, ['173.245.48.0/20', '2400:cb00::/32']);
    assert.equal(written.takenAt, '2026-11-01');
    assert.deepEqual(written.source, ['https://www.cloudflare.com/ips-v4', 'https://www.cloudflare.com/ips-v6']);
    assert.equal(out.file, join(dir, 'cloudflare.json'));
    assert.throws(
      () => refreshPreset({ preset: 'cloudflare', files: [join(dir, 'ips-v4')], dataDir: dir, takenAt: '1 Nov' }),
      ConfigError,
    );
    assert.throws(
      () => refreshPreset({ preset: 'cloudflare', files: [join(dir, 'missing')], dataDir: dir }),
      ConfigError,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
