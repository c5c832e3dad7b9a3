import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeTrust, splitList } from './ranges.ts';

type Case = { name: string; value: unknown; everything: boolean; veryWide?: string; invalid?: string[] };

const cases: Case[] = [
  { name: 'ingress-nginx default 0.0.0.0/0 trusts everything', value: '0.0.0.0/0', everything: true },
  { name: 'Kong wildcard pair', value: '0.0.0.0/0,::/0', everything: true },
  { name: 'IPv6 only ::/0 trusts everything', value: '::/0', everything: true },
  { name: 'named range any', value: ['any'], everything: true },
  { name: 'word all / * / true', value: 'all', everything: true },
  {
    name: 'Traefik list of two /1 halves is very wide',
    value: ['0.0.0.0/1', '128.0.0.0/1'],
    everything: false,
    veryWide: '0.0.0.0/1',
  },
  { name: 'VPC range is narrow', value: '10.0.0.0/16', everything: false },
  { name: 'private named range is narrow (each part ≥ /8)', value: 'private', everything: false },
  { name: 'space and comma separated', value: '10.0.0.0/8, 192.168.0.0/16 172.16.0.0/12', everything: false },
  { name: 'host bits set are accepted like nginx does', value: '10.1.2.3/8', everything: false },
  {
    name: 'fail: junk entries are reported',
    value: '10.0.0.0/8,bogus,300.1.1.1',
    everything: false,
    invalid: ['bogus', '300.1.1.1'],
  },
  { name: 'fail: prefix out of range', value: '10.0.0.0/33', everything: false, invalid: ['10.0.0.0/33'] },
  { name: 'empty list trusts nobody', value: '', everything: false },
];

for (const c of cases) {
  test(c.name, () => {
    const got = analyzeTrust(c.value);
    assert.equal(got.everything, c.everything);
    assert.equal(got.veryWide, c.veryWide);
    assert.deepEqual(got.invalid, c.invalid ?? []);
  });
}

test('splitList flattens arrays and numbers, drops empties', () => {
  assert.deepEqual(splitList(['a, b', 'c', 7, null]), ['a', 'b', 'c', '7']);
});
