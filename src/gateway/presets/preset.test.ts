import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PrefixSet } from '../../core/ip/prefix-set.ts';
import {
  expandPresetRanges,
  getPreset,
  PRESET_NAMES,
  presetAgeDays,
  presetWarnings,
  STALE_AFTER_DAYS,
} from './preset.ts';

test('every shipped preset: header, source, date and valid ranges', () => {
  const headers = PRESET_NAMES.map((name) => getPreset(name, {}).header);
  assert.deepEqual(headers, ['CF-Connecting-IP', 'CloudFront-Viewer-Address', 'Fastly-Client-IP', 'True-Client-IP']);
  for (const name of PRESET_NAMES) {
    const preset = getPreset(name, {});
    assert.equal(preset.data.preset, name);
    assert.ok(preset.data.source.length > 0 && preset.data.via.length > 0);
    PrefixSet.compile(preset.data.ranges); // throws on any bad entry
    if (preset.data.ranges.length > 0) assert.match(preset.data.takenAt ?? '', /^\d{4}-\d{2}-\d{2}$/);
  }
  assert.equal(getPreset('akamai', {}).data.ranges.length, 0, 'Akamai publishes no general list');
});

test('staleness: warned only after 90 days', () => {
  const preset = getPreset('cloudflare', {});
  const taken = Date.parse(`${preset.data.takenAt}T00:00:00Z`);
  const at = (days: number) => new Date(taken + days * 86_400_000);
  assert.equal(presetAgeDays(preset, at(10)), 10);
  assert.deepEqual(presetWarnings(preset, { now: at(STALE_AFTER_DAYS) }), []);
  const stale = presetWarnings(preset, { now: at(STALE_AFTER_DAYS + 1) });
  assert.equal(stale.length, 1);
  assert.match(stale[0]!, /91 days ago/);
});

test('client-settable headers: Akamai and Fastly warn unless the operator says the CDN overwrites them', () => {
  const fresh = (name: 'fastly' | 'akamai' | 'cloudflare' | 'cloudfront') => {
    const preset = getPreset(name, {});
    const taken = preset.data.takenAt ? Date.parse(`${preset.data.takenAt}T00:00:00Z`) : Date.now();
    return presetWarnings(preset, { now: new Date(taken) }).filter((w) => w.includes('client-settable'));
  };
  assert.equal(fresh('fastly').length, 1);
  assert.equal(fresh('akamai').length, 1);
  assert.equal(fresh('cloudflare').length, 0);
  assert.equal(fresh('cloudfront').length, 0);
  assert.deepEqual(
    presetWarnings(getPreset('fastly', {}), { now: new Date('2023-06-06T00:00:00Z'), headerOverwritten: true }),
    [],
  );
});

test('SOURCEIP_PRESETS_DIR overrides the shipped data; expandPresetRanges uses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sourceip-presets-'));
  try {
    writeFileSync(
      join(dir, 'akamai.json'),
      JSON.stringify({ preset: 'akamai', takenAt: '2026-11-01', source: ['x'], via: 'test', ranges: ['23.32.0.0/11'] }),
    );
    const env = { SOURCEIP_PRESETS_DIR: dir };
    assert.deepEqual(getPreset('akamai', env).data.ranges, ['23.32.0.0/11']);
    assert.deepEqual(expandPresetRanges(['10.0.0.0/8', 'akamai', 'loopback'], env), [
      '10.0.0.0/8',
      '23.32.0.0/11',
      'loopback',
    ]);
    assert.equal(getPreset('cloudflare', env).data.ranges.length, 22, 'others stay shipped');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
